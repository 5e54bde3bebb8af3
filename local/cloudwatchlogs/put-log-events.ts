import { invalidParameter } from './errors';
import { publishMetricFilters } from './metric-filters';
import type { RequestOf } from './requests';
import type { LogsState } from './state';

/**
 * PutLogEvents as the API reference documents it. The batch fails as a whole when it is over
 * 1,048,576 bytes (each message in UTF-8 plus 26 bytes), out of timestamp order, or when the events
 * it would keep span more than 24 hours. Otherwise events more than 14 days old (or older than the
 * group's retention) and more than 2 hours ahead are rejected, reported by index, and the rest kept.
 * The kept events go through the group's metric filters (metric-filters.ts).
 */

export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD_BYTES = 26;
const HOUR_MS = 60 * 60 * 1000;
export const MAX_PAST_MS = 14 * 24 * HOUR_MS;
export const MAX_FUTURE_MS = 2 * HOUR_MS;
const MAX_SPAN_MS = 24 * HOUR_MS;

export interface RejectedLogEventsInfo {
  tooNewLogEventStartIndex?: number;
  tooOldLogEventEndIndex?: number;
  expiredLogEventEndIndex?: number;
}

export function putLogEvents(state: LogsState, request: RequestOf<'PutLogEvents'>): object {
  const group = state.group(request.logGroupName);
  const stream = state.stream(group, request.logStreamName);
  const events = request.logEvents;
  const size = events.reduce(
    (total, event) => total + Buffer.byteLength(event.message, 'utf8') + EVENT_OVERHEAD_BYTES,
    0,
  );
  if (size > MAX_BATCH_BYTES) {
    throw invalidParameter(
      `The batch is ${size} bytes (messages in UTF-8 plus ${EVENT_OVERHEAD_BYTES} bytes per event); the maximum is ${MAX_BATCH_BYTES}.`,
    );
  }
  if (events.some((event, index) => index > 0 && event.timestamp < (events[index - 1]?.timestamp ?? 0))) {
    throw invalidParameter('Log events in a single PutLogEvents request must be in chronological order.');
  }
  const now = state.now().getTime();
  const retained = state.oldestKept(group);
  // In timestamp order, so each rejected kind is a run at one end of the batch.
  const tooOld = events.filter((event) => event.timestamp < now - MAX_PAST_MS).length;
  const expired = retained === undefined ? 0 : events.filter((event) => event.timestamp < retained).length;
  const firstTooNew = events.findIndex((event) => event.timestamp > now + MAX_FUTURE_MS);
  const start = Math.max(tooOld, expired);
  const end = firstTooNew === -1 ? events.length : firstTooNew;
  const kept = events.slice(start, Math.max(start, end));
  const first = kept[0];
  const last = kept.at(-1);
  if (first && last && last.timestamp - first.timestamp > MAX_SPAN_MS) {
    throw invalidParameter('The log events in a single PutLogEvents request cannot span more than 24 hours.');
  }
  state.append(stream, kept);
  publishMetricFilters(state.metrics, group, kept);
  const rejected: RejectedLogEventsInfo = {
    ...(tooOld > 0 ? { tooOldLogEventEndIndex: tooOld } : {}),
    ...(expired > 0 ? { expiredLogEventEndIndex: expired } : {}),
    ...(firstTooNew === -1 ? {} : { tooNewLogEventStartIndex: firstTooNew }),
  };
  return Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {};
}
