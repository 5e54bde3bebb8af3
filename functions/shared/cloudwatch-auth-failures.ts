import type {
  CloudWatchClient,
  GetMetricDataCommandInput,
  GetMetricDataCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import type { AuthFailureCount, AuthFailureQuery, AuthFailureReader } from './auth-failure-signal';
import { authFailureMetricOf, describeAuthFailureMetric } from './auth-failure-metric';

/** The one CloudWatch call the reader makes (tests and the handler pass one over a real client). */
export type GetMetricData = (input: GetMetricDataCommandInput) => Promise<GetMetricDataCommandOutput>;

/** CloudWatch's finest period for standard-resolution metrics (metric filters and ElastiCache publish per minute). */
const PERIOD_SECONDS = 60;
/** GetMetricData pages; a day of minutes is 1,440 points, one page: more pages than this is a loop, not data. */
const MAX_PAGES = 20;

function floorToMinute(time: Date): Date {
  return new Date(Math.floor(time.getTime() / 60_000) * 60_000);
}

function ceilToMinute(time: Date): Date {
  return new Date(Math.ceil(time.getTime() / 60_000) * 60_000);
}

/**
 * Reads an entry's auth-failure signal from CloudWatch: the Sum of the metric the secret's
 * `keyturn:auth-failures-*` tags name, per minute over the query's range, added up. The range is widened to whole
 * minutes (a metric's minute holds failures from anywhere in it): a failure in the minute before `since` may
 * count, never one missed. No data points is zero failures (a metric filter publishes nothing without a match).
 * A secret without the tags, or a call that fails, is `observed: false` with the reason; never throws for those.
 */
export function createCloudWatchAuthFailureReader(getMetricData: GetMetricData): AuthFailureReader {
  return async (query: AuthFailureQuery): Promise<AuthFailureCount> => {
    const found = authFailureMetricOf(query.tags);
    if ('problem' in found) return { observed: false, reason: found.problem };
    const { metric } = found;
    const source = describeAuthFailureMetric(metric);
    const startTime = floorToMinute(query.since);
    const endTime = ceilToMinute(query.until > query.since ? query.until : new Date(query.since.getTime() + 1));
    let failures = 0;
    let nextToken: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        const output = await getMetricData({
          StartTime: startTime,
          EndTime: endTime,
          ScanBy: 'TimestampAscending',
          ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
          MetricDataQueries: [
            {
              Id: 'failures',
              ReturnData: true,
              MetricStat: {
                Metric: {
                  Namespace: metric.namespace,
                  MetricName: metric.metricName,
                  Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
                },
                Period: PERIOD_SECONDS,
                Stat: 'Sum',
              },
            },
          ],
        });
        const result = output.MetricDataResults?.find((r) => r.Id === 'failures');
        if (result?.StatusCode === 'Forbidden' || result?.StatusCode === 'InternalError') {
          return { observed: false, reason: `CloudWatch answered ${result.StatusCode} for ${source}` };
        }
        failures += (result?.Values ?? []).reduce((sum, value) => sum + value, 0);
        nextToken = output.NextToken;
        if (nextToken === undefined) return { observed: true, failures, source };
      }
      return { observed: false, reason: `CloudWatch kept paging past ${MAX_PAGES} pages for ${source}` };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'non-error thrown';
      return { observed: false, reason: `GetMetricData failed for ${source} (${name})` };
    }
  };
}

/** The port over a CloudWatch client (the SDK honours AWS_ENDPOINT_URL_CLOUDWATCH: the local CloudWatch in tests). */
export function cloudWatchGetMetricData(client: CloudWatchClient): GetMetricData {
  return async (input) => {
    const { GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
    return client.send(new GetMetricDataCommand(input));
  };
}

let shared: Promise<AuthFailureReader> | undefined;

/** The rotation function's reader, its client built on first use (a function whose entries have no signal never loads it). */
export function lambdaAuthFailureReader(): AuthFailureReader {
  return async (query) => {
    shared ??= import('@aws-sdk/client-cloudwatch').then(({ CloudWatchClient }) =>
      createCloudWatchAuthFailureReader(cloudWatchGetMetricData(new CloudWatchClient({}))),
    );
    return (await shared)(query);
  };
}
