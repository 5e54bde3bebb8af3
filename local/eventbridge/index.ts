/** The local EventBridge: buses, PutEvents recorded for tests to read, and rules delivering to CloudWatch Logs log groups. */
export { startLocalEventBridge, LocalEventBridge, type LocalEventBridgeOptions } from './local-eventbridge';
export type { RecordedEvent, DroppedEvent, EventQuery } from './state';
export type { EventBridgeFaultControl, EntryFaultOptions, PendingEventBridgeFault } from './faults';
export { DEFAULT_BUS_NAME } from './arn';
export { DEFAULT_MAX_PUT_EVENTS_BYTES } from './put-events';
export type { LogGroupDestination, FailedDelivery } from './log-group-delivery';
export type { RuleTarget } from './rules';
