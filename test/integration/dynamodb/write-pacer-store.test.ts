/**
 * The write schedule's stores agree: the in-memory one (one process) and the DynamoDB one against moto's
 * DynamoDB (`python3 -m moto.server`), through the real @aws-sdk/client-dynamodb and its conditional
 * UpdateItem. moto serves one request at a time here: its threaded server updates an item without a lock,
 * where DynamoDB makes every single-item write atomic (support/moto.ts). When moto is missing its target is
 * skipped with the reason printed.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PacerStore, SlotRequest } from '../../../functions/shared/write-pacer';
import { DynamoDbPacerStore, PACER_TABLE_KEY } from '../../../functions/shared/write-pacer-dynamodb';
import { InMemoryPacerStore } from '../../../functions/shared/write-pacer-memory';
import { motoUnavailableReason, startMotoServer } from '../../support/moto';

interface RunningStore {
  readonly store: PacerStore;
  stop(): Promise<void>;
}

const TABLE = 'keyturn-write-pacer';

async function startDynamoDbOnMoto(): Promise<RunningStore> {
  const moto = await startMotoServer({ oneRequestAtATime: true });
  const client = new DynamoDBClient({
    endpoint: moto.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' },
    maxAttempts: 1,
  });
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: PACER_TABLE_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: PACER_TABLE_KEY, KeyType: 'HASH' }],
    }),
  );
  return {
    store: new DynamoDbPacerStore(client, TABLE),
    async stop() {
      client.destroy();
      await moto.stop();
    },
  };
}

const targets: [string, () => Promise<RunningStore>][] = [
  ['in memory', () => Promise.resolve({ store: new InMemoryPacerStore(), stop: () => Promise.resolve() })],
];
const motoReason = motoUnavailableReason();
if (motoReason === undefined) {
  targets.push(['DynamoDB (moto)', startDynamoDbOnMoto]);
} else {
  // eslint-disable-next-line no-console -- a skipped target must be visible in the test output, with its reason
  console.warn(`write pacer stores: the DynamoDB (moto) target is SKIPPED because ${motoReason}.`);
}

const FAR = 9_000_000_000_000;

describe.each(targets)('write schedule store: %s', (_name, start) => {
  let running: RunningStore;
  beforeAll(async () => {
    running = await start();
  });
  afterAll(() => running.stop());

  const request = (key: string, nowMs: number, extra: Partial<SlotRequest> = {}): SlotRequest => ({
    key,
    nowMs,
    intervalMs: 100,
    toleranceMs: 100, // a burst of two
    latestSlotMs: FAR,
    ...extra,
  });

  it('a new schedule lets the burst through at once, then one slot per interval', async () => {
    const slots = [];
    for (let i = 0; i < 5; i += 1) slots.push(await running.store.reserve(request('burst', 1_000)));

    expect(slots).toEqual([1_000, 1_000, 1_100, 1_200, 1_300].map((slotMs) => ({ reserved: true, slotMs })));
  });

  it('refuses a slot past the latest acceptable one and reserves nothing for it', async () => {
    await running.store.reserve(request('deadline', 1_000));
    await running.store.reserve(request('deadline', 1_000));
    await running.store.reserve(request('deadline', 1_000)); // slot 1,100; the next is 1,200

    await expect(running.store.reserve(request('deadline', 1_000, { latestSlotMs: 1_150 }))).resolves.toEqual({
      reserved: false,
      earliestSlotMs: 1_200,
    });
    await expect(running.store.reserve(request('deadline', 1_000, { latestSlotMs: 999 }))).resolves.toMatchObject({
      reserved: false,
    });
    await expect(running.store.reserve(request('deadline', 1_000))).resolves.toEqual({ reserved: true, slotMs: 1_200 });
  });

  it('an idle schedule starts again from now', async () => {
    await running.store.reserve(request('idle', 1_000));
    await running.store.reserve(request('idle', 1_000));
    await running.store.reserve(request('idle', 1_000));

    await expect(running.store.reserve(request('idle', 60_000))).resolves.toEqual({ reserved: true, slotMs: 60_000 });
    await expect(running.store.reserve(request('idle', 60_000))).resolves.toEqual({ reserved: true, slotMs: 60_000 });
    await expect(running.store.reserve(request('idle', 60_000))).resolves.toEqual({ reserved: true, slotMs: 60_100 });
  });

  it('reservations made at once get distinct slots, one interval apart: no slot is taken twice', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, () => running.store.reserve(request('race', 5_000, { toleranceMs: 0 }))),
    );

    const slots = answers.map((answer) => (answer.reserved ? answer.slotMs : Number.NaN)).sort((a, b) => a - b);
    expect(slots).toEqual(Array.from({ length: 40 }, (_, i) => 5_000 + i * 100));
  });

  it('keeps one schedule per key (region)', async () => {
    await running.store.reserve(request('eu-west-1', 1_000, { toleranceMs: 0 }));

    await expect(running.store.reserve(request('eu-central-1', 1_000, { toleranceMs: 0 }))).resolves.toEqual({
      reserved: true,
      slotMs: 1_000,
    });
    await expect(running.store.reserve(request('eu-west-1', 1_000, { toleranceMs: 0 }))).resolves.toEqual({
      reserved: true,
      slotMs: 1_100,
    });
  });

  it('fractional intervals (a pace that does not divide a second) stay exact enough', async () => {
    const interval = 1000 / 30;
    let last = { reserved: true, slotMs: 0 } as Awaited<ReturnType<PacerStore['reserve']>>;
    for (let i = 0; i < 30; i += 1) {
      last = await running.store.reserve(request('thirty', 1_000, { intervalMs: interval, toleranceMs: 0 }));
    }
    expect(last.reserved && last.slotMs).toBeCloseTo(1_000 + 29 * interval, 6);
  });
});
