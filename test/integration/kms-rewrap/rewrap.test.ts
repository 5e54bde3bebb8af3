/**
 * The KMS re-wrap job end to end, slice by slice, with the real DynamoDBClient against the local DynamoDB
 * (dynalite) and the real KMSClient against keyturn's local KMS (which reports key material, as AWS KMS
 * does): every wrapped data key ends under the target key's current material with its plaintext unchanged
 * (checked by Decrypt, in the test only), and the counts are exact. The other files run against moto's KMS
 * too, which reports no material (the key-id check).
 */
import type { LocalKms } from '../../../local/kms';
import { requestFor, RewrapWorld, type KmsKey } from '../../support/kms-rewrap-harness';

describe('KMS re-wrap job (dynalite + the local KMS)', () => {
  let world: RewrapWorld & { readonly localKms: LocalKms };
  let oldKey: KmsKey;
  let newKey: KmsKey;

  beforeAll(async () => {
    world = await RewrapWorld.startWithLocalKms();
    [oldKey, newKey] = await Promise.all([world.createKey(), world.createKey()]);
  });
  afterAll(() => world.stop());

  test('250 data keys move to the new key in several slices: each decrypts to its old plaintext under the new key, counts exact', async () => {
    // GIVEN 250 items wrapped under the old key. The slicing is what is proved (three full slices of three pages
    // each, then a short one; checkpoints carried between them); rates and big tables belong to `npm run bench`.
    await world.createTable('keys-250');
    const plaintexts = await world.seed('keys-250', 250, oldKey.arn);
    const before = [...(await world.readAll('keys-250')).values()].map((item) =>
      Buffer.from(item.wrappedKey?.B ?? []).toString('base64'),
    );

    // WHEN the job runs, at most 75 items (three pages of 25) a slice
    const run = await world.runJob(requestFor('keys-250', newKey, [oldKey], { pageSize: 25 }), {
      deps: { maxItemsPerSlice: 75 },
    });

    // THEN it took four slices and counted every item once, as re-wrapped
    expect(run.slices).toBe(4);
    expect(run.progress.checkpoint.counts).toEqual({
      scanned: 250,
      rewrapped: 250,
      alreadyCurrent: 0,
      skippedDeleted: 0,
      refused: 0,
      conflictsRetried: 0,
      throttled: 0,
    });
    expect(run.progress).toMatchObject({ done: true, itemsRefused: false });
    const material = world.localKms.currentKeyMaterialIdOf(newKey.keyId);
    expect(run.progress.summary).toMatchObject({
      targetKeyArn: newKey.arn,
      targetKeyMaterialId: material,
      materialCheck: 'key-material',
      passes: 1,
    });
    // ...and every item decrypts under the new key to the plaintext it had
    const items = await world.readAll('keys-250');
    expect(items.size).toBe(250);
    expect(
      await world.unwrapMismatches(items, (id) => ({
        keyArn: newKey.arn,
        keyMaterialId: material,
        plaintext: plaintexts.get(id),
      })),
    ).toEqual([]);
    // ...and the audit trail has the start and one completion with the counts
    expect(run.audit.map((e) => e.type)).toEqual(['RewrapStarted', 'RewrapCompleted']);
    expect(run.audit[1]?.detail).toMatchObject({ counts: run.progress.checkpoint.counts, tableName: 'keys-250' });
    // ...while neither they nor the checkpoint hold a ciphertext, old or new, or a plaintext
    const said = JSON.stringify([run.audit, run.progress]);
    const secrets = [...items.values()].map((item) => Buffer.from(item.wrappedKey?.B ?? []).toString('base64'));
    secrets.push(...[...plaintexts.values()].map((p) => p.toString('base64')), ...before);
    expect(secrets.filter((secret) => said.includes(secret))).toEqual([]);
  });
});
