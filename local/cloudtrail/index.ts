/** The local CloudTrail: event history (LookupEvents) fed by the calls the local IAM/STS accepts. */
export {
  startLocalCloudTrail,
  LocalCloudTrail,
  type LocalCloudTrailOptions,
  type AcceptedCallSource,
  type CloudTrailEventFixture,
  type LocalCloudTrailEventFilter,
} from './local-cloudtrail';
export type { LocalCloudTrailEvent, CloudTrailRecord, EventResource } from './events';
export type { CloudTrailFaultControl, PendingCloudTrailFault } from './faults';
export { LOOKUP_ATTRIBUTE_KEYS, DEFAULT_MAX_RESULTS, type LookupAttributeKey } from './lookup-events';
export { DEFAULT_LOOKUP_EVENTS_PER_SECOND } from './throttle';
export { EVENT_HISTORY_RETENTION_MS } from './state';
export { IAM_EVENT_REGION } from './iam-feed';
export { CLOUDTRAIL_OPERATION_NAMES, type CloudTrailOperationName } from './operations';
