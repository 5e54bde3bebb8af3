import { assertFaultName, FaultPlan, type PlannedFault } from '../http/fault-plan';
import { LogsError } from './errors';
import { isOperationName, type OperationName } from './requests';

/**
 * Fault injection for the local CloudWatch Logs: the next N calls of an operation fail as a whole
 * (ServiceUnavailableException, HTTP 500, by default; ThrottlingException for a throttled reader),
 * so a reader such as the keyturn CLI can be shown to retry or to report the failure.
 */

export const DEFAULT_LOGS_FAULT = 'ServiceUnavailableException';

export type PendingLogsFault = PlannedFault<OperationName, string>;

export interface LogsFaultControl {
  /** The next `count` calls of `operation` fail with `exceptionName`. */
  failNext(operation: OperationName, count?: number, exceptionName?: string): void;
  pending(): PendingLogsFault[];
  clear(): void;
}

export class LogsFaults implements LogsFaultControl {
  private readonly plan = new FaultPlan<OperationName, string>();

  failNext(operation: OperationName, count = 1, exceptionName: string = DEFAULT_LOGS_FAULT): void {
    if (!isOperationName(operation)) throw new RangeError(`unknown CloudWatch Logs operation: ${String(operation)}`);
    assertFaultName(exceptionName, DEFAULT_LOGS_FAULT);
    this.plan.add(operation, count, exceptionName);
  }

  pending(): PendingLogsFault[] {
    return this.plan.pending();
  }

  clear(): void {
    this.plan.clear();
  }

  /** Throws this call's planned fault, if there is one. */
  take(operation: OperationName): void {
    const exceptionName = this.plan.take(operation);
    if (exceptionName !== undefined) {
      throw new LogsError(exceptionName, `Injected fault: ${operation} failed with ${exceptionName}.`);
    }
  }
}
