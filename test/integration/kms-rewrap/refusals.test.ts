/**
 * The KMS re-wrap job's inputs and refusals, with the real DynamoDBClient against the local DynamoDB
 * (dynalite) and the real KMSClient against moto's KMS: string ciphertexts, aliases, encryption contexts,
 * a second run; what the job must refuse it leaves as it was, by name; a wrong table, attribute, key schema
 * or target key stops it at once, with nothing changed.
 *
 * moto's ReEncrypt reports no key material (SourceKeyMaterialId / DestinationKeyMaterialId), so "already
 * current" is judged by key id here (materialCheck 'key-id'); the material check has unit tests.
 */
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand } from '@aws-sdk/client-kms';
import { runRewrapSlice } from '../../../functions/kms-rewrap/slice';
import { parseRewrapEvent, type SliceEvent } from '../../../functions/kms-rewrap/input';
import { recordingAudit, requestFor, RewrapWorld, type KmsKey } from '../../support/kms-rewrap-harness';
import { motoUnavailableReason } from '../../support/moto';

const motoReason = motoUnavailableReason();
if (motoReason !== undefined) {
  // eslint-disable-next-line no-console -- a skipped suite must be visible in the test output, with its reason
  console.warn(`kms-rewrap: SKIPPED because ${motoReason}.`);
}
const describeWithMoto = motoReason === undefined ? describe : describe.skip;

