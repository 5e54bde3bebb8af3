import { randomUUID } from 'node:crypto';
import type { EntryErrorCode } from './errors';
import { validationException } from './errors';
import type { PutEventsEntry, RequestOf } from './requests';
import { eventEnvelope, type LogGroupDelivery } from './log-group-delivery';
import type { EventRules } from './rules';
import type { EventBridgeState, RecordedEvent } from './state';

/**
 * PutEvents as AWS documents it: the request fails as a whole only for its shape (1 to 10
 * entries, total entry size, and when *no* entry has Source, DetailType and Detail); otherwise
 * every entry succeeds or fails on its own, reported in order in `Entries` with
 * `FailedEntryCount`. An entry naming a bus that does not exist is accepted (an EventId, no
 * error) and goes nowhere, as on AWS; the emulator keeps it apart as "dropped".
 */

/** The documented limit on the total entry size of one request. */
export const DEFAULT_MAX_PUT_EVENTS_BYTES = 256 * 1024;
const MAX_DETAIL_TYPE_CHARS = 128;
/** Bytes the documented size calculation counts for a Time parameter. */
const TIME_BYTES = 14;

/** A planned per-entry failure (fault injection): the chosen entries fail with this code. */
export interface EntryFault {
  readonly errorCode: EntryErrorCode;
  readonly errorMessage: string;
  /** 0-based positions in the request; all entries when absent. */
  readonly entryIndexes?: readonly number[];
}

export interface PutEventsContext {
  readonly state: EventBridgeState;
  /** The buses' rules: an event recorded on a bus goes to the targets of the rules it matches. */
  readonly rules: EventRules;
  readonly delivery: LogGroupDelivery;
  readonly now: () => Date;
  readonly maxRequestBytes: number;
}

type ResultEntry = { EventId: string } | { ErrorCode: EntryErrorCode; ErrorMessage: string };

export function putEvents(
  request: RequestOf<'PutEvents'>,
  context: PutEventsContext,
  fault?: EntryFault,
): { FailedEntryCount: number; Entries: ResultEntry[] } {
  const entries = request.Entries;
  const size = entries.reduce((total, entry) => total + entrySize(entry), 0);
  if (size > context.maxRequestBytes) {
    throw validationException('Total size of the entries in the request is over the limit.');
  }
  if (!entries.some((entry) => entry.Source && entry.DetailType && entry.Detail)) {
    throw validationException('At least one entry must have each of Source, DetailType and Detail.');
  }
  const callTime = context.now();
  const results = entries.map((entry, index): ResultEntry => {
    const invalid = entryError(entry);
    if (invalid) return invalid;
    if (fault && (fault.entryIndexes === undefined || fault.entryIndexes.includes(index))) {
      return { ErrorCode: fault.errorCode, ErrorMessage: fault.errorMessage };
    }
    return { EventId: accept(entry, context, callTime) };
  });
  return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
}

/** AWS's documented calculation ("Calculating PutEvents event entry size"). */
export function entrySize(entry: PutEventsEntry): number {
  const bytes = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));
  return (
    (entry.Time === undefined ? 0 : TIME_BYTES) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((total, resource) => total + bytes(resource), 0)
  );
}

function invalidArgument(parameter: string, reason: string): ResultEntry {
  return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}` };
}

function entryError(entry: PutEventsEntry): ResultEntry | undefined {
  if (!entry.Source) return invalidArgument('Source', 'Source is a required argument.');
  if (!entry.DetailType) return invalidArgument('DetailType', 'DetailType is a required argument.');
  if (!entry.Detail) return invalidArgument('Detail', 'Detail is a required argument.');
  if (entry.DetailType.length > MAX_DETAIL_TYPE_CHARS) {
    return invalidArgument('DetailType', `DetailType is longer than ${MAX_DETAIL_TYPE_CHARS} characters.`);
  }
  // `aws.` sources are reserved for AWS services.
  if (entry.Source.startsWith('aws.')) {
    return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  }
  if (parseDetail(entry.Detail) === undefined)
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  return undefined;
}

/** Detail must be a JSON object. */
function parseDetail(detail: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(detail);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function accept(entry: PutEventsEntry, context: PutEventsContext, callTime: Date): string {
  const eventId = randomUUID();
  const event = {
    eventId,
    source: entry.Source ?? '',
    detailType: entry.DetailType ?? '',
    detail: parseDetail(entry.Detail ?? '') ?? {},
    time: wholeSeconds(entry.Time === undefined ? callTime : new Date(entry.Time * 1000)),
    resources: [...(entry.Resources ?? [])],
    ...(entry.TraceHeader === undefined ? {} : { traceHeader: entry.TraceHeader }),
  };
  const bus = context.state.findBus(entry.EventBusName);
  if (bus) {
    const recorded = { ...event, busName: bus.name, busArn: bus.arn };
    context.state.record(recorded);
    deliver(recorded, context);
  } else context.state.recordDropped({ ...event, eventBusName: entry.EventBusName ?? '' });
  return eventId;
}

/** To every target of every enabled rule on the event's bus whose pattern the event matches. */
function deliver(event: RecordedEvent, context: PutEventsContext): void {
  const envelope = eventEnvelope(event, context.state.location);
  for (const rule of context.rules.matching(event.busName, envelope)) {
    for (const target of rule.targets.values()) context.delivery.deliver(rule, target, event, envelope);
  }
}

/** An event's `time` carries whole seconds. */
function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
