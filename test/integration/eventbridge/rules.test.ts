/**
 * Rules on the local EventBridge, through the real SDKs: PutRule with an event pattern and
 * PutTargets naming a CloudWatch Logs log group deliver each matching event, whole, into the local
 * CloudWatch Logs; what the local EventBridge cannot honour is refused, and an undeliverable event
 * is kept as a failed delivery.
 */
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  ResourceNotFoundException,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { startLocalCloudWatchLogs, type LocalCloudWatchLogs } from '../../../local/cloudwatchlogs';
import { startLocalEventBridge, type LocalEventBridge } from '../../../local/eventbridge/local-eventbridge';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
const TIME = new Date('2026-03-01T12:00:05.000Z');

describe('local EventBridge: rules with CloudWatch Logs log group targets', () => {
  let eventBridge: LocalEventBridge;
  let logs: LocalCloudWatchLogs;
  let events: EventBridgeClient;
  let logsClient: CloudWatchLogsClient;
  let count = 0;

  /** A bus, a log group and a rule with `pattern` from the one to the other. */
  const route = async (pattern: object): Promise<{ bus: string; group: string }> => {
    count += 1;
    const bus = `bus-${count}`;
    const group = `/keyturn/rules/${count}`;
    await events.send(new CreateEventBusCommand({ Name: bus }));
    const arn = logs.createLogGroup(group);
    await events.send(new PutRuleCommand({ Name: 'to-log', EventBusName: bus, EventPattern: JSON.stringify(pattern) }));
    const targets = await events.send(
      new PutTargetsCommand({ Rule: 'to-log', EventBusName: bus, Targets: [{ Id: 'log', Arn: arn }] }),
    );
    expect(targets.FailedEntryCount).toBe(0);
    return { bus, group };
  };
  const entry = (bus: string, source: string, detailType: string, detail: object): PutEventsRequestEntry => ({
    EventBusName: bus,
    Source: source,
    DetailType: detailType,
    Detail: JSON.stringify(detail),
    Resources: ['arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf'],
    Time: TIME,
  });

  beforeAll(async () => {
    [eventBridge, logs] = await Promise.all([
      startLocalEventBridge(),
      startLocalCloudWatchLogs({ now: () => new Date(TIME.getTime() + 1000) }),
    ]);
    eventBridge.deliverLogGroupTargetsTo(logs);
    events = new EventBridgeClient({
      endpoint: eventBridge.endpoint,
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

  afterEach(() => {
    eventBridge.clear();
  });

  afterAll(async () => {
    events.destroy();
    logsClient.destroy();
    await Promise.all([eventBridge.stop(), logs.stop()]);
  });

  test('a matching event is written whole, in a stream named after its id, at its time', async () => {
    const { bus, group } = await route({ source: ['keyturn.rotation'] });

    const put = await events.send(
      new PutEventsCommand({ Entries: [entry(bus, 'keyturn.rotation', 'RotationStarted', { a: 1 })] }),
    );

    const eventId = put.Entries?.[0]?.EventId ?? '';
    const read = await logsClient.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: eventId, startFromHead: true }),
    );
    expect(read.events?.map((event) => event.timestamp)).toEqual([TIME.getTime()]);
    expect(JSON.parse(read.events?.[0]?.message ?? '{}')).toEqual({
      version: '0',
      id: eventId,
      'detail-type': 'RotationStarted',
      source: 'keyturn.rotation',
      account: '123456789012',
      time: '2026-03-01T12:00:05Z',
      region: 'us-east-1',
      resources: ['arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf'],
      detail: { a: 1 },
    });
  });

  test('only events matching every field of the pattern, nested detail fields included, are delivered', async () => {
    const { bus, group } = await route({
      source: ['keyturn.rotation'],
      'detail-type': ['RotationStarted', 'RotationCompleted'],
      detail: { emergency: [true] },
    });

    await events.send(
      new PutEventsCommand({
        Entries: [
          entry(bus, 'keyturn.rotation', 'RotationStarted', { emergency: true, n: 1 }),
          entry(bus, 'keyturn.rotation', 'RotationStarted', { emergency: false, n: 2 }),
          entry(bus, 'keyturn.rotation', 'RotationSkipped', { emergency: true, n: 3 }),
          entry(bus, 'other.source', 'RotationCompleted', { emergency: true, n: 4 }),
          entry(bus, 'keyturn.rotation', 'RotationCompleted', { emergency: true, n: 5 }),
        ],
      }),
    );

    const delivered = logs
      .events(group)
      .map((event) => (JSON.parse(event.message) as { detail: { n: number } }).detail.n);
    expect(delivered.sort((a, b) => a - b)).toEqual([1, 5]);
  });

  test('a disabled rule delivers nothing', async () => {
    const { bus, group } = await route({ source: ['keyturn.rotation'] });
    await events.send(
      new PutRuleCommand({
        Name: 'to-log',
        EventBusName: bus,
        EventPattern: JSON.stringify({ source: ['keyturn.rotation'] }),
        State: 'DISABLED',
      }),
    );

    await events.send(new PutEventsCommand({ Entries: [entry(bus, 'keyturn.rotation', 'X', {})] }));

    expect(logs.events(group)).toEqual([]);
    expect(eventBridge.events({ bus })).toHaveLength(1);
  });

  test('an event for a log group that does not exist is a failed delivery, not an error to the emitter', async () => {
    const bus = 'bus-missing-group';
    eventBridge.createEventBus(bus);
    eventBridge.putRule({
      name: 'to-nowhere',
      busName: bus,
      eventPattern: { source: ['keyturn.rotation'] },
      targets: [{ id: 'log', arn: logs.logGroupArn('/keyturn/never-created') }],
    });

    const put = await events.send(new PutEventsCommand({ Entries: [entry(bus, 'keyturn.rotation', 'X', {})] }));

    expect(put.FailedEntryCount).toBe(0);
    expect(eventBridge.failedDeliveries()).toEqual([
      expect.objectContaining({
        targetId: 'log',
        reason: expect.stringMatching(/^ResourceNotFoundException/) as string,
      }),
    ]);
  });

  test('what the local EventBridge cannot honour is refused: content filters, schedules, non-log targets, input', async () => {
    const bus = 'bus-refusals';
    await events.send(new CreateEventBusCommand({ Name: bus }));
    const rule = (input: { EventPattern?: string; ScheduleExpression?: string }) =>
      events.send(new PutRuleCommand({ Name: 'r', EventBusName: bus, ...input }));

    await expect(rule({ EventPattern: JSON.stringify({ source: [{ prefix: 'keyturn' }] }) })).rejects.toThrow(
      /content filters .* not supported by the local EventBridge/,
    );
    await expect(rule({ ScheduleExpression: 'rate(5 minutes)' })).rejects.toThrow(/not supported/);
    await expect(rule({ EventPattern: 'not json' })).rejects.toThrow(/not valid JSON/);
    await rule({ EventPattern: JSON.stringify({ source: ['keyturn.rotation'] }) });
    const lambda = await events.send(
      new PutTargetsCommand({
        Rule: 'r',
        EventBusName: bus,
        Targets: [{ Id: 'fn', Arn: 'arn:aws:lambda:us-east-1:123456789012:function:f' }],
      }),
    );
    expect(lambda.FailedEntries).toEqual([
      expect.objectContaining({ TargetId: 'fn', ErrorCode: 'ValidationException' }),
    ]);
    await expect(
      events.send(
        new PutTargetsCommand({
          Rule: 'r',
          EventBusName: bus,
          Targets: [{ Id: 'log', Arn: logs.logGroupArn('/x'), InputPath: '$.detail' }],
        }),
      ),
    ).rejects.toThrow(/InputPath is not supported/);
    await expect(
      events.send(
        new PutTargetsCommand({
          Rule: 'missing',
          EventBusName: bus,
          Targets: [{ Id: 'l', Arn: logs.logGroupArn('/x') }],
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
