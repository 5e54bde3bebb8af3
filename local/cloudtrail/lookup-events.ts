import { z } from 'zod';
import { compact, epochSeconds } from '../http/aws-json-values';
import { paginate } from '../http/pagination';
import {
  invalidEventCategory,
  invalidLookupAttributes,
  invalidMaxResults,
  invalidNextToken,
  invalidTimeRange,
  serializationException,
  throttlingException,
} from './errors';
import type { LocalCloudTrailEvent } from './events';
import { EVENT_HISTORY_RETENTION_MS, type CloudTrailState, type StoredEvent } from './state';
import type { RequestRate } from './throttle';

/**
 * LookupEvents as the CloudTrail API reference documents it: management events of this account
 * and Region from the last 90 days, newest first; at most one lookup attribute (of eight keys);
 * MaxResults 1 to 50 (default 50); StartTime "after or at" and EndTime "before or at", neither
 * outside the 90 days, StartTime not after EndTime; a NextToken only with the parameters of the
 * call that issued it; two calls per second. An event shows only once delivered (its time plus
 * the delivery delay). Paging reads one snapshot: events delivered or recorded after the first
 * page never shift the later ones.
 */

export const LOOKUP_ATTRIBUTE_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
] as const;
export type LookupAttributeKey = (typeof LOOKUP_ATTRIBUTE_KEYS)[number];

export const DEFAULT_MAX_RESULTS = 50;
const MAX_ATTRIBUTE_VALUE_LENGTH = 2000;

export interface LookupEventsContext {
  readonly state: CloudTrailState;
  readonly now: () => Date;
  readonly rate: RequestRate;
}

/** The request as the wire carries it (times in epoch seconds); the rules are checked below. */
const lookupEventsRequest = z.object({
  LookupAttributes: z.array(z.object({ AttributeKey: z.unknown(), AttributeValue: z.unknown() })).optional(),
  StartTime: z.number().optional(),
  EndTime: z.number().optional(),
  EventCategory: z.string().optional(),
  MaxResults: z.number().optional(),
  NextToken: z.string().optional(),
});
type LookupEventsRequest = z.infer<typeof lookupEventsRequest>;

interface LookupAttribute {
  readonly key: LookupAttributeKey;
  readonly value: string;
}

/** Which events a paged lookup reads: those delivered by `asOfMs` and recorded up to `lastSequence`. */
interface Snapshot {
  readonly asOfMs: number;
  readonly lastSequence: number;
}

export function lookupEvents(body: unknown, context: LookupEventsContext): object {
  if (!context.rate.admit()) throw throttlingException();
  const request = parse(body);
  const attribute = lookupAttribute(request.LookupAttributes);
  const maxResults = checkedMaxResults(request.MaxResults);
  if (request.EventCategory !== undefined && request.EventCategory !== 'insight') throw invalidEventCategory();
  const nowMs = context.now().getTime();
  const range = timeRange(request, nowMs);

  // The parameters a NextToken is bound to: everything but MaxResults and the token itself.
  const parameters = {
    attributes: request.LookupAttributes ?? [],
    start: request.StartTime,
    end: request.EndTime,
    category: request.EventCategory,
  };
  const { snapshot, pageToken } =
    request.NextToken === undefined
      ? { snapshot: { asOfMs: nowMs, lastSequence: context.state.lastSequence }, pageToken: undefined }
      : readNextToken(request.NextToken);
  // No Insights events are emulated: an `insight` lookup finds none.
  const candidates = request.EventCategory === 'insight' ? [] : context.state.newestFirst();
  const matching = candidates
    .filter((stored) => inSnapshot(stored, snapshot))
    .map((stored) => stored.event)
    .filter((event) => inRange(event, range) && matches(event, attribute));
  const page = paginate(matching, maxResults, pageToken, { parameters, snapshot }, invalidNextToken);
  return {
    Events: page.items.map(eventResponse),
    ...(page.nextToken === undefined ? {} : { NextToken: writeNextToken(snapshot, page.nextToken) }),
  };
}

function parse(body: unknown): LookupEventsRequest {
  const result = lookupEventsRequest.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw serializationException(
    `Could not read the LookupEvents request: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'bad shape'}.`,
  );
}