describeWithMoto('KMS re-wrap job: inputs and refusals (dynalite + moto KMS)', () => {
  let world: RewrapWorld;
  let oldKey: KmsKey;
  let newKey: KmsKey;
  let foreignKey: KmsKey;

  beforeAll(async () => {
    world = await RewrapWorld.start();
    [oldKey, newKey, foreignKey] = await Promise.all([world.createKey(), world.createKey(), world.createKey()]);
  });
  afterAll(() => world.stop());

  test('run again over a table it finished, the job writes nothing: every item is already current', async () => {
    // GIVEN a table the job has re-wrapped
    await world.createTable('keys-again');
    await world.seed('keys-again', 50, oldKey.arn);
    await world.runJob(requestFor('keys-again', newKey, [oldKey]));
    const before = await world.readAll('keys-again');

    // WHEN it runs again
    const again = await world.runJob(requestFor('keys-again', newKey, [oldKey]));

    // THEN nothing is written: every item is already current, byte for byte as it was
    expect(again.progress.checkpoint.counts).toMatchObject({ scanned: 50, rewrapped: 0, alreadyCurrent: 50 });
    expect(await world.readAll('keys-again')).toEqual(before);
  });

  test('base64 string attributes stay strings; a target named by alias is pinned to its key', async () => {
    // GIVEN items holding base64 ciphertexts, and an alias for the new key
    await world.createTable('keys-as-strings');
    const plaintexts = await world.seed('keys-as-strings', 30, oldKey.arn, { asString: true });
    await world.kms.send(
      new CreateAliasCommand({ AliasName: 'alias/keyturn-rewrap-target', TargetKeyId: newKey.keyId }),
    );

    // WHEN the job runs with the alias as target and the old key by bare key id
    const run = await world.runJob({
      ...requestFor('keys-as-strings', newKey, []),
      targetKeyId: 'alias/keyturn-rewrap-target',
      allowedSourceKeyIds: [oldKey.keyId],
    });

    // THEN every item is re-wrapped, still a string, decrypting under the new key
    expect(run.progress.checkpoint.targetKeyArn).toBe(newKey.arn);
    expect(run.progress.checkpoint.counts).toMatchObject({ scanned: 30, rewrapped: 30 });
    for (const [id, item] of await world.readAll('keys-as-strings')) {
      expect(item.wrappedKey?.S).toMatch(/^[A-Za-z0-9+/]+=*$/);
      const { keyArn, plaintext } = await world.unwrap(item.wrappedKey);
      expect({ id, keyArn, same: plaintext.equals(plaintexts.get(id) ?? Buffer.alloc(0)) }).toEqual({
        id,
        keyArn: newKey.arn,
        same: true,
      });
    }
  });

  test('a ciphertext under a key outside the allowed set is refused by name and left byte for byte; the rest move', async () => {
    // GIVEN 40 items under the old key and 5 under a key nobody allowed, and one holding garbage
    await world.createTable('mixed-keys');
    await world.seed('mixed-keys', 40, oldKey.arn);
    await world.seed('mixed-keys', 5, foreignKey.arn, { prefix: 'foreign' });
    await world.dynamodb.send(
      new PutItemCommand({
        TableName: 'mixed-keys',
        Item: { id: { S: 'garbage' }, wrappedKey: { B: Buffer.from('not a KMS ciphertext at all') } },
      }),
    );
    const before = await world.readAll('mixed-keys');

    // WHEN the job runs allowing only the old key
    const run = await world.runJob(requestFor('mixed-keys', newKey, [oldKey]));

    // THEN the 5 foreign items and the garbage are refused, named, and unchanged; the verdict says so
    expect(run.progress.checkpoint.counts).toMatchObject({ scanned: 46, rewrapped: 40, refused: 6 });
    expect(run.progress).toMatchObject({
      done: true,
      itemsRefused: true,
      verdict: { error: 'RewrapItemsRefusedError' },
    });
    const refused = Object.fromEntries(
      run.progress.checkpoint.refusedSample.map((r) => [r.key.id && 'S' in r.key.id ? r.key.id.S : '', r.error]),
    );
    expect(refused).toEqual({
      'foreign-00000': 'SourceKeyNotAllowedError',
      'foreign-00001': 'SourceKeyNotAllowedError',
      'foreign-00002': 'SourceKeyNotAllowedError',
      'foreign-00003': 'SourceKeyNotAllowedError',
      'foreign-00004': 'SourceKeyNotAllowedError',
      garbage: 'UnreadableCiphertextError',
    });
    const after = await world.readAll('mixed-keys');
    for (const id of Object.keys(refused)) expect(after.get(id)).toEqual(before.get(id));
    for (let i = 0; i < 5; i++) {
      expect((await world.unwrap(after.get(`foreign-0000${i}`)?.wrappedKey)).keyArn).toBe(foreignKey.arn);
    }
    expect(run.audit.find((e) => e.type === 'RewrapCompleted')?.detail).toMatchObject({
      counts: { refused: 6 },
      refusedSample: expect.arrayContaining([
        { key: { id: { S: 'garbage' } }, error: 'UnreadableCiphertextError' },
      ]) as unknown,
    });
  });

  test('the encryption context comes from the item: both sides of ReEncrypt get it, and it still decrypts with it', async () => {
    // GIVEN items whose ciphertexts were made with context { tenant: <tenantId> }
    await world.createTable('keys-with-context');
    const plaintexts = await world.seed('keys-with-context', 20, oldKey.arn, {
      extra: (i) => ({ tenantId: { S: `tenant-${i % 3}` } }),
      context: (i) => ({ tenant: `tenant-${i % 3}` }),
    });

    // WHEN the job maps the context key to the attribute
    const run = await world.runJob(
      requestFor('keys-with-context', newKey, [oldKey], { encryptionContext: { tenant: 'tenantId' } }),
    );

    // THEN every item moved, and decrypts only with its own context
    expect(run.progress.checkpoint.counts).toMatchObject({ scanned: 20, rewrapped: 20, refused: 0 });
    for (const [id, item] of await world.readAll('keys-with-context')) {
      const context = { tenant: item.tenantId?.S ?? '' };
      const { keyArn, plaintext } = await world.unwrap(item.wrappedKey, context);
      expect(keyArn).toBe(newKey.arn);
      expect(plaintext.equals(plaintexts.get(id) ?? Buffer.alloc(0))).toBe(true);
      await expect(world.unwrap(item.wrappedKey, { tenant: 'someone-else' })).rejects.toMatchObject({
        name: 'InvalidCiphertextException',
      });
    }
  });

  test('a missing table is RewrapTableNotFoundError; a table whose items lack the attribute is CiphertextAttributeMissingError, unchanged', async () => {
    // GIVEN a table whose items hold their key under another attribute name
    await world.createTable('other-attribute');
    await world.seed('other-attribute', 10, oldKey.arn);
    await world.dynamodb.send(
      new DeleteItemCommand({ TableName: 'other-attribute', Key: { id: { S: 'item-00009' } } }),
    );
    const before = await world.readAll('other-attribute');
    const audit = recordingAudit();
    const slice = (table: string, attribute: string) =>
      runRewrapSlice(
        parseRewrapEvent({
          task: 'slice',
          request: { ...requestFor(table, newKey, [oldKey]), ciphertextAttribute: attribute },
          progress: {},
          jobId: 'job',
        }) as SliceEvent,
        world.jobDeps(audit),
      );

    // WHEN the job is pointed at a table that does not exist, and at the wrong attribute
    // THEN both stop at once with a named error, and nothing was changed or recorded as done
    await expect(slice('no-such-table', 'wrappedKey')).rejects.toMatchObject({ name: 'RewrapTableNotFoundError' });
    await expect(slice('other-attribute', 'dataKey')).rejects.toMatchObject({
      name: 'CiphertextAttributeMissingError',
      message: expect.stringContaining('dataKey') as unknown,
    });
    expect(await world.readAll('other-attribute')).toEqual(before);
    expect(audit.events.map((e) => e.type)).not.toContain('RewrapCompleted');
  });

  test('wrong key attribute names are KeySchemaMismatchError; a target key that does not exist is TargetKeyUnusableError', async () => {
    await world.createTable('schema-check');
    const audit = recordingAudit();
    const slice = (request: object) =>
      runRewrapSlice(
        parseRewrapEvent({ task: 'slice', request, progress: {}, jobId: 'job' }) as SliceEvent,
        world.jobDeps(audit),
      );
    const request = requestFor('schema-check', newKey, [oldKey]);
    await expect(slice({ ...request, key: { partition: 'pk' } })).rejects.toMatchObject({
      name: 'KeySchemaMismatchError',
    });
    await expect(slice({ ...request, targetKeyId: '11111111-2222-3333-4444-555555555555' })).rejects.toMatchObject({
      name: 'TargetKeyUnusableError',
    });
  });
});
