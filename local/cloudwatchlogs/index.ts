/** The local CloudWatch Logs: log groups, streams, PutLogEvents and reading back with filter patterns, for the unmodified @aws-sdk/client-cloudwatch-logs. */
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
