import type { GetMetricDataCommandInput, GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import {
  AuthFailureTag,
  authFailureMetricOf,
  authFailureMetricTags,
  elastiCacheAuthFailureMetric,
  entryAuthFailureMetric,
} from '../../../functions/shared/auth-failure-metric';
import {
  createCloudWatchAuthFailureReader,
  type GetMetricData,
} from '../../../functions/shared/cloudwatch-auth-failures';
import { LifecycleTag } from '../../../functions/shared/lifecycle-contract';
import { readLifecycleSettings } from '../../../functions/tasks/settings';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db/app-AbCdEf';
const since = new Date('2026-12-07T10:00:30Z');
const until = new Date('2026-12-07T10:05:10Z');

/** GetMetricData answering `pages` in turn, keeping what it was asked. */
function metricData(pages: Partial<GetMetricDataCommandOutput>[] | Error): {
  call: GetMetricData;
  asked: GetMetricDataCommandInput[];
} {
  const asked: GetMetricDataCommandInput[] = [];
  let page = 0;
  return {
    asked,
    call: (input) => {
      asked.push(input);
      if (pages instanceof Error) return Promise.reject(pages);
      return Promise.resolve({ $metadata: {}, ...pages[page++] });
    },
  };
}

describe('the auth-failure metric tags', () => {
  it('round-trip an ElastiCache metric with its dimension, and an entry metric without one', () => {
    for (const metric of [elastiCacheAuthFailureMetric('orders-cache-0001-001'), entryAuthFailureMetric('orders-db')]) {
      const tags = authFailureMetricTags(metric);
      expect(Object.values(tags).every((v) => /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(v))).toBe(true);
      expect(authFailureMetricOf(tags)).toEqual({ metric });
    }
    expect(entryAuthFailureMetric('orders-db')).toEqual({
      namespace: 'keyturn',
      metricName: 'AuthFailures-orders-db',
      dimensions: {},
    });
  });

  it('name the problem when absent or malformed', () => {
    expect(authFailureMetricOf({})).toEqual({ problem: expect.stringContaining(AuthFailureTag.namespace) as string });
    expect(
      authFailureMetricOf({
        [AuthFailureTag.namespace]: 'keyturn',
        [AuthFailureTag.metricName]: 'm',
        [AuthFailureTag.dimensions]: 'Broken',
      }),
    ).toEqual({ problem: expect.stringContaining('"Broken"') as string });
  });
});

describe('createCloudWatchAuthFailureReader', () => {
  const tags = authFailureMetricTags(elastiCacheAuthFailureMetric('orders-cache-0001-001'));

  it('adds up the Sum per minute over whole minutes around the range, across pages', async () => {
    const data = metricData([
      { MetricDataResults: [{ Id: 'failures', Values: [2, 1], StatusCode: 'PartialData' }], NextToken: 'next' },
      { MetricDataResults: [{ Id: 'failures', Values: [4], StatusCode: 'Complete' }] },
    ]);

    const count = await createCloudWatchAuthFailureReader(data.call)({ secretArn: ARN, tags, since, until });

    expect(count).toEqual({
      observed: true,
      failures: 7,
      source: 'AWS/ElastiCache AuthenticationFailures CacheClusterId=orders-cache-0001-001 (Sum)',
    });
    expect(data.asked).toHaveLength(2);
    expect(data.asked[0]).toMatchObject({
      StartTime: new Date('2026-12-07T10:00:00Z'),
      EndTime: new Date('2026-12-07T10:06:00Z'),
      MetricDataQueries: [
        {
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ElastiCache',
              MetricName: 'AuthenticationFailures',
              Dimensions: [{ Name: 'CacheClusterId', Value: 'orders-cache-0001-001' }],
            },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
    });
    expect(data.asked[1]?.NextToken).toBe('next');
  });

  it('counts no data points as no failures (a metric filter publishes only on a match)', async () => {
    const data = metricData([{ MetricDataResults: [{ Id: 'failures', Values: [], StatusCode: 'Complete' }] }]);
    await expect(
      createCloudWatchAuthFailureReader(data.call)({ secretArn: ARN, tags, since, until }),
    ).resolves.toMatchObject({
      observed: true,
      failures: 0,
    });
  });

  it('is unobserved, with the reason, without tags, on a failed call or a forbidden metric', async () => {
    const none = metricData([]);
    await expect(
      createCloudWatchAuthFailureReader(none.call)({ secretArn: ARN, tags: {}, since, until }),
    ).resolves.toMatchObject({
      observed: false,
    });
    expect(none.asked).toEqual([]);
    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' });
    await expect(
      createCloudWatchAuthFailureReader(metricData(denied).call)({ secretArn: ARN, tags, since, until }),
    ).resolves.toEqual({ observed: false, reason: expect.stringContaining('AccessDeniedException') as string });
    const forbidden = metricData([{ MetricDataResults: [{ Id: 'failures', Values: [9], StatusCode: 'Forbidden' }] }]);
    await expect(
      createCloudWatchAuthFailureReader(forbidden.call)({ secretArn: ARN, tags, since, until }),
    ).resolves.toMatchObject({ observed: false });
  });
});

describe('the watch settings from tags', () => {
  const watchTags = {
    [LifecycleTag.authFailuresThreshold]: '4',
    [LifecycleTag.authFailuresWindowSeconds]: '900',
    [LifecycleTag.authFailuresCheckSeconds]: '60',
  };

  it('are absent without the tags, and read with them', () => {
    expect(readLifecycleSettings({}).authFailures).toBeUndefined();
    expect(readLifecycleSettings(watchTags).authFailures).toEqual({
      threshold: 4,
      windowSeconds: 900,
      checkIntervalSeconds: 60,
    });
  });

  it('refuse some of the three without the others, a zero interval and one longer than the window', () => {
    expect(() => readLifecycleSettings({ [LifecycleTag.authFailuresThreshold]: '4' })).toThrow(/go together/);
    expect(() => readLifecycleSettings({ ...watchTags, [LifecycleTag.authFailuresCheckSeconds]: '0' })).toThrow(
      /at least 1 and at most the window/,
    );
    expect(() => readLifecycleSettings({ ...watchTags, [LifecycleTag.authFailuresCheckSeconds]: '901' })).toThrow(
      /at most the window \(900 s\)/,
    );
    expect(() => readLifecycleSettings({ ...watchTags, [LifecycleTag.authFailuresThreshold]: 'many' })).toThrow(
      /whole number of failed logins/,
    );
  });
});
