/** The local CloudWatch Logs: log groups, streams, PutLogEvents, reading back with filter patterns and metric filters into the local CloudWatch's metrics, for the unmodified @aws-sdk/client-cloudwatch-logs. */
export {
  startLocalCloudWatchLogs,
  LocalCloudWatchLogs,
  type LocalCloudWatchLogsOptions,
  type DeliveredLogEvent,
} from './local-cloudwatch-logs';
export type { LogsFaultControl, PendingLogsFault } from './faults';
export { DEFAULT_LOGS_FAULT } from './faults';
export {
  OPERATION_NAMES as LOGS_OPERATION_NAMES,
  RETENTION_DAYS,
  type OperationName as LogsOperationName,
} from './requests';
export type { StoredLogEvent } from './state';
export { FilterPatternError, parseFilterPattern, type FilterPattern } from './filter-pattern';
export { matchesFilterPattern } from './filter-match';
export {
  MAX_METRIC_FILTERS_PER_GROUP,
  MAX_REGEX_METRIC_FILTERS_PER_GROUP,
  type MetricFilter,
  type MetricTransformation,
} from './metric-filters';
