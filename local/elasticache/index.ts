/** The local ElastiCache: DescribeUsers and ModifyUser over declared RBAC users, applied to a local Redis. */
export {
  startLocalElastiCache,
  LocalElastiCache,
  type LocalElastiCacheOptions,
  type LocalElastiCacheUser,
} from './local-elasticache';
export type { ElastiCacheUserInput, AuthenticationType } from './state';
export type { ElastiCacheFaultControl, PendingElastiCacheFault } from './faults';
export {
  OPERATION_NAMES as ELASTICACHE_OPERATION_NAMES,
  type OperationName as ElastiCacheOperationName,
} from './operations';
