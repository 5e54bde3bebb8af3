/** The local RDS: DescribeDBInstances and DescribeDBClusters over declared instances and clusters. */
export { startLocalRds, LocalRds, type LocalRdsOptions } from './local-rds';
export type { DbInstanceInput, DbClusterInput } from './state';
export type { RdsFaultControl, PendingRdsFault } from './faults';
export { OPERATION_NAMES as RDS_OPERATION_NAMES, type OperationName as RdsOperationName } from './requests';
