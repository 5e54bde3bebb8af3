/**
 * The local CloudWatch (metrics) through the real @aws-sdk/client-cloudwatch (AWS JSON 1.0 with
 * awsQuery-compatible errors): PutMetricData's documented rules, the five statistics per period
 * in GetMetricData and GetMetricStatistics, ListMetrics' filters, gzip bodies, the in-process
 * store other local services publish into, and injected faults.
 */
import {
  CloudWatchClient,
  type ListMetricsCommandInput,
  type MetricDataResult,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  ListMetricsCommand,
  MissingRequiredParameterException,
  PutMetricDataCommand,
  ValidationException,
  type MetricDatum,
} from '@aws-sdk/client-cloudwatch';
import { startLocalCloudWatch, type LocalCloudWatch } from '../../../local/cloudwatch';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('local CloudWatch (metrics)', () => {
  let cloudWatch: LocalCloudWatch;
  let client: CloudWatchClient;
  let namespaceCount = 0;
  /** A fresh namespace per test, so tests do not see each other's metrics. */
  const newNamespace = () => {
    namespaceCount += 1;
    return `Keyturn/Test${namespaceCount}`;
  };
  const put = (Namespace: string, MetricData: MetricDatum[]) =>
    client.send(new PutMetricDataCommand({ Namespace, MetricData }));
  const at = (offsetMs: number) => new Date(NOW - HOUR + offsetMs);

  beforeAll(async () => {
    cloudWatch = await startLocalCloudWatch({ now: () => new Date(NOW) });
    client = new CloudWatchClient({ endpoint: cloudWatch.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    client.destroy();
    await cloudWatch.stop();
  });

  test('GetMetricData: the five statistics per period, newest first by default, only periods with data', async () => {
    const namespace = newNamespace();
    const Dimensions = [{ Name: 'DBInstanceIdentifier', Value: 'orders' }];
    await put(namespace, [
      { MetricName: 'AuthFailures', Dimensions, Timestamp: at(0), Value: 2, Unit: 'Count' },
      { MetricName: 'AuthFailures', Dimensions, Timestamp: at(30_000), Value: 4, Unit: 'Count' },
      // Values with Counts: 1 twice and 7 once.
      {
        MetricName: 'AuthFailures',
        Dimensions,
        Timestamp: at(3 * MINUTE),
        Values: [1, 7],
        Counts: [2, 1],
        Unit: 'Count',
      },
      {
        MetricName: 'AuthFailures',
        Dimensions,
        Timestamp: at(4 * MINUTE),
        StatisticValues: { SampleCount: 4, Sum: 10, Minimum: 1, Maximum: 5 },
      },
      // Another metric: other dimensions are another time series.
      {
        MetricName: 'AuthFailures',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'billing' }],
        Timestamp: at(0),
        Value: 100,
      },
    ]);
    const Metric = { Namespace: namespace, MetricName: 'AuthFailures', Dimensions };
    const stats = ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'];
    const answer = await client.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(10 * MINUTE),
        MetricDataQueries: [
          ...stats.map((Stat) => ({ Id: Stat.toLowerCase(), MetricStat: { Metric, Period: 60, Stat } })),
          { Id: 'fiveminutes', MetricStat: { Metric, Period: 300, Stat: 'Sum' }, Label: 'per 5 min' },
          { Id: 'hidden', MetricStat: { Metric, Period: 60, Stat: 'Sum' }, ReturnData: false },
        ],
      }),
    );
    const byId: Record<string, MetricDataResult> = Object.fromEntries(
      (answer.MetricDataResults ?? []).map((result): [string, MetricDataResult] => [result.Id ?? '', result]),
    );
    expect(Object.keys(byId)).toEqual(['sum', 'samplecount', 'average', 'minimum', 'maximum', 'fiveminutes']);
    expect(byId.sum?.Timestamps).toEqual([at(4 * MINUTE), at(3 * MINUTE), at(0)]);
    expect(byId.sum?.Values).toEqual([10, 9, 6]);
    expect(byId.samplecount?.Values).toEqual([4, 3, 2]);
    expect(byId.average?.Values).toEqual([2.5, 3, 3]);
    expect(byId.minimum?.Values).toEqual([1, 1, 2]);
    expect(byId.maximum?.Values).toEqual([5, 7, 4]);
    expect(byId.sum?.Label).toBe('AuthFailures');
    expect(byId.sum?.StatusCode).toBe('Complete');
    expect(byId.fiveminutes).toMatchObject({ Label: 'per 5 min', Timestamps: [at(0)], Values: [25] });

    const ascending = await client.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(4 * MINUTE), // exclusive: the point at 4 minutes is not in it
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [{ Id: 'm', MetricStat: { Metric, Period: 60, Stat: 'Sum', Unit: 'Count' } }],
      }),
    );
    // The 4-minute point is out of range; with Unit Count only Count points count anyway.
    expect(ascending.MetricDataResults?.[0]).toMatchObject({ Timestamps: [at(0), at(3 * MINUTE)], Values: [6, 9] });
  });

  test('GetMetricData pages by MaxDatapoints; a result cut short is PartialData until its last page', async () => {
    const namespace = newNamespace();
    await put(
      namespace,
      [0, 1, 2, 3, 4].map((minute) => ({ MetricName: 'Calls', Timestamp: at(minute * MINUTE), Value: minute + 1 })),
    );
    const request = {
      StartTime: at(0),
      EndTime: at(HOUR),
      ScanBy: 'TimestampAscending' as const,
      MaxDatapoints: 2,
      MetricDataQueries: [
        { Id: 'calls', MetricStat: { Metric: { Namespace: namespace, MetricName: 'Calls' }, Period: 60, Stat: 'Sum' } },
      ],
    };
    const values: number[] = [];
    const statuses: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await client.send(new GetMetricDataCommand({ ...request, NextToken }));
      values.push(...(page.MetricDataResults?.[0]?.Values ?? []));
      statuses.push(page.MetricDataResults?.[0]?.StatusCode ?? '');
      NextToken = page.NextToken;
    } while (NextToken);
    expect(values).toEqual([1, 2, 3, 4, 5]);
    expect(statuses).toEqual(['PartialData', 'PartialData', 'Complete']);
    await expect(client.send(new GetMetricDataCommand({ ...request, NextToken: 'not-ours' }))).rejects.toMatchObject({
      name: 'InvalidNextToken',
    });
  });

  test('GetMetricStatistics: the statistics asked for, the unit, and the 1,440 data point limit', async () => {
    const namespace = newNamespace();
    await put(namespace, [
      { MetricName: 'Latency', Timestamp: at(10_000), Value: 20, Unit: 'Milliseconds' },
      { MetricName: 'Latency', Timestamp: at(20_000), Value: 40, Unit: 'Milliseconds' },
    ]);
    const request = { Namespace: namespace, MetricName: 'Latency', StartTime: at(0), EndTime: at(HOUR), Period: 60 };
    const answer = await client.send(
      new GetMetricStatisticsCommand({ ...request, Statistics: ['Average', 'Maximum'] }),
    );
    expect(answer.Label).toBe('Latency');
    expect(answer.Datapoints).toEqual([{ Timestamp: at(0), Average: 30, Maximum: 40, Unit: 'Milliseconds' }]);
    const otherUnit = await client.send(
      new GetMetricStatisticsCommand({ ...request, Statistics: ['Sum'], Unit: 'Seconds' }),
    );
    expect(otherUnit.Datapoints).toEqual([]);

    const tooMany = client.send(
      new GetMetricStatisticsCommand({ ...request, StartTime: at(-DAY), Period: 60, Statistics: ['Sum'] }),
    );
    await expect(tooMany).rejects.toThrow(InvalidParameterCombinationException);
    await expect(tooMany).rejects.toThrow(/exceeds the limit of 1440/);
    await expect(client.send(new GetMetricStatisticsCommand(request))).rejects.toThrow(
      MissingRequiredParameterException,
    );
    await expect(
      client.send(new GetMetricStatisticsCommand({ ...request, Period: 45, Statistics: ['Sum'] })),
    ).rejects.toThrow(InvalidParameterValueException);
    await expect(
      client.send(new GetMetricStatisticsCommand({ ...request, ExtendedStatistics: ['p99'] })),
    ).rejects.toThrow(/not supported by the local CloudWatch/);
  });

  test('ListMetrics: by namespace, name and dimension filters; RecentlyActive; two weeks back', async () => {
    const namespace = newNamespace();
    await put(namespace, [
      {
        MetricName: 'A',
        Dimensions: [
          { Name: 'User', Value: 'app' },
          { Name: 'Db', Value: 'orders' },
        ],
        Timestamp: at(0),
        Value: 1,
      },
      {
        MetricName: 'A',
        Dimensions: [{ Name: 'User', Value: 'app_reporting' }],
        Timestamp: new Date(NOW - 5 * HOUR),
        Value: 1,
      },
      { MetricName: 'B', Timestamp: new Date(NOW - 13 * DAY), Value: 1 },
    ]);
    const list = async (input: Omit<ListMetricsCommandInput, 'Namespace'>) =>
      ((await client.send(new ListMetricsCommand({ Namespace: namespace, ...input }))).Metrics ?? []).map(
        (metric) => `${metric.MetricName}:${(metric.Dimensions ?? []).map((d) => `${d.Name}=${d.Value}`).join(',')}`,
      );
    expect(await list({})).toEqual(['A:Db=orders,User=app', 'A:User=app_reporting', 'B:']);
    expect(await list({ MetricName: 'A', Dimensions: [{ Name: 'User', Value: 'app' }] })).toEqual([
      'A:Db=orders,User=app',
    ]);
    expect(await list({ Dimensions: [{ Name: 'User' }] })).toEqual(['A:Db=orders,User=app', 'A:User=app_reporting']);
    expect(await list({ RecentlyActive: 'PT3H' })).toEqual(['A:Db=orders,User=app']);
  });

  test('PutMetricData refuses what CloudWatch refuses, storing nothing of the request', async () => {
    const namespace = newNamespace();
    const refused = async (
      MetricData: MetricDatum[],
      error: new (...args: never[]) => Error,
      message: RegExp,
      ns = namespace,
    ) => {
      const call = put(ns, MetricData);
      await expect(call).rejects.toThrow(error);
      await expect(call).rejects.toThrow(message);
    };
    const ok: MetricDatum = { MetricName: 'Ok', Timestamp: at(0), Value: 1 };
    await refused(
      [ok],
      InvalidParameterValueException,
      /AWS\/ElastiCache for parameter Namespace is invalid/,
      'AWS/ElastiCache',
    );
    await refused(
      [ok, { MetricName: 'M', Value: 1, Values: [1] }],
      InvalidParameterCombinationException,
      /mutually exclusive/,
    );
    await refused([ok, { MetricName: 'M', Values: [1, 2], Counts: [1] }], InvalidParameterValueException, /same size/);
    await refused(
      [ok, { MetricName: 'M', Values: Array.from({ length: 151 }, () => 1) }],
      InvalidParameterValueException,
      /at most 150/,
    );
    await refused(
      [ok, { MetricName: 'M', Value: Number.NaN }],
      InvalidParameterValueException,
      /The value NaN for parameter MetricData.member.2.Value is invalid/,
    );
    await refused(
      [ok, { MetricName: 'M', Value: 2 ** 361 }],
      InvalidParameterValueException,
      /MetricData.member.2.Value is invalid/,
    );
    await refused(
      [ok, { MetricName: 'M', Value: 1, Timestamp: new Date(NOW - 15 * DAY) }],
      InvalidParameterValueException,
      /two weeks in the past/,
    );
    await refused(
      [ok, { MetricName: 'M', Value: 1, Timestamp: new Date(NOW + 3 * HOUR) }],
      InvalidParameterValueException,
      /two hours in the future/,
    );
    await refused(
      [ok, { MetricName: 'M', Value: 1, StorageResolution: 5 }],
      InvalidParameterValueException,
      /StorageResolution is invalid/,
    );
    await refused(
      [ok, { MetricName: 'M' }],
      MissingRequiredParameterException,
      /one of Value, Values or StatisticValues/,
    );
    await refused(
      [ok, { MetricName: '', Value: 1 }],
      ValidationException,
      /Value at 'metricData.2.member.metricName' failed to satisfy constraint/,
    );
    await refused(
      [
        {
          MetricName: 'M',
          Value: 1,
          Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })),
        },
      ],
      ValidationException,
      /length less than or equal to 30/,
    );
    await refused(
      [ok, { MetricName: 'M', Value: 1, Unit: 'Parsecs' as 'Count' }],
      ValidationException,
      /enum value set/,
    );
    expect(cloudWatch.metrics.list().filter((metric) => metric.identity.namespace === namespace)).toEqual([]);
    // The SDK names the awsQuery code too.
    await expect(put('AWS/X', [ok])).rejects.toMatchObject({ Error: { Code: 'InvalidParameterValue' } });
  });

  test('a PutMetricData body large enough for the SDK to gzip is read', async () => {
    const namespace = newNamespace();
    const MetricData = Array.from({ length: 400 }, (_, i) => ({
      MetricName: `Metric${i}`,
      Dimensions: [{ Name: 'Instance', Value: `instance-${i}` }],
      Timestamp: at(0),
      Value: i,
    }));
    await put(namespace, MetricData);
    expect(cloudWatch.metrics.list().filter((metric) => metric.identity.namespace === namespace)).toHaveLength(400);
  });

  test('other local services put values in-process (AWS/ namespaces too); GetMetricData reads them', async () => {
    cloudWatch.metrics.putValue({
      namespace: 'AWS/ElastiCache',
      metricName: 'AuthenticationFailures',
      dimensions: { CacheClusterId: 'keyturn-redis' },
      timestamp: at(MINUTE + 5_000),
      value: 3,
      unit: 'Count',
    });
    const answer = await client.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(HOUR),
        MetricDataQueries: [
          {
            Id: 'auth',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ElastiCache',
                MetricName: 'AuthenticationFailures',
                Dimensions: [{ Name: 'CacheClusterId', Value: 'keyturn-redis' }],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(answer.MetricDataResults?.[0]).toMatchObject({ Timestamps: [at(MINUTE)], Values: [3] });
  });

  test('GetMetricData refusals: bad ids, metric math, percentiles, a reversed time range', async () => {
    const Metric = { Namespace: 'Keyturn/None', MetricName: 'M' };
    const query = (extra: object) =>
      client.send(
        new GetMetricDataCommand({
          StartTime: at(0),
          EndTime: at(HOUR),
          MetricDataQueries: [{ Id: 'a', MetricStat: { Metric, Period: 60, Stat: 'Sum' } }],
          ...extra,
        }),
      );
    await expect(
      query({ MetricDataQueries: [{ Id: 'Upper', MetricStat: { Metric, Period: 60, Stat: 'Sum' } }] }),
    ).rejects.toThrow(ValidationException);
    await expect(query({ MetricDataQueries: [{ Id: 'a', Expression: 'SUM(METRICS())' }] })).rejects.toThrow(
      /Expression \(metric math\) is not supported/,
    );
    await expect(
      query({ MetricDataQueries: [{ Id: 'a', MetricStat: { Metric, Period: 60, Stat: 'p99' } }] }),
    ).rejects.toThrow(/statistic p99/);
    await expect(query({ StartTime: at(HOUR), EndTime: at(0) })).rejects.toThrow(/StartTime must be less than/);
    await expect(
      query({
        MetricDataQueries: [
          { Id: 'a', MetricStat: { Metric, Period: 60, Stat: 'Sum' } },
          { Id: 'a', MetricStat: { Metric, Period: 60, Stat: 'Sum' } },
        ],
      }),
    ).rejects.toThrow(/not unique/);
  });

  test('injected faults: the next call fails with InternalServiceFault (HTTP 500) by default', async () => {
    cloudWatch.faults.failNext('GetMetricData');
    const call = client.send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(HOUR),
        MetricDataQueries: [
          { Id: 'a', MetricStat: { Metric: { Namespace: 'N', MetricName: 'M' }, Period: 60, Stat: 'Sum' } },
        ],
      }),
    );
    await expect(call).rejects.toMatchObject({ name: 'InternalServiceFault', $metadata: { httpStatusCode: 500 } });
    expect(cloudWatch.faults.pending()).toEqual([]);
  });
});
