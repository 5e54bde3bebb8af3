import { decodeNextToken, encodeNextToken, paginate } from '../http/pagination';
import { invalidParameter } from './errors';
import { matchesFilterPattern } from './filter-match';
import { FilterPatternError, parseFilterPattern, type FilterPattern } from './filter-pattern';
import type { RequestOf } from './requests';
import type { LogGroup, LogsState, StoredLogEvent } from './state';

/**
 * Reading events back: GetLogEvents (one stream, a window that moves forward or backward with
 * `f/` and `b/` tokens) and FilterLogEvents (a group's streams interleaved in timestamp order,
 * filtered by time, streams and a filter pattern, paged with nextToken).
 */

const MAX_EVENTS_PER_PAGE = 10_000;
const invalidToken = () => invalidParameter('The specified nextToken is invalid.');

/** `logGroupName` or `logGroupIdentifier`, exactly one of them. */
export function targetGroup(
  state: LogsState,
  request: { logGroupName?: string | undefined; logGroupIdentifier?: string | undefined },
): LogGroup {
  const { logGroupName, logGroupIdentifier } = request;
  if ((logGroupName === undefined) === (logGroupIdentifier === undefined)) {
    throw invalidParameter('You must specify either logGroupIdentifier or logGroupName, but not both.');
  }
  return state.group(logGroupName ?? logGroupIdentifier ?? '');
}

export function getLogEvents(state: LogsState, request: RequestOf<'GetLogEvents'>): object {
  if (request.unmask)
    throw invalidParameter('unmask is not supported by the local CloudWatch Logs (no data protection).');
  const group = targetGroup(state, request);
  const stream = state.stream(group, request.logStreamName);
  const events = state
    .liveEvents(group, stream)
    .filter(
      (event) =>
        (request.startTime === undefined || event.timestamp >= request.startTime) &&
        (request.endTime === undefined || event.timestamp < request.endTime),
    );
  const query = { group: group.name, stream: stream.name, start: request.startTime, end: request.endTime };
  const limit = request.limit ?? MAX_EVENTS_PER_PAGE;
  let from: number;
  let to: number;
  if (request.nextToken === undefined) {
    [from, to] = request.startFromHead ? [0, limit] : [events.length - limit, events.length];
  } else {
    const direction = request.nextToken.slice(0, 2);
    const position = decodeNextToken(request.nextToken.slice(2), query);
    if ((direction !== 'f/' && direction !== 'b/') || position === undefined) throw invalidToken();
    [from, to] = direction === 'f/' ? [position, position + limit] : [position - limit, position];
  }
  from = Math.max(0, from);
  to = Math.min(events.length, Math.max(from, to));
  return {
    events: events
      .slice(from, to)
      .map(({ timestamp, message, ingestionTime }) => ({ timestamp, message, ingestionTime })),
    nextForwardToken: `f/${encodeNextToken(to, query)}`,
    nextBackwardToken: `b/${encodeNextToken(from, query)}`,
  };
}

export function filterLogEvents(state: LogsState, request: RequestOf<'FilterLogEvents'>): object {
  if (request.unmask)
    throw invalidParameter('unmask is not supported by the local CloudWatch Logs (no data protection).');
  if (request.interleaved === false) {
    throw invalidParameter(
      'interleaved=false is not supported by the local CloudWatch Logs: events are always interleaved.',
    );
  }
  if (request.logStreamNames !== undefined && request.logStreamNamePrefix !== undefined) {
    throw invalidParameter('You cannot specify both logStreamNames and logStreamNamePrefix.');
  }
  const group = targetGroup(state, request);
  const pattern = filterPattern(request.filterPattern ?? '');
  const streams = [...group.streams.values()].filter(
    (stream) =>
      (request.logStreamNames === undefined || request.logStreamNames.includes(stream.name)) &&
      (request.logStreamNamePrefix === undefined || stream.name.startsWith(request.logStreamNamePrefix)),
  );
  const events = streams
    .flatMap((stream) => state.liveEvents(group, stream))
    .filter(
      (event) =>
        (request.startTime === undefined || event.timestamp >= request.startTime) &&
        (request.endTime === undefined || event.timestamp <= request.endTime) &&
        matchesFilterPattern(pattern, event.message),
    )
    .sort(byTimeThenId);
  const query = {
    group: group.name,
    streams: request.logStreamNames,
    prefix: request.logStreamNamePrefix,
    start: request.startTime,
    end: request.endTime,
    pattern: request.filterPattern,
  };
  const page = paginate(events, request.limit ?? MAX_EVENTS_PER_PAGE, request.nextToken, query, invalidToken);
  return {
    events: page.items.map(({ logStreamName, timestamp, message, ingestionTime, eventId }) => ({
      logStreamName,
      timestamp,
      message,
      ingestionTime,
      eventId,
    })),
    searchedLogStreams: streams.map((stream) => ({ logStreamName: stream.name, searchedCompletely: true })),
    ...(page.nextToken ? { nextToken: page.nextToken } : {}),
  };
}

function filterPattern(text: string): FilterPattern {
  try {
    return parseFilterPattern(text);
  } catch (error) {
    if (error instanceof FilterPatternError) throw invalidParameter(`Invalid filter pattern: ${error.message}.`);
    throw error;
  }
}

function byTimeThenId(a: StoredLogEvent, b: StoredLogEvent): number {
  return a.timestamp - b.timestamp || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}
