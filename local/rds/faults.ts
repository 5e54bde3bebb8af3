import { assertFaultName, FaultPlan, type PlannedFault } from '../http/fault-plan';
import { RdsError } from './errors';
import { isOperationName, type OperationName } from './requests';

/**
 * Fault injection: the next N calls of an action fail with a chosen RDS error code before they
 * touch the model (InternalFailure: HTTP 500, retried by the SDK; AccessDenied: HTTP 403, as IAM
 * answers a role without rds:Describe*; Throttling: retried by the SDK).
 */

export const DEFAULT_RDS_FAULT = 'InternalFailure';

export type PendingRdsFault = PlannedFault<OperationName, string>;

export interface RdsFaultControl {
  /** The next `count` calls of `operation` fail with error code `code` (default InternalFailure). */
  failNext(operation: OperationName, count?: number, code?: string): void;
  pending(): PendingRdsFault[];
  clear(): void;
}

export class RdsFaults implements RdsFaultControl {
  private readonly plan = new FaultPlan<OperationName, string>();

  failNext(operation: OperationName, count = 1, code: string = DEFAULT_RDS_FAULT): void {
    if (!isOperationName(operation)) throw new RangeError(`unknown RDS operation: ${String(operation)}`);
    assertFaultName(code, DEFAULT_RDS_FAULT);
    this.plan.add(operation, count, code);
  }

  pending(): PendingRdsFault[] {
    return this.plan.pending();
  }

  clear(): void {
    this.plan.clear();
  }

  /** Consumes one planned failure for this call, if any, and returns the error to answer with. */
  take(operation: OperationName): RdsError | undefined {
    const code = this.plan.take(operation);
    if (code === undefined) return undefined;
    const message =
      code === 'AccessDenied'
        ? `User: arn:aws:sts::123456789012:assumed-role/keyturn/local is not authorized to perform: rds:${operation}`
        : `Injected fault: ${operation} failed with ${code}.`;
    return new RdsError(code, message);
  }
}
