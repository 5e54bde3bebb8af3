/**
 * The local CloudWatch Logs through the real @aws-sdk/client-cloudwatch-logs: log groups and
 * streams, PutLogEvents' documented rules, GetLogEvents' tokens, FilterLogEvents' time range,
 * stream selection, paging and filter patterns, and the errors AWS answers with.
 */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  InvalidParameterException,
  PutLogEventsCommand,
  PutRetentionPolicyCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import { startLocalCloudWatchLogs, type LocalCloudWatchLogs } from '../../local/cloudwatchlogs';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('local CloudWatch Logs', () => {
  let logs: LocalCloudWatchLogs;
  let client: CloudWatchLogsClient;
  let groupCount = 0;

  /** A fresh group with the given streams, so tests do not see each other's events. */
  const newGroup = async (...streams: string[]): Promise<string> => {
    groupCount += 1;
    const name = `/keyturn/test/group-${groupCount}`;
    await client.send(new CreateLogGroupCommand({ logGroupName: name }));
    for (const stream of streams) {
      await client.send(new CreateLogStreamCommand({ logGroupName: name, logStreamName: stream }));
    }
    return name;
  };
  const put = (logGroupName: string, logStreamName: string, logEvents: InputLogEvent[]) =>
    client.send(new PutLogEventsCommand({ logGroupName, logStreamName, logEvents }));
  const messages = (events: { message?: string }[] | undefined) => (events ?? []).map((event) => event.message);

  beforeAll(async () => {
    logs = await startLocalCloudWatchLogs({ now: () => new Date(NOW) });
    client = new CloudWatchLogsClient({ endpoint: logs.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    client.destroy();
    await logs.stop();
  });

  describe('log groups and streams', () => {
    test('CreateLogGroup / DescribeLogGroups / PutRetentionPolicy / DeleteLogGroup', async () => {
      await client.send(new CreateLogGroupCommand({ logGroupName: '/keyturn/Keyturn/rotation-audit' }));
      await client.send(
        new PutRetentionPolicyCommand({ logGroupName: '/keyturn/Keyturn/rotation-audit', retentionInDays: 365 }),
      );

      const described = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/keyturn/Keyturn/' }));

      expect(described.logGroups).toEqual([
        expect.objectContaining({
          logGroupName: '/keyturn/Keyturn/rotation-audit',
          creationTime: NOW,
          retentionInDays: 365,
          logGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/keyturn/Keyturn/rotation-audit',
          arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/keyturn/Keyturn/rotation-audit:*',
        }),
      ]);
      await client.send(new DeleteLogGroupCommand({ logGroupName: '/keyturn/Keyturn/rotation-audit' }));
      const after = await client.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/keyturn/Keyturn/' }));
      expect(after.logGroups).toEqual([]);
    });

    test('a second group or stream of the same name: ResourceAlreadyExistsException', async () => {
      const group = await newGroup('s');
      await expect(client.send(new CreateLogGroupCommand({ logGroupName: group }))).rejects.toBeInstanceOf(
        ResourceAlreadyExistsException,
      );
      await expect(
        client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 's' })),
      ).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
    });

    test('missing groups and streams: ResourceNotFoundException', async () => {
      const group = await newGroup();
      await expect(client.send(new DeleteLogGroupCommand({ logGroupName: '/no/such' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
      await expect(
        client.send(new CreateLogStreamCommand({ logGroupName: '/no/such', logStreamName: 's' })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(put(group, 'missing', [{ timestamp: NOW, message: 'x' }])).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: 'The specified log stream does not exist.',
      });
      await expect(client.send(new FilterLogEventsCommand({ logGroupName: '/no/such' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });

    test.each([
      ['a character outside [.-_/#A-Za-z0-9]', 'bad name!', /regular expression pattern/],
      ['more than 512 characters', 'a'.repeat(513), /length less than or equal to 512/],
      ['the aws/ prefix', 'aws/mine', /cannot start with "aws\/"/],
    ])('a log group name with %s is refused and nothing is created', async (_, name, message) => {
      await expect(client.send(new CreateLogGroupCommand({ logGroupName: name }))).rejects.toThrow(message);
      const listed = await client.send(new DescribeLogGroupsCommand({}));
      expect(listed.logGroups?.map((group) => group.logGroupName)).not.toContain(name);
    });

    test('a log stream name with : or * is refused', async () => {
      const group = await newGroup();
      await expect(
        client.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'a:b' })),
      ).rejects.toBeInstanceOf(InvalidParameterException);
    });

    test('PutRetentionPolicy takes only the documented periods', async () => {
      const group = await newGroup();
      await expect(
        client.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 2 })),
      ).rejects.toThrow(/retentionInDays.*enum value set: \[1, 3, 5/);
    });

    test('DescribeLogStreams pages in name order and reports event times', async () => {
      const group = await newGroup('b', 'a', 'c');
      await put(group, 'b', [
        { timestamp: NOW - 2 * MINUTE, message: 'one' },
        { timestamp: NOW - MINUTE, message: 'two' },
      ]);

      const first = await client.send(new DescribeLogStreamsCommand({ logGroupName: group, limit: 2 }));
      const second = await client.send(
        new DescribeLogStreamsCommand({ logGroupName: group, limit: 2, nextToken: first.nextToken }),
      );

      expect(first.logStreams?.map((stream) => stream.logStreamName)).toEqual(['a', 'b']);
      expect(second.logStreams?.map((stream) => stream.logStreamName)).toEqual(['c']);
      expect(second.nextToken).toBeUndefined();
      expect(first.logStreams?.[1]).toMatchObject({
        firstEventTimestamp: NOW - 2 * MINUTE,
        lastEventTimestamp: NOW - MINUTE,
        storedBytes: 6,
      });
      await expect(
        client.send(
          new DescribeLogStreamsCommand({ logGroupName: group, orderBy: 'LastEventTime', logStreamNamePrefix: 'a' }),
        ),
      ).rejects.toBeInstanceOf(InvalidParameterException);
    });
  });

  describe('PutLogEvents rules', () => {
    test('events out of timestamp order fail the whole batch, which stores nothing', async () => {
      const group = await newGroup('s');
      await expect(
        put(group, 's', [
          { timestamp: NOW, message: 'later' },
          { timestamp: NOW - MINUTE, message: 'earlier' },
        ]),
      ).rejects.toThrow(/chronological order/);
      expect(logs.events(group)).toEqual([]);
    });

    test('more than 10,000 events, or over 1,048,576 bytes with 26 bytes per event, fail the batch', async () => {
      const group = await newGroup('s');
      const many = Array.from({ length: 10_001 }, () => ({ timestamp: NOW, message: 'x' }));
      await expect(put(group, 's', many)).rejects.toThrow(/length less than or equal to 10000/);
      // 4 events of 262,118 bytes: 4 × (262,118 + 26) = 1,048,576, exactly the limit; one byte more fails.
      const atLimit = Array.from({ length: 4 }, () => ({ timestamp: NOW, message: 'y'.repeat(262_118) }));
      await put(group, 's', atLimit);
      const over = [...atLimit.slice(1), { timestamp: NOW, message: 'y'.repeat(262_119) }];
      await expect(put(group, 's', over)).rejects.toThrow(/maximum is 1048576/);
      expect(logs.events(group)).toHaveLength(4);
    });

    test('events over 14 days old or 2 hours ahead are rejected by index; the rest are stored', async () => {
      const group = await newGroup('s');
      const result = await put(group, 's', [
        { timestamp: NOW - 14 * DAY - 1, message: 'too old' },
        { timestamp: NOW - HOUR, message: 'kept 1' },
        { timestamp: NOW + 2 * HOUR, message: 'kept 2' },
        { timestamp: NOW + 2 * HOUR + 1, message: 'too new' },
      ]);
      expect(result.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1, tooNewLogEventStartIndex: 3 });
      expect(logs.events(group).map((event) => event.message)).toEqual(['kept 1', 'kept 2']);
    });

    test('events older than the retention period are rejected as expired', async () => {
      const group = await newGroup('s');
      await client.send(new PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 1 }));
      const result = await put(group, 's', [
        { timestamp: NOW - 2 * DAY, message: 'expired' },
        { timestamp: NOW, message: 'kept' },
      ]);
      expect(result.rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 1 });
      expect(logs.events(group).map((event) => event.message)).toEqual(['kept']);
    });

    test('kept events spanning more than 24 hours fail the batch', async () => {
      const group = await newGroup('s');
      await expect(
        put(group, 's', [
          { timestamp: NOW - DAY - 1, message: 'a' },
          { timestamp: NOW, message: 'b' },
        ]),
      ).rejects.toThrow(/span more than 24 hours/);
    });
  });

  describe('reading events', () => {
    test('GetLogEvents: the newest page by default, then backward; from the head, then forward', async () => {
      const group = await newGroup('s');
      await put(
        group,
        's',
        ['e1', 'e2', 'e3', 'e4', 'e5'].map((message, i) => ({ timestamp: NOW - (5 - i) * MINUTE, message })),
      );
      const read = (input: { limit: number; startFromHead?: boolean; nextToken?: string }) =>
        client.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: 's', ...input }));

      const newest = await read({ limit: 2 });
      const older = await read({ limit: 2, nextToken: newest.nextBackwardToken });
      const head = await read({ limit: 3, startFromHead: true });
      const rest = await read({ limit: 3, startFromHead: true, nextToken: head.nextForwardToken });
      const end = await read({ limit: 3, startFromHead: true, nextToken: rest.nextForwardToken });

      expect(messages(newest.events)).toEqual(['e4', 'e5']);
      expect(messages(older.events)).toEqual(['e2', 'e3']);
      expect(messages(head.events)).toEqual(['e1', 'e2', 'e3']);
      expect(messages(rest.events)).toEqual(['e4', 'e5']);
      expect(end.events).toEqual([]);
      expect(end.nextForwardToken).toBe(rest.nextForwardToken);
      expect(head.events?.[0]).toEqual({ timestamp: NOW - 5 * MINUTE, message: 'e1', ingestionTime: NOW });
    });

    test('FilterLogEvents interleaves streams by time; startTime inclusive, endTime inclusive', async () => {
      const group = await newGroup('a', 'b', 'other');
      await put(group, 'a', [
        { timestamp: NOW - 3 * MINUTE, message: 'a1' },
        { timestamp: NOW - MINUTE, message: 'a2' },
      ]);
      await put(group, 'b', [{ timestamp: NOW - 2 * MINUTE, message: 'b1' }]);
      await put(group, 'other', [{ timestamp: NOW - 2 * MINUTE, message: 'o1' }]);

      const all = await client.send(new FilterLogEventsCommand({ logGroupName: group }));
      const window = await client.send(
        new FilterLogEventsCommand({ logGroupName: group, startTime: NOW - 2 * MINUTE, endTime: NOW - MINUTE }),
      );
      const named = await client.send(new FilterLogEventsCommand({ logGroupName: group, logStreamNames: ['a', 'b'] }));
      const prefixed = await client.send(
        new FilterLogEventsCommand({ logGroupName: group, logStreamNamePrefix: 'oth' }),
      );

      expect(messages(all.events)).toEqual(['a1', 'b1', 'o1', 'a2']);
      expect(messages(window.events)).toEqual(['b1', 'o1', 'a2']);
      expect(messages(named.events)).toEqual(['a1', 'b1', 'a2']);
      expect(messages(prefixed.events)).toEqual(['o1']);
      expect(all.events?.[0]).toMatchObject({
        logStreamName: 'a',
        eventId: expect.stringMatching(/^\d{56}$/) as string,
      });
      await expect(
        client.send(
          new FilterLogEventsCommand({ logGroupName: group, logStreamNames: ['a'], logStreamNamePrefix: 'a' }),
        ),
      ).rejects.toBeInstanceOf(InvalidParameterException);
    });

    test('FilterLogEvents pages with limit and nextToken; a token for another query is refused', async () => {
      const group = await newGroup('s');
      await put(
        group,
        's',
        Array.from({ length: 5 }, (_, i) => ({ timestamp: NOW - (5 - i) * MINUTE, message: `m${i}` })),
      );
      const pages: string[][] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(new FilterLogEventsCommand({ logGroupName: group, limit: 2, nextToken }));
        pages.push(messages(page.events) as string[]);
        nextToken = page.nextToken;
      } while (nextToken);

      expect(pages).toEqual([['m0', 'm1'], ['m2', 'm3'], ['m4']]);
      const first = await client.send(new FilterLogEventsCommand({ logGroupName: group, limit: 2 }));
      await expect(
        client.send(
          new FilterLogEventsCommand({
            logGroupName: group,
            limit: 2,
            filterPattern: 'm1',
            nextToken: first.nextToken,
          }),
        ),
      ).rejects.toThrow(/nextToken is invalid/);
    });

    test('FilterLogEvents with filter patterns, by log group ARN too; an unsupported pattern is refused by name', async () => {
      const group = await newGroup('s');
      const event = (secretArn: string, attempt: number) =>
        JSON.stringify({ source: 'keyturn.rotation', detail: { secretArn, attempt } });
      await put(group, 's', [
        { timestamp: NOW - 3 * MINUTE, message: event('arn:secret:a', 1) },
        { timestamp: NOW - 2 * MINUTE, message: event('arn:secret:b', 2) },
        { timestamp: NOW - MINUTE, message: 'plain ERROR line' },
      ]);
      const filter = (filterPattern: string) =>
        client.send(new FilterLogEventsCommand({ logGroupIdentifier: logs.logGroupArn(group), filterPattern }));

      expect(messages((await filter('{ $.detail.secretArn = "arn:secret:b" }')).events)).toEqual([
        event('arn:secret:b', 2),
      ]);
      expect((await filter('{ $.detail.attempt >= 1 && $.source = keyturn* }')).events).toHaveLength(2);
      expect(messages((await filter('ERROR')).events)).toEqual(['plain ERROR line']);
      await expect(filter('?ERROR ?WARN')).rejects.toMatchObject({
        name: 'InvalidParameterException',
        message: expect.stringMatching(/alternative terms .* not supported by the local CloudWatch Logs/) as string,
      });
    });
  });

  test('fault injection: the next call fails with ServiceUnavailableException (HTTP 500), then calls succeed', async () => {
    const group = await newGroup();
    logs.faults.failNext('FilterLogEvents');
    await expect(client.send(new FilterLogEventsCommand({ logGroupName: group }))).rejects.toMatchObject({
      name: 'ServiceUnavailableException',
      $metadata: { httpStatusCode: 500 },
    });
    await expect(client.send(new FilterLogEventsCommand({ logGroupName: group }))).resolves.toMatchObject({
      events: [],
    });
  });
});
