import { assertFaultName, FaultPlan, type PlannedFault } from '../http/fault-plan';
import { StepFunctionsError, type StepFunctionsExceptionName } from './errors';
import { isOperationName, type OperationName } from './requests';

/** Fault injection for the local Step Functions API: the next calls of an operation fail as a whole. */

export const DEFAULT_FAULT: StepFunctionsExceptionName = 'InternalFailure';

export interface StepFunctionsFaultControl {
  /** The next `count` calls of `operation` fail with `exceptionName` (default InternalFailure, HTTP 500). */
  failNext(operation: OperationName, count?: number, exceptionName?: string): void;
  pending(): PlannedFault<OperationName, string>[];
  clear(): void;
}

export class StepFunctionsFaults implements StepFunctionsFaultControl {
  private readonly plan = new FaultPlan<OperationName, string>();

  failNext(operation: OperationName, count = 1, exceptionName: string = DEFAULT_FAULT): void {
    if (!isOperationName(operation)) throw new RangeError(`unknown Step Functions operation: ${String(operation)}`);
    assertFaultName(exceptionName, DEFAULT_FAULT);
    this.plan.add(operation, count, exceptionName);
  }

  pending(): PlannedFault<OperationName, string>[] {
    return this.plan.pending();
  }

  clear(): void {
    this.plan.clear();
  }

  /** Throws this call's planned fault, if any. */
  take(operation: OperationName): void {
    const exceptionName = this.plan.take(operation);
    if (exceptionName === undefined) return;
    throw new StepFunctionsError(
      exceptionName as StepFunctionsExceptionName,
      `Injected fault: ${operation} failed with ${exceptionName}.`,
    );
  }
}
