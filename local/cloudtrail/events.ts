import { randomUUID } from 'node:crypto';

/**
 * The events of the local event history: management events as CloudTrail records them, with
 * the fields LookupEvents filters on and returns, and the full record it returns as the
 * `CloudTrailEvent` JSON string. Event times carry whole seconds, as CloudTrail's `eventTime`
 * does: a call at 12:00:00.900 is an event at 12:00:00.
 */

/** A resource an event names (LookupEvents' ResourceType / ResourceName attributes). */
export interface EventResource {
  /** e.g. `AWS::IAM::User` */
  readonly resourceType?: string;
  readonly resourceName?: string;
}

/** A resource as the full record lists it (KMS: `{ accountId, type: "AWS::KMS::Key", ARN }`). */
export interface RecordResource {
  readonly accountId: string;
  readonly type?: string;
  readonly ARN?: string;
}

/** The full record: what CloudTrail writes to a trail and LookupEvents returns as CloudTrailEvent. */
export interface CloudTrailRecord {
  readonly eventVersion: string;
  readonly userIdentity: Readonly<Record<string, unknown>>;
  /** ISO 8601, whole seconds: `2024-05-01T12:00:00Z`. */
  readonly eventTime: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  /** A refused call's exception (`DisabledException`, `AccessDenied`, ...). */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters: null;
  readonly responseElements: null;
  readonly requestID?: string;
  readonly eventID: string;
  readonly readOnly: boolean;
  /** Present when the event names its resources (KMS events: the keys, `[]` for none). */
  readonly resources?: readonly RecordResource[];
  readonly eventType: 'AwsApiCall';
  readonly managementEvent: true;
  readonly recipientAccountId: string;
  readonly eventCategory: 'Management';
}

/** One management event in the local event history (what the in-process API shows). */
export interface LocalCloudTrailEvent {
  readonly eventId: string;
  readonly eventName: string;
  /** `iam.amazonaws.com`, `sts.amazonaws.com`, ... */
  readonly eventSource: string;
  /** Whole seconds. */
  readonly eventTime: Date;
  readonly readOnly: boolean;
  readonly accessKeyId?: string;
  /** The user name (for an assumed role: the session name), as LookupEvents' Username. */
  readonly username?: string;
  readonly userAgent?: string;
  /** A refused call's exception, as in the record. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly awsRegion: string;
  readonly recipientAccountId: string;
  readonly resources: readonly EventResource[];
  /** From this instant LookupEvents shows the event (its time plus the delivery delay then set). */
  readonly deliveredAt: Date;
  readonly record: CloudTrailRecord;
}

/** What an event is made from: where it happened, who did what, when. */
export interface CloudTrailEventInput {
  readonly eventName: string;
  readonly eventSource: string;
  /** When the call was made (any precision; the event keeps whole seconds). */
  readonly time: Date;
  readonly awsRegion: string;
  readonly recipientAccountId: string;
  readonly readOnly: boolean;
  readonly userIdentity: Readonly<Record<string, unknown>>;
  readonly accessKeyId?: string;
  readonly username?: string;
  readonly userAgent?: string;
  readonly sourceIpAddress?: string;
  readonly requestId?: string;
  /** Also listed in the record when given (`[]` included). */
  readonly resources?: readonly EventResource[];
  /** For a refused call. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  /** The event's id when the source already gave it one (a KMS call's, for GetKeyLastUsage). @default a new UUID */
  readonly eventId?: string;
}

/** The record's schema version (management events of API calls). */
export const EVENT_VERSION = '1.09';

/** Get*, List* and Describe* calls read; everything else writes. */
export function isReadOnlyAction(eventName: string): boolean {
  return /^(Get|List|Describe)/.test(eventName);
}

export function newEvent(input: CloudTrailEventInput, deliveryDelayMs: number): LocalCloudTrailEvent {
  const eventId = input.eventId ?? randomUUID();
  const eventTime = new Date(Math.floor(input.time.getTime() / 1000) * 1000);
  const record: CloudTrailRecord = {
    eventVersion: EVENT_VERSION,
    userIdentity: input.userIdentity,
    eventTime: eventTime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: input.eventSource,
    eventName: input.eventName,
    awsRegion: input.awsRegion,
    sourceIPAddress: input.sourceIpAddress ?? '127.0.0.1',
    userAgent: input.userAgent ?? '',
    ...(input.errorCode === undefined ? {} : { errorCode: input.errorCode }),
    ...(input.errorMessage === undefined ? {} : { errorMessage: input.errorMessage }),
    requestParameters: null,
    responseElements: null,
    ...(input.requestId === undefined ? {} : { requestID: input.requestId }),
    eventID: eventId,
    readOnly: input.readOnly,
    ...(input.resources === undefined
      ? {}
      : { resources: input.resources.map((resource) => recordResource(resource, input.recipientAccountId)) }),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: input.recipientAccountId,
    eventCategory: 'Management',
  };
  return {
    eventId,
    eventName: input.eventName,
    eventSource: input.eventSource,
    eventTime,
    readOnly: input.readOnly,
    ...(input.accessKeyId === undefined ? {} : { accessKeyId: input.accessKeyId }),
    ...(input.username === undefined ? {} : { username: input.username }),
    ...(input.userAgent === undefined ? {} : { userAgent: input.userAgent }),
    ...(input.errorCode === undefined ? {} : { errorCode: input.errorCode }),
    ...(input.errorMessage === undefined ? {} : { errorMessage: input.errorMessage }),
    awsRegion: input.awsRegion,
    recipientAccountId: input.recipientAccountId,
    resources: (input.resources ?? []).map((resource) => ({ ...resource })),
    deliveredAt: new Date(input.time.getTime() + deliveryDelayMs),
    record,
  };
}

function recordResource(resource: EventResource, accountId: string): RecordResource {
  return {
    accountId,
    ...(resource.resourceType === undefined ? {} : { type: resource.resourceType }),
    ...(resource.resourceName === undefined ? {} : { ARN: resource.resourceName }),
  };
}
