/**
 * The re-wrap job beside applications that keep writing, and across a crash: an application's write always
 * wins (the job re-reads and re-wraps what it wrote, or finds the item deleted, and never overwrites it), and
 * a slice that dies is repeated from the last checkpoint without harm. Real DynamoDBClient against the local
 * DynamoDB (dynalite: conditional writes atomic per item, as DynamoDB's), real KMSClient against moto.
 */
import { DeleteItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { randomInt } from 'node:crypto';
import type { RewrapProgress } from '../../../functions/kms-rewrap/contract';
import { recordingAudit, requestFor, RewrapWorld, type KmsKey } from '../../support/kms-rewrap-harness';
import { motoUnavailableReason } from '../../support/moto';

const motoReason = motoUnavailableReason();
if (motoReason !== undefined) {
  // eslint-disable-next-line no-console -- a skipped suite must be visible in the test output, with its reason
  console.warn(`kms-rewrap conflicts: SKIPPED because ${motoReason}.`);
}
const describeWithMoto = motoReason === undefined ? describe : describe.skip;

/** What an application last wrote to an item: its plaintext, and the ciphertext exactly as stored. */
interface AppWrite {
  readonly plaintext: Buffer;
  readonly stored: Buffer;
}

describeWithMoto('KMS re-wrap job: concurrent application writes and crashes (dynalite + moto KMS)', () => {
  let world: RewrapWorld;
  let oldKey: KmsKey;
  let newKey: KmsKey;

  beforeAll(async () => {
    world = await RewrapWorld.start();
    [oldKey, newKey] = await Promise.all([world.createKey(), world.createKey()]);
  });
  afterAll(() => world.stop());

  /** The application rewrites an item's data key: a fresh one, wrapped under `keyArn`. */
  async function applicationWrites(table: string, id: string, keyArn: string): Promise<AppWrite> {
    const { plaintext, ciphertext } = await world.wrap(keyArn);
    await world.dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { id: { S: id } },
        UpdateExpression: 'SET wrappedKey = :k',
        ExpressionAttributeValues: { ':k': { B: ciphertext } },
      }),
    );
    return { plaintext, stored: Buffer.from(ciphertext) };
  }

  test('an application writing between the job read and its write wins: its ciphertext is re-wrapped, a deletion skipped, none overwritten', async () => {
    // GIVEN 100 items, and an application that writes some of them just before the job's conditional write:
    // 20 get a fresh data key under the old key, 1 under the new key, 5 are deleted
    await world.createTable('contended');
    const plaintexts = await world.seed('contended', 100, oldKey.arn);
    const appWrites = new Map<string, AppWrite>();
    const seen = new Set<string>();
    const beforeWrite = async (key: Record<string, AttributeValue>) => {
      const id = key.id?.S ?? '';
      if (seen.has(id)) return;
      seen.add(id);
      const n = Number(id.slice(-5));
      if (n < 20) appWrites.set(id, await applicationWrites('contended', id, oldKey.arn));
      else if (n === 20) appWrites.set(id, await applicationWrites('contended', id, newKey.arn));
      else if (n <= 25) await world.dynamodb.send(new DeleteItemCommand({ TableName: 'contended', Key: key }));
    };

    // WHEN the job runs
    const run = await world.runJob(requestFor('contended', newKey, [oldKey]), { deps: { hooks: { beforeWrite } } });

    // THEN every lost write was counted and retried, and every item settled as expected
    expect(run.progress.checkpoint.counts).toEqual({
      scanned: 100,
      rewrapped: 94,
      alreadyCurrent: 1,
      skippedDeleted: 5,
      refused: 0,
      conflictsRetried: 26,
      throttled: 0,
    });
    const items = await world.readAll('contended');
    expect(items.size).toBe(95);
    // ...the item the application moved to the new key is byte for byte its write
    expect(Buffer.from(items.get('item-00020')?.wrappedKey?.B ?? [])).toEqual(appWrites.get('item-00020')?.stored);
    items.delete('item-00020');
    // ...and every other item holds the application's latest data key (or the original one), under the new key
    const mismatches = await world.unwrapMismatches(items, (id) => ({
      keyArn: newKey.arn,
      plaintext: appWrites.get(id)?.plaintext ?? plaintexts.get(id),
    }));
    expect(mismatches).toEqual([]);
  });

  test('an application writing random items all through the run: not one of its writes is lost or overwritten', async () => {
    // GIVEN 300 items and an application that keeps rewriting random ones, under the old or the new key
    await world.createTable('busy');
    const plaintexts = await world.seed('busy', 300, oldKey.arn);
    const latest = new Map<string, AppWrite>();
    const app = { running: true };
    const application = (async () => {
      while (app.running) {
        const id = `item-${String(randomInt(300)).padStart(5, '0')}`;
        latest.set(id, await applicationWrites('busy', id, randomInt(2) === 0 ? oldKey.arn : newKey.arn));
      }
    })();

    // WHEN the job runs meanwhile, in slices of 100
    let run;
    try {
      run = await world.runJob(requestFor('busy', newKey, [oldKey], { pageSize: 50 }), {
        deps: { maxItemsPerSlice: 100 },
      });
    } finally {
      app.running = false;
      await application;
    }

    // THEN the application wrote while the job ran
    expect(latest.size).toBeGreaterThan(10);
    expect(run.progress.checkpoint.counts).toMatchObject({ scanned: 300, skippedDeleted: 0, refused: 0 });
    // ...and each item holds the application's latest write exactly, or that same data key under the new key
    const items = await world.readAll('busy');
    const rewrapped = new Map<string, Record<string, AttributeValue>>();
    for (const [id, item] of items) {
      const write = latest.get(id);
      if (write !== undefined && Buffer.from(item.wrappedKey?.B ?? []).equals(write.stored)) continue;
      rewrapped.set(id, item);
    }
    const lost = await world.unwrapMismatches(rewrapped, (id) => ({
      keyArn: newKey.arn,
      plaintext: latest.get(id)?.plaintext ?? plaintexts.get(id),
    }));
    expect(lost).toEqual([]);
    expect(items.size).toBe(300);
  });

  test('a slice that crashes halfway is repeated from the last checkpoint: the job completes, no item is damaged', async () => {
    // GIVEN 300 items, and a job in slices of 100 whose second slice dies after settling 50 items
    await world.createTable('crashing');
    const plaintexts = await world.seed('crashing', 300, oldKey.arn);
    const request = requestFor('crashing', newKey, [oldKey], { pageSize: 40 });
    const audit = recordingAudit();
    const first = await world.runSlice(request, undefined, audit, { maxItemsPerSlice: 100 });
    expect(first).toMatchObject({ done: false, checkpoint: { counts: { scanned: 100 } } });
    const crash = (settled: number) => {
      if (settled === 50) throw new Error('the runtime died');
    };
    await expect(
      world.runSlice(request, first, audit, { maxItemsPerSlice: 100, hooks: { afterItem: crash } }),
    ).rejects.toThrow('the runtime died');

    // WHEN the job resumes from the last checkpoint it returned (the first slice's), as the state machine's retry does
    let progress: RewrapProgress = first;
    while (!progress.done) progress = await world.runSlice(request, progress, audit, { maxItemsPerSlice: 100 });

    // THEN every item was settled once more: those the dead slice had re-wrapped are already current
    const { counts } = progress.checkpoint;
    expect(counts.scanned).toBe(300);
    expect(counts.rewrapped + counts.alreadyCurrent).toBe(300);
    expect(counts.alreadyCurrent).toBeGreaterThanOrEqual(50);
    expect(counts.alreadyCurrent).toBeLessThan(50 + 8); // at most the items in flight when it died
    // ...and every data key is intact under the new key
    const mismatches = await world.unwrapMismatches(await world.readAll('crashing'), (id) => ({
      keyArn: newKey.arn,
      plaintext: plaintexts.get(id),
    }));
    expect(mismatches).toEqual([]);
    expect(audit.events.filter((e) => e.type === 'RewrapCompleted')).toHaveLength(1);
  });
});
