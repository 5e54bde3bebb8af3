/**
 * Metric filters of the local CloudWatch Logs feeding the local CloudWatch through one shared
 * in-process store, driven by the real SDKs: a PostgreSQL auth-failure line for one user becomes a
 * data point GetMetricData reads, its look-alike user does not; JSON values and dimensions; default
 * values; Describe/Delete/TestMetricFilter; the documented refusals and quotas.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteMetricFilterCommand,
  DescribeLogGroupsCommand,
  DescribeMetricFiltersCommand,
  InvalidParameterException,
  LimitExceededException,
  PutLogEventsCommand,
  PutMetricFilterCommand,
  ResourceNotFoundException,
  TestMetricFilterCommand,
  type MetricTransformation,
} from '@aws-sdk/client-cloudwatch-logs';
import { MetricStore, startLocalCloudWatch, type LocalCloudWatch } from '../../../local/cloudwatch';
import { startLocalCloudWatchLogs, type LocalCloudWatchLogs } from '../../../local/cloudwatchlogs';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const START = NOW - 30 * MINUTE;

describe('metric filters: local CloudWatch Logs into the local CloudWatch', () => {
  let cloudWatch: LocalCloudWatch;
  let logs: LocalCloudWatchLogs;
  let metricsClient: CloudWatchClient;
  let logsClient: CloudWatchLogsClient;
  let groups = 0;

  const newGroup = async () => {
    groups += 1;
    const logGroupName = `/aws/rds/instance/orders-${groups}/postgresql`;
    await logsClient.send(new CreateLogGroupCommand({ logGroupName }));
    await logsClient.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 'orders' }));
    return logGroupName;
  };
  const putFilter = (
    logGroupName: string,
    filterName: string,
    filterPattern: string,
    transformation: Partial<MetricTransformation> = {},
  ) =>
    logsClient.send(
      new PutMetricFilterCommand({
        logGroupName,
        filterName,
        filterPattern,
        metricTransformations: [
          { metricNamespace: 'Keyturn/Db', metricName: filterName, metricValue: '1', ...transformation },
        ],
      }),
    );
  const putLines = (logGroupName: string, messages: string[]) =>
    logsClient.send(
      new PutLogEventsCommand({
        logGroupName,
        logStreamName: 'orders',
        logEvents: messages.map((message, index) => ({ timestamp: START + index * MINUTE, message })),
      }),
    );
  const sums = async (metricName: string, Dimensions?: { Name: string; Value: string }[]) => {
    const answer = await metricsClient.send(
      new GetMetricDataCommand({
        StartTime: new Date(START),
        EndTime: new Date(NOW),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          {
            Id: 'm',
            MetricStat: {
              Metric: { Namespace: 'Keyturn/Db', MetricName: metricName, Dimensions },
              Period: 3600,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    return answer.MetricDataResults?.[0]?.Values ?? [];
  };

  beforeAll(async () => {
    const metrics = new MetricStore(() => new Date(NOW));
    [cloudWatch, logs] = await Promise.all([
      startLocalCloudWatch({ metrics }),
      startLocalCloudWatchLogs({ metrics, now: () => new Date(NOW) }),
    ]);
    metricsClient = new CloudWatchClient({
      endpoint: cloudWatch.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    logsClient = new CloudWatchLogsClient({
      endpoint: logs.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    metricsClient.destroy();
    logsClient.destroy();
    await Promise.all([cloudWatch.stop(), logs.stop()]);
  });

  test('PostgreSQL auth failures of one user count; its look-alike and other lines do not; the default value fills in', async () => {
    const group = await newGroup();
    await putFilter(group, 'AppAuthFailures', '%authentication\\sfailed\\sfor\\suser\\s\\x22app\\x22%', {
      unit: 'Count',
    });
    await putFilter(group, 'AppAuthFailuresQuoted', '"password authentication failed for user \\"app\\""', {
      defaultValue: 0,
    });
    await putLines(group, [
      'FATAL:  password authentication failed for user "app"',
      'FATAL:  password authentication failed for user "app_reporting"',
      'LOG:  connection authorized: user=app database=orders',
      'FATAL:  password authentication failed for user "app"',
    ]);
    expect(await sums('AppAuthFailures')).toEqual([2]);
    expect(await sums('AppAuthFailuresQuoted')).toEqual([2]); // plus two zeros from the default value
    const samples = await metricsClient.send(
      new GetMetricDataCommand({
        StartTime: new Date(START),
        EndTime: new Date(NOW),
        MetricDataQueries: [
          {
            Id: 'n',
            MetricStat: {
              Metric: { Namespace: 'Keyturn/Db', MetricName: 'AppAuthFailuresQuoted' },
              Period: 3600,
              Stat: 'SampleCount',
            },
          },
        ],
      }),
    );
    expect(samples.MetricDataResults?.[0]?.Values).toEqual([4]);
    const described = await logsClient.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: group }));
    expect(described.logGroups?.[0]?.metricFilterCount).toBe(2);
  });

  test('JSON events: the value from a field, dimensions from fields; events lacking them publish nothing', async () => {
    const group = await newGroup();
    await putFilter(group, 'FailedLogins', '{ $.event = "auth_failed" }', {
      metricValue: '$.attempts',
      dimensions: { User: '$.user' },
    });
    await putLines(group, [
      JSON.stringify({ event: 'auth_failed', user: 'app', attempts: 3 }),
      JSON.stringify({ event: 'auth_failed', user: 'app_reporting', attempts: 1 }),
      JSON.stringify({ event: 'auth_failed', user: 'app', attempts: 'many' }),
      JSON.stringify({ event: 'auth_failed', attempts: 5 }),
      JSON.stringify({ event: 'login', user: 'app', attempts: 9 }),
    ]);
    expect(await sums('FailedLogins', [{ Name: 'User', Value: 'app' }])).toEqual([3]);
    expect(await sums('FailedLogins', [{ Name: 'User', Value: 'app_reporting' }])).toEqual([1]);
    expect(await sums('FailedLogins')).toEqual([]);
  });

  test('Describe, Test and Delete; a replaced filter; the documented refusals and quotas', async () => {
    const group = await newGroup();
    await putFilter(group, 'B', 'ERROR');
    await putFilter(group, 'A', '"FATAL"');
    await putFilter(group, 'A', '"PANIC"', { metricName: 'Panics' }); // replaces A
    const described = await logsClient.send(new DescribeMetricFiltersCommand({ logGroupName: group }));
    expect(
      described.metricFilters?.map((f) => [f.filterName, f.filterPattern, f.metricTransformations?.[0]?.metricName]),
    ).toEqual([
      ['A', '"PANIC"', 'Panics'],
      ['B', 'ERROR', 'B'],
    ]);
    const byMetric = await logsClient.send(
      new DescribeMetricFiltersCommand({ metricName: 'Panics', metricNamespace: 'Keyturn/Db' }),
    );
    expect(byMetric.metricFilters?.map((f) => f.filterName)).toEqual(['A']);

    const tested = await logsClient.send(
      new TestMetricFilterCommand({ filterPattern: '%^FATAL%', logEventMessages: ['LOG: fine', 'FATAL: bad'] }),
    );
    expect(tested.matches).toEqual([{ eventNumber: 2, eventMessage: 'FATAL: bad', extractedValues: {} }]);

    await logsClient.send(new DeleteMetricFilterCommand({ logGroupName: group, filterName: 'B' }));
    await expect(
      logsClient.send(new DeleteMetricFilterCommand({ logGroupName: group, filterName: 'B' })),
    ).rejects.toThrow(ResourceNotFoundException);
    await expect(putFilter(group, 'Bad', '%user "app"%')).rejects.toThrow(InvalidParameterException);
    await expect(putFilter(group, 'Bad', 'ERROR', { metricValue: '$.count' })).rejects.toThrow(/Invalid metric value/);
    await expect(putFilter(group, 'Bad', '{ $.a = 1 }', { dimensions: { A: '$.a' }, defaultValue: 0 })).rejects.toThrow(
      /cannot have a default value/,
    );
    for (const n of [1, 2, 3, 4, 5]) await putFilter(group, `Regex${n}`, `%x${n}%`);
    await expect(putFilter(group, 'Regex6', '%x6%')).rejects.toThrow(LimitExceededException);
    await putFilter(group, 'Regex5', '%y5%'); // replacing one of the five is fine
    await expect(putFilter('/no/such/group', 'A', 'ERROR')).rejects.toThrow(ResourceNotFoundException);
  });
});