function lookupAttribute(attributes: LookupEventsRequest['LookupAttributes']): LookupAttribute | undefined {
  if (attributes === undefined || attributes.length === 0) return undefined;
  if (attributes.length > 1) throw invalidLookupAttributes('You cannot specify more than one lookup attribute.');
  const [{ AttributeKey: key, AttributeValue: value } = {}] = attributes;
  if (typeof key !== 'string' || !(LOOKUP_ATTRIBUTE_KEYS as readonly string[]).includes(key)) {
    throw invalidLookupAttributes(`AttributeKey must be one of ${LOOKUP_ATTRIBUTE_KEYS.join(', ')}.`);
  }
  if (typeof value !== 'string' || value.length < 1 || value.length > MAX_ATTRIBUTE_VALUE_LENGTH) {
    throw invalidLookupAttributes(`AttributeValue must be 1 to ${MAX_ATTRIBUTE_VALUE_LENGTH} characters.`);
  }
  return { key: key as LookupAttributeKey, value };
}

function checkedMaxResults(maxResults: number | undefined): number {
  if (maxResults === undefined) return DEFAULT_MAX_RESULTS;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > DEFAULT_MAX_RESULTS) throw invalidMaxResults();
  return maxResults;
}

/** The requested range in epoch milliseconds, checked against the 90 days event history covers. */
function timeRange(request: LookupEventsRequest, nowMs: number): { readonly startMs: number; readonly endMs: number } {
  const oldestMs = nowMs - EVENT_HISTORY_RETENTION_MS;
  const startMs = request.StartTime === undefined ? oldestMs : request.StartTime * 1000;
  const endMs = request.EndTime === undefined ? nowMs : request.EndTime * 1000;
  if (startMs > endMs) throw invalidTimeRange('The StartTime must be before or at the EndTime.');
  for (const [name, ms] of [
    ['StartTime', startMs],
    ['EndTime', endMs],
  ] as const) {
    if (ms < oldestMs || ms > nowMs) {
      throw invalidTimeRange(`The ${name} is outside the range of event history: the last 90 days.`);
    }
  }
  return { startMs, endMs };
}

function inSnapshot(stored: StoredEvent, snapshot: Snapshot): boolean {
  return stored.sequence <= snapshot.lastSequence && stored.event.deliveredAt.getTime() <= snapshot.asOfMs;
}

/** StartTime: events that occurred after or at it; EndTime: before or at it. */
function inRange(event: LocalCloudTrailEvent, range: { readonly startMs: number; readonly endMs: number }): boolean {
  const time = event.eventTime.getTime();
  return time >= range.startMs && time <= range.endMs;
}

function matches(event: LocalCloudTrailEvent, attribute: LookupAttribute | undefined): boolean {
  if (attribute === undefined) return true;
  const { value } = attribute;
  switch (attribute.key) {
    case 'EventId':
      return event.eventId === value;
    case 'EventName':
      return event.eventName === value;
    case 'ReadOnly':
      return String(event.readOnly) === value;
    case 'Username':
      return event.username === value;
    case 'ResourceType':
      return event.resources.some((resource) => resource.resourceType === value);
    case 'ResourceName':
      return event.resources.some((resource) => resource.resourceName === value);
    case 'EventSource':
      return event.eventSource === value;
    case 'AccessKeyId':
      return event.accessKeyId === value;
  }
}

/**
 * A NextToken: the snapshot the first page read, then the shared paging token (offset and a
 * fingerprint of the parameters and the snapshot), so a token replayed with other parameters,
 * or with its snapshot edited, is refused.
 */
function writeNextToken(snapshot: Snapshot, pageToken: string): string {
  return `${snapshot.asOfMs}.${snapshot.lastSequence}.${pageToken}`;
}

function readNextToken(token: string): { readonly snapshot: Snapshot; readonly pageToken: string } {
  const match = /^(\d{1,16})\.(\d{1,16})\.([\w-]+)$/.exec(token);
  if (!match) throw invalidNextToken();
  const [, asOf = '', sequence = '', pageToken = ''] = match;
  return { snapshot: { asOfMs: Number(asOf), lastSequence: Number(sequence) }, pageToken };
}

function eventResponse(event: LocalCloudTrailEvent) {
  return compact({
    EventId: event.eventId,
    EventName: event.eventName,
    ReadOnly: String(event.readOnly),
    AccessKeyId: event.accessKeyId,
    EventTime: epochSeconds(event.eventTime),
    EventSource: event.eventSource,
    Username: event.username,
    Resources: event.resources.map((resource) =>
      compact({ ResourceType: resource.resourceType, ResourceName: resource.resourceName }),
    ),
    CloudTrailEvent: JSON.stringify(event.record),
  });
}
