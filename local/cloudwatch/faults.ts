import { assertFaultName, FaultPlan, type PlannedFault } from '../http/fault-plan';
import { CloudWatchError } from './errors';
import { isOperationName, type OperationName } from './requests';

/**
 * Fault injection for the local CloudWatch: the next N calls of an operation fail as a whole
 * (InternalServiceFault, HTTP 500, by default; `Throttling` for a throttled reader), so a
 * reader such as the auth-failure signal can be shown to retry or to report the failure.
 */

export const DEFAULT_CLOUDWATCH_FAULT = 'InternalServiceFault';

export type PendingCloudWatchFault = PlannedFault<OperationName, string>;

export interface CloudWatchFaultControl {
  /** The next `count` calls of `operation` fail with `exceptionName`. */
  failNext(operation: OperationName, count?: number, exceptionName?: string): void;
  pending(): PendingCloudWatchFault[];
  clear(): void;
}

export class CloudWatchFaults implements CloudWatchFaultControl {
  private readonly plan = new FaultPlan<OperationName, string>();

  failNext(operation: OperationName, count = 1, exceptionName: string = DEFAULT_CLOUDWATCH_FAULT): void {
    if (!isOperationName(operation)) throw new RangeError(`unknown CloudWatch operation: ${String(operation)}`);
    assertFaultName(exceptionName, DEFAULT_CLOUDWATCH_FAULT);
    this.plan.add(operation, count, exceptionName);
  }

  pending(): PendingCloudWatchFault[] {
    return this.plan.pending();
  }

  clear(): void {
    this.plan.clear();
  }

  /** Throws this call's planned fault, if there is one. */
  take(operation: OperationName): void {
    const exceptionName = this.plan.take(operation);
    if (exceptionName !== undefined) {
      throw new CloudWatchError(exceptionName, `Injected fault: ${operation} failed with ${exceptionName}.`);
    }
  }
}
