import { assertFaultName, FaultPlan } from '../http/fault-plan';
import { AwsServiceError } from './errors';
import { isOperationName, type OperationName } from './operation-names';

/**
 * Fault injection: the next N calls of an operation fail with a chosen exception before they
 * touch the model, so a caller's retry and error handling can be exercised on demand.
 */

export const DEFAULT_FAULT_EXCEPTION = 'InternalServiceError';

export interface PendingFault {
  readonly operation: OperationName;
  readonly remaining: number;
  readonly exceptionName: string;
}

export interface FaultControl {
  failNext(operation: string, count: number, exceptionName?: string): void;
  /** Faults planned and not yet consumed. */
  pending(): PendingFault[];
  clear(): void;
}

export class FaultInjector implements FaultControl {
  /** Faults queue per operation in the order they were asked for; each carries an exception name. */
  private readonly plan = new FaultPlan<OperationName, string>();

  failNext(operation: string, count: number, exceptionName: string = DEFAULT_FAULT_EXCEPTION): void {
    if (!isOperationName(operation)) throw new RangeError(`unknown Secrets Manager operation: ${operation}`);
    assertFaultName(exceptionName, DEFAULT_FAULT_EXCEPTION);
    this.plan.add(operation, count, exceptionName);
  }

  clear(): void {
    this.plan.clear();
  }

  pending(): PendingFault[] {
    return this.plan
      .pending()
      .map(({ operation, remaining, fault }) => ({ operation, remaining, exceptionName: fault }));
  }

  /** Consumes one planned failure for this call, if any, and returns the error to answer with. */
  take(operation: OperationName): AwsServiceError | undefined {
    const exceptionName = this.plan.take(operation);
    if (exceptionName === undefined) return undefined;
    return new AwsServiceError(exceptionName, `Injected fault: ${operation} failed with ${exceptionName} on request.`);
  }
}
