/** The local CloudWatch (metrics): PutMetricData, GetMetricData, GetMetricStatistics and ListMetrics for the unmodified @aws-sdk/client-cloudwatch, over an in-process store other local services share. */
export { startLocalCloudWatch, LocalCloudWatch, type LocalCloudWatchOptions } from './local-cloudwatch';
export {
  MetricStore,
  STANDARD_UNITS,
  type StandardUnit,
  type Dimension,
  type MetricIdentity,
  type MetricValueInput,
  type DataPoint,
  type StatisticSet,
  type StoredMetric,
} from './metric-store';
export { DEFAULT_CLOUDWATCH_FAULT, type CloudWatchFaultControl, type PendingCloudWatchFault } from './faults';
export {
  OPERATION_NAMES as CLOUDWATCH_OPERATION_NAMES,
  type OperationName as CloudWatchOperationName,
} from './requests';
export { STATISTICS, type Statistic } from './statistics';
