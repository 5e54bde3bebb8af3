import { assertFaultName, FaultPlan, type PlannedFault } from '../http/fault-plan';
import { ElastiCacheError } from './errors';
import { isOperationName, type OperationName } from './operations';

/**
 * Fault injection: the next N calls of an action fail with a chosen error code before they touch
 * the model (InternalFailure: HTTP 500; Throttling: retried by the SDK; AccessDenied: HTTP 403).
 */
export const DEFAULT_ELASTICACHE_FAULT = 'InternalFailure';

export type PendingElastiCacheFault = PlannedFault<OperationName, string>;

export interface ElastiCacheFaultControl {
  failNext(operation: OperationName, count?: number, code?: string): void;
  pending(): PendingElastiCacheFault[];
  clear(): void;
}

export class ElastiCacheFaults implements ElastiCacheFaultControl {
  private readonly plan = new FaultPlan<OperationName, string>();

  failNext(operation: OperationName, count = 1, code: string = DEFAULT_ELASTICACHE_FAULT): void {
    if (!isOperationName(operation)) throw new RangeError(`unknown ElastiCache operation: ${String(operation)}`);
    assertFaultName(code, DEFAULT_ELASTICACHE_FAULT);
    this.plan.add(operation, count, code);
  }

  pending(): PendingElastiCacheFault[] {
    return this.plan.pending();
  }

  clear(): void {
    this.plan.clear();
  }

  take(operation: OperationName): ElastiCacheError | undefined {
    const code = this.plan.take(operation);
    if (code === undefined) return undefined;
    const message =
      code === 'AccessDenied'
        ? `User: arn:aws:sts::123456789012:assumed-role/keyturn/local is not authorized to perform: elasticache:${operation}`
        : `Injected fault: ${operation} failed with ${code}.`;
    return new ElastiCacheError(code, message);
  }
}
