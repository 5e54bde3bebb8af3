/**
 * PutEvents against the local EventBridge, through the real SDK: what is recorded, and every
 * way AWS refuses a request as a whole (ValidationException) or entry by entry (ErrorCode).
 */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { startLocalEventBridge, type LocalEventBridge } from '../../../local/eventbridge/local-eventbridge';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
const NOW = new Date('2026-03-01T12:00:00.750Z');
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db/app-AbCdEf';

function entry(overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry {
  return {
    Source: 'keyturn.rotation',
    DetailType: 'RotationStarted',
    Detail: JSON.stringify({ rotationId: 'r-1', secretArn: SECRET_ARN }),
    EventBusName: 'audit',
    ...overrides,
  };
}

describe('local EventBridge: PutEvents', () => {
  let eventBridge: LocalEventBridge;
  let client: EventBridgeClient;

  beforeAll(async () => {
    eventBridge = await startLocalEventBridge({ now: () => NOW });
    client = new EventBridgeClient({
      endpoint: eventBridge.endpoint,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
    });
    await client.send(new CreateEventBusCommand({ Name: 'audit' }));
  });

  afterEach(() => {
    eventBridge.clear();
  });

  afterAll(async () => {
    client.destroy();
    await eventBridge.stop();
  });

  describe('accepted entries', () => {
    test('each gets an EventId and is recorded with bus, source, detail-type, parsed detail, time and resources', async () => {
      // GIVEN two entries, one with its own Time
      const time = new Date('2026-02-28T23:59:58.999Z');

      // WHEN
      const out = await client.send(
        new PutEventsCommand({
          Entries: [
            entry({ Resources: [SECRET_ARN] }),
            entry({ DetailType: 'RotationCompleted', Detail: '{"rotationId":"r-1","revoked":true}', Time: time }),
          ],
        }),
      );

      // THEN
      expect(out.FailedEntryCount).toBe(0);
      expect(out.Entries).toHaveLength(2);
      const ids = (out.Entries ?? []).map((result) => result.EventId);
      expect(ids.every((id) => typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id))).toBe(true);
      expect(new Set(ids).size).toBe(2);
      expect(eventBridge.events()).toEqual([
        {
          eventId: ids[0],
          busName: 'audit',
          busArn: 'arn:aws:events:us-east-1:123456789012:event-bus/audit',
          source: 'keyturn.rotation',
          detailType: 'RotationStarted',
          detail: { rotationId: 'r-1', secretArn: SECRET_ARN },
          // no Time: the time of the call, in whole seconds like an event's `time`
          time: new Date('2026-03-01T12:00:00Z'),
          resources: [SECRET_ARN],
        },
        {
          eventId: ids[1],
          busName: 'audit',
          busArn: 'arn:aws:events:us-east-1:123456789012:event-bus/audit',
          source: 'keyturn.rotation',
          detailType: 'RotationCompleted',
          detail: { rotationId: 'r-1', revoked: true },
          time: new Date('2026-02-28T23:59:58Z'),
          resources: [],
        },
      ]);
    });

    test('EventBusName may be the name or the ARN; without one the event goes to the default bus', async () => {
      await client.send(
        new PutEventsCommand({
          Entries: [
            entry({ DetailType: 'ByName' }),
            entry({ DetailType: 'ByArn', EventBusName: eventBridge.busArn('audit') }),
            entry({ DetailType: 'ToDefault', EventBusName: undefined }),
          ],
        }),
      );
      expect(eventBridge.events({ bus: 'audit' }).map((event) => event.detailType)).toEqual(['ByName', 'ByArn']);
      expect(eventBridge.events({ bus: eventBridge.busArn('audit') })).toHaveLength(2);
      expect(eventBridge.events({ bus: 'default' }).map((event) => event.detailType)).toEqual(['ToDefault']);
      expect(eventBridge.events({ detailType: 'ByArn', source: 'keyturn.rotation' })).toHaveLength(1);
    });

    test('an entry for a bus that does not exist succeeds, as on AWS, and is kept apart as dropped', async () => {
      const out = await client.send(
        new PutEventsCommand({
          Entries: [
            entry({ EventBusName: 'keyturn-audti' }),
            entry({ EventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/audit' }),
          ],
        }),
      );
      expect(out.FailedEntryCount).toBe(0);
      expect(out.Entries?.every((result) => result.EventId !== undefined)).toBe(true);
      expect(eventBridge.events()).toEqual([]);
      expect(eventBridge.droppedEvents().map((event) => event.eventBusName)).toEqual([
        'keyturn-audti',
        'arn:aws:events:eu-west-1:123456789012:event-bus/audit',
      ]);
    });

    test('clear() forgets recorded and dropped events', async () => {
      await client.send(new PutEventsCommand({ Entries: [entry(), entry({ EventBusName: 'absent' })] }));
      eventBridge.clear();
      expect(eventBridge.events()).toEqual([]);
      expect(eventBridge.droppedEvents()).toEqual([]);
    });
  });

  describe('entries that fail on their own (FailedEntryCount, ErrorCode, ErrorMessage)', () => {
    test.each([
      [
        'no Source',
        { Source: undefined },
        'InvalidArgument',
        'Parameter Source is not valid. Reason: Source is a required argument.',
      ],
      [
        'no DetailType',
        { DetailType: undefined },
        'InvalidArgument',
        'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      ],
      [
        'no Detail',
        { Detail: undefined },
        'InvalidArgument',
        'Parameter Detail is not valid. Reason: Detail is a required argument.',
      ],
      [
        'an empty Source',
        { Source: '' },
        'InvalidArgument',
        'Parameter Source is not valid. Reason: Source is a required argument.',
      ],
      [
        'a DetailType over 128 characters',
        { DetailType: 'x'.repeat(129) },
        'InvalidArgument',
        expect.stringContaining('DetailType') as string,
      ],
      ['a Detail that is not JSON', { Detail: '{"rotationId":' }, 'MalformedDetail', 'Detail is malformed.'],
      ['a Detail that is JSON but not an object', { Detail: '["r-1"]' }, 'MalformedDetail', 'Detail is malformed.'],
      [
        'a Source reserved for AWS',
        { Source: 'aws.secretsmanager' },
        'NotAuthorizedForSourceException',
        expect.any(String) as string,
      ],
    ])('%s: that entry fails, the others are recorded', async (_case, overrides, errorCode, errorMessage) => {
      // GIVEN a good entry on either side of the bad one
      const out = await client.send(
        new PutEventsCommand({
          Entries: [entry({ DetailType: 'First' }), entry(overrides), entry({ DetailType: 'Last' })],
        }),
      );

      // THEN
      expect(out.FailedEntryCount).toBe(1);
      expect(out.Entries?.[1]).toEqual({ ErrorCode: errorCode, ErrorMessage: errorMessage });
      expect(out.Entries?.[0]?.EventId).toEqual(expect.any(String));
      expect(out.Entries?.[2]?.EventId).toEqual(expect.any(String));
      expect(eventBridge.events().map((event) => event.detailType)).toEqual(['First', 'Last']);
    });
  });

  describe('requests that fail as a whole (ValidationException, HTTP 400)', () => {
    test.each([
      [
        'no entries',
        [],
        "Value at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ],
      [
        '11 entries',
        Array.from({ length: 11 }, () => entry()),
        "Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10",
      ],
      [
        'a malformed EventBusName',
        [entry({ EventBusName: 'audit bus' })],
        "Value at 'entries.1.member.eventBusName' failed to satisfy constraint: Member must satisfy regular expression pattern",
      ],
      [
        'a resource over 2048 characters',
        [entry({ Resources: ['r'.repeat(2049)] })],
        "Value at 'entries.1.member.resources.1.member' failed to satisfy constraint: Member must have length less than or equal to 2048",
      ],
    ])('%s', async (_case, entries, message) => {
      await expect(client.send(new PutEventsCommand({ Entries: entries }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining(message) as string,
        $metadata: { httpStatusCode: 400 },
      });
      expect(eventBridge.events()).toEqual([]);
    });

    test('when no entry has all of Source, DetailType and Detail', async () => {
      await expect(
        client.send(new PutEventsCommand({ Entries: [entry({ Source: undefined }), entry({ Detail: undefined })] })),
      ).rejects.toMatchObject({ name: 'ValidationException' });
    });

    test("when the entries total more than 256 KiB by AWS's size calculation; exactly 256 KiB is accepted", async () => {
      // Source (16 bytes) + DetailType (15 bytes) + Time (14 bytes) + Detail: `{"pad":"…"}` (10 bytes + padding)
      const fixed = 'keyturn.rotation'.length + 'RotationStarted'.length + 14 + '{"pad":""}'.length;
      const atLimit = (padding: number) => entry({ Time: NOW, Detail: JSON.stringify({ pad: 'p'.repeat(padding) }) });
      const limit = 256 * 1024;

      const accepted = await client.send(new PutEventsCommand({ Entries: [atLimit(limit - fixed)] }));
      expect(accepted.FailedEntryCount).toBe(0);
      await expect(client.send(new PutEventsCommand({ Entries: [atLimit(limit - fixed + 1)] }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: 'Total size of the entries in the request is over the limit.',
      });
      // The limit is on the request: two entries of half the limit and a bit are refused together.
      const half = atLimit(limit / 2 - fixed + 1);
      await expect(client.send(new PutEventsCommand({ Entries: [half, half] }))).rejects.toMatchObject({
        name: 'ValidationException',
      });
    });

    test('global endpoints (EndpointId) are refused rather than ignored', async () => {
      // Raw HTTP: with EndpointId the SDK would sign with SigV4a, which needs the optional CRT.
      const response = await fetch(`${eventBridge.endpoint}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
        body: JSON.stringify({ Entries: [entry()], EndpointId: 'abcde.veo' }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        __type: 'ValidationException',
        message: expect.stringContaining('EndpointId') as string,
      });
      expect(eventBridge.events()).toEqual([]);
    });
  });
});
