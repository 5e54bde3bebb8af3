import { compact } from '../http/aws-json-values';
import { paginate } from '../http/pagination';
import { invalidParameter } from './errors';
import {
  deleteMetricFilter,
  describeMetricFilter,
  findMetricFilters,
  putMetricFilter,
  testMetricFilter,
} from './metric-filters';
import { putLogEvents } from './put-log-events';
import { filterLogEvents, getLogEvents, targetGroup } from './read-events';
import { parseRequest, RETENTION_DAYS, type OperationName } from './requests';
import { compareText, type LogGroup, type LogsState, type LogStream } from './state';

/**
 * One handler per CloudWatch Logs operation: validate the request, call the model, shape the
 * response (field names as in the API reference; times as epoch milliseconds, as CloudWatch Logs
 * gives them). Handlers know nothing about HTTP.
 */

export type OperationHandler = (body: unknown) => object;

const DEFAULT_DESCRIBE_LIMIT = 50;
const invalidToken = () => invalidParameter('The specified nextToken is invalid.');

export function createOperationHandlers(state: LogsState): Record<OperationName, OperationHandler> {
  return {
    CreateLogGroup(body) {
      const request = parseRequest('CreateLogGroup', body);
      if (request.logGroupName.startsWith('aws/')) {
        throw invalidParameter('Log group names cannot start with "aws/".');
      }
      state.createGroup({
        name: request.logGroupName,
        kmsKeyId: request.kmsKeyId,
        logGroupClass: request.logGroupClass ?? 'STANDARD',
        tags: request.tags ?? {},
      });
      return {};
    },
    DescribeLogGroups(body) {
      const request = parseRequest('DescribeLogGroups', body);
      if (request.includeLinkedAccounts || request.accountIdentifiers !== undefined) {
        throw invalidParameter('Linked accounts are not supported by the local CloudWatch Logs.');
      }
      const { logGroupNamePrefix: prefix, logGroupNamePattern: pattern, logGroupIdentifiers: identifiers } = request;
      if ([prefix, pattern, identifiers].filter((given) => given !== undefined).length > 1) {
        throw invalidParameter(
          'logGroupNamePrefix, logGroupNamePattern and logGroupIdentifiers are mutually exclusive.',
        );
      }
      const wanted = identifiers?.map((identifier) => identifier.replace(/:\*$/, ''));
      const groups = state
        .listGroups()
        .filter(
          (group) =>
            (prefix === undefined || group.name.startsWith(prefix)) &&
            (pattern === undefined || group.name.toLowerCase().includes(pattern.toLowerCase())) &&
            (wanted === undefined || wanted.includes(group.name) || wanted.includes(state.groupArn(group.name))) &&
            (request.logGroupClass === undefined || group.logGroupClass === request.logGroupClass),
        );
      const page = paginate(
        groups,
        request.limit ?? DEFAULT_DESCRIBE_LIMIT,
        request.nextToken,
        { prefix, pattern, wanted, logGroupClass: request.logGroupClass },
        invalidToken,
      );
      return { logGroups: page.items.map((group) => describeGroup(state, group)), ...tokenOf(page) };
    },
    DeleteLogGroup(body) {
      state.deleteGroup(parseRequest('DeleteLogGroup', body).logGroupName);
      return {};
    },
    CreateLogStream(body) {
      const request = parseRequest('CreateLogStream', body);
      state.createStream(state.group(request.logGroupName), request.logStreamName);
      return {};
    },
    DescribeLogStreams(body) {
      const request = parseRequest('DescribeLogStreams', body);
      const byTime = request.orderBy === 'LastEventTime';
      if (byTime && request.logStreamNamePrefix !== undefined) {
        throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
      }
      const group = targetGroup(state, request);
      const streams = [...group.streams.values()]
        .filter(
          (stream) => request.logStreamNamePrefix === undefined || stream.name.startsWith(request.logStreamNamePrefix),
        )
        .sort((a, b) =>
          byTime
            ? (lastEventTime(state, group, a) ?? 0) - (lastEventTime(state, group, b) ?? 0)
            : compareText(a.name, b.name),
        );
      if (request.descending) streams.reverse();
      const page = paginate(
        streams,
        request.limit ?? DEFAULT_DESCRIBE_LIMIT,
        request.nextToken,
        { group: group.name, prefix: request.logStreamNamePrefix, byTime, descending: request.descending },
        invalidToken,
      );
      return { logStreams: page.items.map((stream) => describeStream(state, group, stream)), ...tokenOf(page) };
    },
    PutLogEvents(body) {
      return putLogEvents(state, parseRequest('PutLogEvents', body));
    },
    GetLogEvents(body) {
      return getLogEvents(state, parseRequest('GetLogEvents', body));
    },
    FilterLogEvents(body) {
      return filterLogEvents(state, parseRequest('FilterLogEvents', body));
    },
    PutRetentionPolicy(body) {
      const request = parseRequest('PutRetentionPolicy', body);
      if (!RETENTION_DAYS.includes(request.retentionInDays)) {
        throw invalidParameter(
          `1 validation error detected: Value '${request.retentionInDays}' at 'retentionInDays' failed to satisfy constraint: ` +
            `Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
        );
      }
      state.group(request.logGroupName).retentionInDays = request.retentionInDays;
      return {};
    },
    PutMetricFilter(body) {
      putMetricFilter(state, parseRequest('PutMetricFilter', body));
      return {};
    },
    DescribeMetricFilters(body) {
      const request = parseRequest('DescribeMetricFilters', body);
      const { nextToken, limit, ...query } = request;
      const page = paginate(
        findMetricFilters(state, request),
        limit ?? DEFAULT_DESCRIBE_LIMIT,
        nextToken,
        query,
        invalidToken,
      );
      return { metricFilters: page.items.map(describeMetricFilter), ...tokenOf(page) };
    },
    DeleteMetricFilter(body) {
      deleteMetricFilter(state, parseRequest('DeleteMetricFilter', body));
      return {};
    },
    TestMetricFilter(body) {
      return testMetricFilter(parseRequest('TestMetricFilter', body));
    },
  };
}

function tokenOf(page: { nextToken?: string }): { nextToken?: string } {
  return page.nextToken ? { nextToken: page.nextToken } : {};
}

function storedBytes(state: LogsState, group: LogGroup, stream: LogStream): number {
  return state.liveEvents(group, stream).reduce((total, event) => total + Buffer.byteLength(event.message, 'utf8'), 0);
}

function lastEventTime(state: LogsState, group: LogGroup, stream: LogStream): number | undefined {
  return state.liveEvents(group, stream).at(-1)?.timestamp;
}

function describeGroup(state: LogsState, group: LogGroup) {
  const logGroupArn = state.groupArn(group.name);
  return compact({
    logGroupName: group.name,
    creationTime: group.creationTime,
    retentionInDays: group.retentionInDays,
    metricFilterCount: group.metricFilters.size,
    arn: `${logGroupArn}:*`,
    logGroupArn,
    storedBytes: [...group.streams.values()].reduce((total, stream) => total + storedBytes(state, group, stream), 0),
    kmsKeyId: group.kmsKeyId,
    logGroupClass: group.logGroupClass,
  });
}

function describeStream(state: LogsState, group: LogGroup, stream: LogStream) {
  const events = state.liveEvents(group, stream);
  return compact({
    logStreamName: stream.name,
    creationTime: stream.creationTime,
    firstEventTimestamp: events[0]?.timestamp,
    lastEventTimestamp: events.at(-1)?.timestamp,
    lastIngestionTime: stream.lastIngestionTime,
    arn: state.streamArn(group.name, stream.name),
    storedBytes: storedBytes(state, group, stream),
  });
}
