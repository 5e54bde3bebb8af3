/**
 * The local EventBridge's event buses, through the real SDK: the default bus, create /
 * describe / list / delete, names and ARNs, and the errors AWS answers with.
 */
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DescribeEventBusCommand,
  EventBridgeClient,
  ListEventBusesCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-eventbridge';
import { startLocalEventBridge, type LocalEventBridge } from '../../../local/eventbridge/local-eventbridge';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
const CREATED_AT = new Date('2026-03-01T12:00:00.250Z');

describe('local EventBridge: event buses', () => {
  let eventBridge: LocalEventBridge;
  let client: EventBridgeClient;

  beforeAll(async () => {
    eventBridge = await startLocalEventBridge({ now: () => CREATED_AT });
    client = new EventBridgeClient({
      endpoint: eventBridge.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await eventBridge.stop();
  });

  test('the default bus always exists, and DescribeEventBus without a name describes it', async () => {
    const described = await client.send(new DescribeEventBusCommand({}));
    expect(described).toMatchObject({
      Name: 'default',
      Arn: 'arn:aws:events:us-east-1:123456789012:event-bus/default',
    });
    const byName = await client.send(new DescribeEventBusCommand({ Name: 'default' }));
    expect(byName.Arn).toBe(described.Arn);
  });

  test('CreateEventBus returns the ARN; the bus can be described by name or ARN, with its dates', async () => {
    // WHEN
    const created = await client.send(
      new CreateEventBusCommand({
        Name: 'audit-bus',
        Description: 'keyturn audit',
        Tags: [{ Key: 'team', Value: 'x' }],
      }),
    );

    // THEN
    expect(created).toMatchObject({
      EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/audit-bus',
      Description: 'keyturn audit',
    });
    expect(eventBridge.busArn('audit-bus')).toBe(created.EventBusArn);
    const byArn = await client.send(new DescribeEventBusCommand({ Name: created.EventBusArn }));
    expect(byArn).toMatchObject({ Name: 'audit-bus', Arn: created.EventBusArn, Description: 'keyturn audit' });
    expect(byArn.CreationTime).toEqual(CREATED_AT);
    expect(byArn.LastModifiedTime).toEqual(CREATED_AT);
  });

  test('a second bus of the same name is ResourceAlreadyExistsException, the default bus included', async () => {
    await client.send(new CreateEventBusCommand({ Name: 'twice' }));
    await expect(client.send(new CreateEventBusCommand({ Name: 'twice' }))).rejects.toBeInstanceOf(
      ResourceAlreadyExistsException,
    );
    await expect(client.send(new CreateEventBusCommand({ Name: 'default' }))).rejects.toMatchObject({
      name: 'ResourceAlreadyExistsException',
      message: 'Event bus default already exists.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  test('names are checked: the model pattern (ValidationException), no "/" outside partner buses, no partner sources', async () => {
    await expect(client.send(new CreateEventBusCommand({ Name: 'bad name' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(
        /^1 validation error detected: Value at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern/,
      ) as string,
    });
    await expect(client.send(new CreateEventBusCommand({ Name: 'x'.repeat(257) }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 256') as string,
    });
    await expect(client.send(new CreateEventBusCommand({ Name: 'team/bus' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "Event bus name must not contain '/'.",
    });
    await expect(
      client.send(new CreateEventBusCommand({ Name: 'aws.partner/x/y', EventSourceName: 'aws.partner/x/y' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('describing a bus that does not exist, or one of another account, is ResourceNotFoundException', async () => {
    await expect(client.send(new DescribeEventBusCommand({ Name: 'absent' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Event bus absent does not exist.',
    });
    await expect(
      client.send(new DescribeEventBusCommand({ Name: 'arn:aws:events:us-east-1:210987654321:event-bus/default' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  test('ListEventBuses lists by name, filters by prefix and pages with Limit / NextToken', async () => {
    for (const name of ['list-c', 'list-a', 'list-b']) await client.send(new CreateEventBusCommand({ Name: name }));

    const first = await client.send(new ListEventBusesCommand({ NamePrefix: 'list-', Limit: 2 }));
    expect(first.EventBuses?.map((bus) => bus.Name)).toEqual(['list-a', 'list-b']);
    expect(first.NextToken).toEqual(expect.any(String));
    const second = await client.send(
      new ListEventBusesCommand({ NamePrefix: 'list-', Limit: 2, NextToken: first.NextToken }),
    );
    expect(second.EventBuses?.map((bus) => bus.Name)).toEqual(['list-c']);
    expect(second.NextToken).toBeUndefined();

    const all = await client.send(new ListEventBusesCommand({}));
    expect(all.EventBuses?.map((bus) => bus.Name)).toContain('default');
    await expect(
      client.send(new ListEventBusesCommand({ NamePrefix: 'other', NextToken: first.NextToken })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  test('DeleteEventBus removes a bus, is idempotent, and refuses the default bus', async () => {
    await client.send(new CreateEventBusCommand({ Name: 'short-lived' }));
    await client.send(new DeleteEventBusCommand({ Name: 'short-lived' }));
    await expect(client.send(new DescribeEventBusCommand({ Name: 'short-lived' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(client.send(new DeleteEventBusCommand({ Name: 'short-lived' }))).resolves.toBeDefined();
    await expect(client.send(new DeleteEventBusCommand({ Name: 'default' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Cannot delete event bus default.',
    });
  });

  test("createEventBus() is a fixture with CreateEventBus's rules, visible through the API", async () => {
    expect(eventBridge.createEventBus('fixture-bus')).toBe(eventBridge.busArn('fixture-bus'));
    await expect(client.send(new DescribeEventBusCommand({ Name: 'fixture-bus' }))).resolves.toMatchObject({
      Arn: eventBridge.busArn('fixture-bus'),
    });
    expect(() => eventBridge.createEventBus('fixture-bus')).toThrow('Event bus fixture-bus already exists.');
    expect(() => eventBridge.createEventBus('bad name')).toThrow(/regular expression pattern/);
  });

  test('answers unknown operations and malformed bodies the way AWS JSON services do', async () => {
    const call = (target: string, body: string) =>
      fetch(`${eventBridge.endpoint}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
        body,
      });
    const unknown = await call('AWSEvents.DescribeArchive', '{}');
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
    const malformed = await call('AWSEvents.PutEvents', '{not json');
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('x-amzn-errortype')).toBe('SerializationException');
  });
});
