/**
 * Fault injection in the local EventBridge, for emitters that must survive a throttled or
 * failing bus: whole-request failures (the SDK raises, and retries the retryable ones) and
 * per-entry failures (HTTP 200 with FailedEntryCount > 0, which only the caller can retry).
 */
import {
  DescribeEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { startLocalEventBridge, type LocalEventBridge } from '../../../local/eventbridge/local-eventbridge';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };

const entries = (count: number): PutEventsRequestEntry[] =>
  Array.from({ length: count }, (_, i) => ({
    Source: 'keyturn.rotation',
    DetailType: `Step${i}`,
    Detail: JSON.stringify({ step: i }),
  }));

describe('local EventBridge: fault injection', () => {
  let eventBridge: LocalEventBridge;
  let client: EventBridgeClient;

  const clientWith = (maxAttempts: number) =>
    new EventBridgeClient({ endpoint: eventBridge.endpoint, region: 'us-east-1', credentials, maxAttempts });

  beforeAll(async () => {
    eventBridge = await startLocalEventBridge();
    client = clientWith(1);
  });

  afterEach(() => {
    eventBridge.faults.clear();
    eventBridge.clear();
  });

  afterAll(async () => {
    client.destroy();
    await eventBridge.stop();
  });

  describe('whole-request faults', () => {
    test('the next N calls fail with InternalException (HTTP 500) by default, record nothing, then succeed', async () => {
      eventBridge.faults.failNext('PutEvents', 2);
      for (let i = 0; i < 2; i++) {
        await expect(client.send(new PutEventsCommand({ Entries: entries(1) }))).rejects.toMatchObject({
          name: 'InternalException',
          $metadata: { httpStatusCode: 500 },
        });
      }
      expect(eventBridge.events()).toEqual([]);
      expect((await client.send(new PutEventsCommand({ Entries: entries(1) }))).FailedEntryCount).toBe(0);
      expect(eventBridge.events()).toHaveLength(1);
    });

    test('ThrottlingException (HTTP 400) is retried by the SDK itself, which rides over it', async () => {
      const retrying = clientWith(3);
      try {
        eventBridge.faults.failNext('PutEvents', 2, 'ThrottlingException');
        const out = await retrying.send(new PutEventsCommand({ Entries: entries(1) }));
        expect(out.$metadata.attempts).toBe(3);
        expect(eventBridge.events()).toHaveLength(1);
      } finally {
        retrying.destroy();
      }
    });

    test('any operation can fail, only the one planned', async () => {
      eventBridge.faults.failNext('DescribeEventBus', 1, 'ThrottlingException');
      expect((await client.send(new PutEventsCommand({ Entries: entries(1) }))).FailedEntryCount).toBe(0);
      await expect(client.send(new DescribeEventBusCommand({}))).rejects.toMatchObject({
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      });
      await expect(client.send(new DescribeEventBusCommand({}))).resolves.toMatchObject({ Name: 'default' });
    });
  });

  describe('per-entry faults', () => {
    test('by default every entry of the next call fails with ThrottlingException and none is recorded', async () => {
      eventBridge.faults.failNextEntries();
      const out = await client.send(new PutEventsCommand({ Entries: entries(3) }));
      expect(out.FailedEntryCount).toBe(3);
      expect(out.Entries).toEqual(
        Array.from({ length: 3 }, () => ({
          ErrorCode: 'ThrottlingException',
          ErrorMessage: expect.any(String) as string,
        })),
      );
      expect(eventBridge.events()).toEqual([]);
      expect((await client.send(new PutEventsCommand({ Entries: entries(3) }))).FailedEntryCount).toBe(0);
    });

    test('chosen entries fail with a chosen code; invalid entries keep their own error', async () => {
      eventBridge.faults.failNextEntries(1, { errorCode: 'InternalFailure', entryIndexes: [1, 2] });
      const batch = entries(3);
      batch[2] = { Source: 'keyturn.rotation', DetailType: 'Bad', Detail: 'not json' };
      const out = await client.send(new PutEventsCommand({ Entries: batch }));
      expect(out.FailedEntryCount).toBe(2);
      expect(out.Entries?.map((result) => result.ErrorCode)).toEqual([undefined, 'InternalFailure', 'MalformedDetail']);
      expect(eventBridge.events().map((event) => event.detailType)).toEqual(['Step0']);
    });

    test('an emitter that resends the failed entries gets every event recorded exactly once', async () => {
      // GIVEN the bus fails the first entry of the next two calls, then recovers
      eventBridge.faults.failNextEntries(2, { entryIndexes: [0] });
      let pending = entries(3);
      let calls = 0;

      // WHEN the emitter retries only what failed, as PutEvents' contract asks
      while (pending.length > 0 && calls < 5) {
        calls++;
        const out = await client.send(new PutEventsCommand({ Entries: pending }));
        pending = pending.filter((_, i) => out.Entries?.[i]?.ErrorCode !== undefined);
      }

      // THEN
      expect(calls).toBe(3);
      expect(eventBridge.events().map((event) => event.detailType)).toEqual(['Step1', 'Step2', 'Step0']);
    });

    test('plans queue in order with whole-request faults, and can be listed and cleared', async () => {
      eventBridge.faults.failNext('PutEvents', 1, 'ThrottlingException');
      eventBridge.faults.failNextEntries(2);
      expect(eventBridge.faults.pending()).toEqual([
        { operation: 'PutEvents', remaining: 1, fault: { kind: 'request', exceptionName: 'ThrottlingException' } },
        {
          operation: 'PutEvents',
          remaining: 2,
          fault: { kind: 'entries', errorCode: 'ThrottlingException', errorMessage: expect.any(String) as string },
        },
      ]);
      await expect(client.send(new PutEventsCommand({ Entries: entries(1) }))).rejects.toMatchObject({
        name: 'ThrottlingException',
      });
      expect((await client.send(new PutEventsCommand({ Entries: entries(1) }))).FailedEntryCount).toBe(1);
      eventBridge.faults.clear();
      expect(eventBridge.faults.pending()).toEqual([]);
      expect((await client.send(new PutEventsCommand({ Entries: entries(1) }))).FailedEntryCount).toBe(0);
    });

    test('refuses nonsense plans', () => {
      expect(() => {
        eventBridge.faults.failNextEntries(0);
      }).toThrow(/positive/);
      expect(() => {
        eventBridge.faults.failNextEntries(1, { entryIndexes: [10] });
      }).toThrow(/0 to 9/);
      expect(() => {
        eventBridge.faults.failNext('PutEvents', 1, 'not a name');
      }).toThrow(/identifier/);
    });
  });
});
