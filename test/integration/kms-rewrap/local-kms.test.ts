/**
 * The re-wrap job against keyturn's local KMS (local/kms), which, like AWS KMS, keeps versions of a key's
 * material, rotates on demand and reports SourceKeyMaterialId / DestinationKeyMaterialId from ReEncrypt:
 * the material-level check. After an on-demand rotation, ciphertexts under the key's older material are
 * re-wrapped to the current one and the rest count as already current; a rotation during the job starts
 * the scan over; the local KMS's shared cryptographic quota throttles for real. Real DynamoDBClient against
 * the local DynamoDB (dynalite), real KMSClient; Decrypt (tests only) reports each ciphertext's material.
 */
import { RotateKeyOnDemandCommand } from '@aws-sdk/client-kms';
import type { LocalKms } from '../../../local/kms';
import { recordingAudit, requestFor, RewrapWorld, type KmsKey } from '../../support/kms-rewrap-harness';

describe('KMS re-wrap job against the local KMS (key material versions)', () => {
  let world: RewrapWorld & { readonly localKms: LocalKms };
  let key: KmsKey;
  let otherKey: KmsKey;

  beforeAll(async () => {
    world = await RewrapWorld.startWithLocalKms();
    [key, otherKey] = await Promise.all([world.createKey(), world.createKey()]);
  });
  afterAll(() => world.stop());

  const rotate = async (target: KmsKey): Promise<string> => {
    await world.kms.send(new RotateKeyOnDemandCommand({ KeyId: target.keyId }));
    const current = world.localKms.currentKeyMaterialIdOf(target.keyId);
    if (current === undefined) throw new Error('no current key material');
    return current;
  };

  test('after an on-demand rotation, the key’s old-material ciphertexts move to its current material; the rest are already current', async () => {
    // GIVEN 150 items under the key's first material, 50 under another key
    await world.createTable('rotated-key');
    const plaintexts = await world.seed('rotated-key', 150, key.arn);
    const before = world.localKms.currentKeyMaterialIdOf(key.keyId);
    // ...the key rotated on demand, then 30 items written under its new material
    const current = await rotate(key);
    expect(current).not.toBe(before);
    for (const [id, plaintext] of await world.seed('rotated-key', 30, key.arn, { prefix: 'fresh' })) {
      plaintexts.set(id, plaintext);
    }
    for (const [id, plaintext] of await world.seed('rotated-key', 50, otherKey.arn, { prefix: 'other' })) {
      plaintexts.set(id, plaintext);
    }

    // WHEN the job re-wraps to the same key, allowing the other one
    const run = await world.runJob(requestFor('rotated-key', key, [otherKey], { pageSize: 40 }), {
      deps: { maxItemsPerSlice: 100 },
    });

    // THEN it judged by key material: 150 old-material and 50 other-key items re-wrapped, 30 already current
    expect(run.progress.checkpoint.counts).toMatchObject({
      scanned: 230,
      rewrapped: 200,
      alreadyCurrent: 30,
      refused: 0,
    });
    expect(run.progress.summary).toMatchObject({
      materialCheck: 'key-material',
      targetKeyMaterialId: current,
      passes: 1,
    });
    // ...and every item decrypts, under the key's current material, to its plaintext
    const mismatches = await world.unwrapMismatches(await world.readAll('rotated-key'), (id) => ({
      keyArn: key.arn,
      keyMaterialId: current,
      plaintext: plaintexts.get(id),
    }));
    expect(mismatches).toEqual([]);
  });

  test('the key rotated while the job runs: the scan starts over, and every item ends under the newest material', async () => {
    // GIVEN 120 items under another key, and a job in slices of 50
    await world.createTable('rotating-midway');
    const plaintexts = await world.seed('rotating-midway', 120, otherKey.arn);
    const request = requestFor('rotating-midway', key, [otherKey], { pageSize: 25 });
    const audit = recordingAudit();
    const first = await world.runSlice(request, undefined, audit, { maxItemsPerSlice: 50 });
    expect(first.checkpoint).toMatchObject({ pass: 1, counts: { scanned: 50, rewrapped: 50 } });

    // WHEN the key rotates between two slices
    const newest = await rotate(key);
    let progress = first;
    let slices = 1;
    while (!progress.done) {
      progress = await world.runSlice(request, progress, audit, { maxItemsPerSlice: 50 });
      slices += 1;
    }

    // THEN the job noticed the new material on the next page (25 items, which it re-wrapped to it), made a
    // second pass over the whole table, where those 25 were already current, and finished
    expect(progress.summary).toMatchObject({ passes: 2, targetKeyMaterialId: newest, materialCheck: 'key-material' });
    expect(progress.checkpoint.counts).toMatchObject({ scanned: 120, rewrapped: 95, alreadyCurrent: 25 });
    expect(slices).toBeGreaterThanOrEqual(4);
    const mismatches = await world.unwrapMismatches(await world.readAll('rotating-midway'), (id) => ({
      keyArn: key.arn,
      keyMaterialId: newest,
      plaintext: plaintexts.get(id),
    }));
    expect(mismatches).toEqual([]);
  });

  test('the shared cryptographic quota throttles the job for real: every throttle is counted, and the job finishes', async () => {
    // GIVEN a quota of 10 requests/s for the account, and a job that would go far faster
    await world.createTable('quota-bound');
    await world.seed('quota-bound', 25, otherKey.arn);
    world.localKms.setCryptoRequestsPerSecond(10);
    world.localKms.resetCryptoRequestStats();
    try {
      // WHEN the job runs at 1,000 calls/s (its burst alone is 200 calls)
      const run = await world.runJob(
        requestFor('quota-bound', key, [otherKey], { quotaPerSecond: 10_000, fraction: 0.1, concurrency: 4 }),
        { deps: { backoff: { baseMs: 100, maxMs: 400 } } },
      );

      // THEN KMS throttled it, it counted each throttle, and it still settled every item
      const stats = world.localKms.cryptoRequestStats();
      expect(stats.throttled).toBeGreaterThan(0);
      expect(run.progress.checkpoint.counts).toMatchObject({
        throttled: stats.throttled,
        scanned: 25,
        rewrapped: 25,
      });
    } finally {
      world.localKms.setCryptoRequestsPerSecond(0);
    }
  });
});
