export { LogFileTail } from './log-file-tail';
export { batchLogEvents, truncateMessage, type LogEvent } from './log-event-batches';
export { mysqlLineTimestamp, postgresLineTimestamp, type LineTimestamp } from './log-timestamps';
export { logStreamWriter, type LogStreamWriter } from './log-stream-writer';
export { authFailureLogType, rdsLogGroupName, type RdsLogGroupOwner, type RdsLogType } from './rds-log-groups';
export { startServerLogExport, type ServerLogExport, type ServerLogExportOptions } from './server-log-export';
