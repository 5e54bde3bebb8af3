import { assertFaultName, FaultPlan, type PlannedFault } from '../http/fault-plan';
import { SnsError } from './errors';
import { isOperationName, type OperationName } from './requests';

/**
 * Fault injection: the next N calls of an operation fail with a chosen SNS error code before
 * they touch the model (InternalError: HTTP 500, retried by the SDK; Throttled: HTTP 429,
 * retried too; InvalidParameter, NotFound, AuthorizationError: not retried).
 */

export const DEFAULT_SNS_FAULT = 'InternalError';

export type PendingSnsFault = PlannedFault<OperationName, string>;

export interface SnsFaultControl {
  /** The next `count` calls of `operation` fail with error code `code` (default InternalError). */
  failNext(operation: OperationName, count?: number, code?: string): void;
  pending(): PendingSnsFault[];
  clear(): void;
}

export class SnsFaults implements SnsFaultControl {
  private readonly plan = new FaultPlan<OperationName, string>();

  failNext(operation: OperationName, count = 1, code: string = DEFAULT_SNS_FAULT): void {
    if (!isOperationName(operation)) throw new RangeError(`unknown SNS operation: ${String(operation)}`);
    assertFaultName(code, DEFAULT_SNS_FAULT);
    this.plan.add(operation, count, code);
  }

  pending(): PendingSnsFault[] {
    return this.plan.pending();
  }

  clear(): void {
    this.plan.clear();
  }

  /** Consumes one planned failure for this call, if any, and returns the error to answer with. */
  take(operation: OperationName): SnsError | undefined {
    const code = this.plan.take(operation);
    return code === undefined ? undefined : new SnsError(code, `Injected fault: ${operation} failed with ${code}.`);
  }
}
