import type { PlannedFault } from '../http/fault-plan';
import { QueryFaults, type QueryFaultControl } from '../http/query-faults';
import { ElastiCacheError } from './errors';
import { isOperationName, type OperationName } from './operations';

/** Fault injection for the local ElastiCache (see local/http/query-faults.ts). */

export const DEFAULT_ELASTICACHE_FAULT = 'InternalFailure';

export type PendingElastiCacheFault = PlannedFault<OperationName, string>;

export type ElastiCacheFaultControl = QueryFaultControl<OperationName>;

export class ElastiCacheFaults extends QueryFaults<OperationName> {
  constructor() {
    super({
      serviceName: 'ElastiCache',
      iamPrefix: 'elasticache',
      defaultCode: DEFAULT_ELASTICACHE_FAULT,
      isOperationName,
      error: (errorCode, message) => new ElastiCacheError(errorCode, message),
    });
  }
}
