/** The local CloudTrail: event history (LookupEvents) fed by the calls the local IAM/STS accepts and the local KMS answers. */
export {
  startLocalCloudTrail,
  LocalCloudTrail,
  type LocalCloudTrailOptions,
  type AcceptedCallSource,
  type KmsCallSource,
  type CloudTrailEventFixture,
  type LocalCloudTrailEventFilter,
} from './local-cloudtrail';
export type { LocalCloudTrailEvent, CloudTrailRecord, EventResource, RecordResource } from './events';
export type { CloudTrailFaultControl, PendingCloudTrailFault } from './faults';
export { LOOKUP_ATTRIBUTE_KEYS, DEFAULT_MAX_RESULTS, type LookupAttributeKey } from './lookup-events';
export { DEFAULT_LOOKUP_EVENTS_PER_SECOND } from './throttle';
export { EVENT_HISTORY_RETENTION_MS } from './state';
export { IAM_EVENT_REGION } from './iam-feed';
export { KMS_EVENT_SOURCE, KMS_KEY_RESOURCE_TYPE, LOCAL_KMS_CALLER } from './kms-feed';
export { CLOUDTRAIL_OPERATION_NAMES, type CloudTrailOperationName } from './operations';
