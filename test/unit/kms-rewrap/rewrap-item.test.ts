import { DynamoDBClient, GetItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ReEncryptCommandInput, ReEncryptCommandOutput } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { rewrapItem, type ItemContext } from '../../../functions/kms-rewrap/rewrap-item';

/**
 * One item's decision, with KMS's answers given by hand: the material check (AWS KMS reports
 * SourceKeyMaterialId / DestinationKeyMaterialId for symmetric keys; moto does not), the allowed sources,
 * the refusals, and the conditional write that never overwrites an application's.
 */

const dynamodb = mockClient(DynamoDBClient);
const ARN = (id: string) => `arn:aws:kms:us-east-1:123456789012:key/${id}`;
const TARGET = ARN('target-key');
const OLD = ARN('old-key');
const NEW_CIPHERTEXT = Uint8Array.from([7, 7, 7]);
const item = (blob: number[]): Record<string, AttributeValue> => ({
  id: { S: 'item-1' },
  wrappedKey: { B: Uint8Array.from(blob) },
});

function context(answers: (ReEncryptCommandOutput | Error)[], overrides: Partial<ItemContext> = {}) {
  const reEncrypt = jest.fn((_input: ReEncryptCommandInput) => {
    const next = answers.shift();
    if (next === undefined) throw new Error('no more answers');
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  });
  const onConflict = jest.fn();
  const ctx: ItemContext = {
    dynamodb: new DynamoDBClient({ region: 'us-east-1' }),
    tableName: 'wrapped-keys',
    keyNames: ['id'],
    ciphertextAttribute: 'wrappedKey',
    targetKeyArn: TARGET,
    allowedSourceKeyIds: new Set(['old-key']),
    reEncrypt,
    targetKeyProblem: () => Promise.resolve(undefined),
    onConflict,
    ...overrides,
  };
  return { ctx, reEncrypt, onConflict };
}

const answer = (source: string, sourceMaterial?: string, destinationMaterial?: string): ReEncryptCommandOutput => ({
  $metadata: {},
  CiphertextBlob: NEW_CIPHERTEXT,
  SourceKeyId: source,
  KeyId: TARGET,
  SourceKeyMaterialId: sourceMaterial,
  DestinationKeyMaterialId: destinationMaterial,
});

const kmsError = (name: string) => Object.assign(new Error(name), { name });

beforeEach(() => {
  dynamodb.reset();
  dynamodb.on(UpdateItemCommand).resolves({});
});

describe('the material check', () => {
  it('under the target key at its current material: already current, nothing written', async () => {
    const { ctx } = context([answer(TARGET, 'm2', 'm2')]);
    await expect(rewrapItem(item([1]), ctx)).resolves.toEqual({ kind: 'alreadyCurrent', destinationMaterialId: 'm2' });
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  it('under the target key at an older material (after a rotation): re-wrapped to the current one', async () => {
    const { ctx } = context([answer(TARGET, 'm1', 'm2')]);
    await expect(rewrapItem(item([1]), ctx)).resolves.toEqual({ kind: 'rewrapped', destinationMaterialId: 'm2' });
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  it('when KMS reports no material (moto): under the target key counts as current', async () => {
    const { ctx } = context([answer(TARGET)]);
    await expect(rewrapItem(item([1]), ctx)).resolves.toEqual({
      kind: 'alreadyCurrent',
      destinationMaterialId: undefined,
    });
  });

  it('under an allowed source key: re-wrapped with a write conditioned on the ciphertext read', async () => {
    const { ctx, reEncrypt } = context([answer(OLD, 'o1', 'm2')]);
    await expect(rewrapItem(item([1, 2]), ctx)).resolves.toMatchObject({ kind: 'rewrapped' });
    expect(reEncrypt.mock.calls[0]?.[0]).toMatchObject({
      DestinationKeyId: TARGET,
      CiphertextBlob: Uint8Array.from([1, 2]),
    });
    const write = dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(write).toMatchObject({
      TableName: 'wrapped-keys',
      Key: { id: { S: 'item-1' } },
      UpdateExpression: 'SET #c = :next',
      ConditionExpression: '#c = :read',
      ExpressionAttributeNames: { '#c': 'wrappedKey' },
      ExpressionAttributeValues: { ':next': { B: NEW_CIPHERTEXT }, ':read': { B: Uint8Array.from([1, 2]) } },
    });
  });
});

describe('refusals: the item is left as it was', () => {
  it('a key outside the allowed set: SourceKeyNotAllowedError, nothing written', async () => {
    const { ctx } = context([answer(ARN('someone-elses'), 'x', 'm2')]);
    await expect(rewrapItem(item([1]), ctx)).resolves.toMatchObject({
      kind: 'refused',
      error: 'SourceKeyNotAllowedError',
    });
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  it('an unreadable ciphertext: UnreadableCiphertextError', async () => {
    const { ctx } = context([kmsError('InvalidCiphertextException')]);
    await expect(rewrapItem(item([1]), ctx)).resolves.toMatchObject({
      kind: 'refused',
      error: 'UnreadableCiphertextError',
    });
  });

  it('a source key KMS will not use (the target is fine): SourceKeyUnusableError; a target that is not: the job stops', async () => {
    const fine = context([kmsError('DisabledException')]);
    await expect(rewrapItem(item([1]), fine.ctx)).resolves.toMatchObject({
      kind: 'refused',
      error: 'SourceKeyUnusableError',
    });
    const broken = context([kmsError('AccessDeniedException')], {
      targetKeyProblem: () => Promise.resolve('its state is PendingDeletion'),
    });
    await expect(rewrapItem(item([1]), broken.ctx)).rejects.toMatchObject({ name: 'TargetKeyUnusableError' });
  });

  it('any other error stops the slice (it is not the item’s fault)', async () => {
    const { ctx } = context([kmsError('ValidationException')]);
    await expect(rewrapItem(item([1]), ctx)).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('an application writing the item meanwhile', () => {
  it('its write wins: the job re-reads (consistently) and re-wraps what it wrote', async () => {
    dynamodb.on(UpdateItemCommand).rejectsOnce(kmsError('ConditionalCheckFailedException')).resolves({});
    dynamodb.on(GetItemCommand).resolves({ Item: item([5, 5]) });
    const { ctx, reEncrypt, onConflict } = context([answer(OLD), answer(OLD)]);
    await expect(rewrapItem(item([1]), ctx)).resolves.toMatchObject({ kind: 'rewrapped' });
    expect(onConflict).toHaveBeenCalledTimes(1);
    expect(dynamodb.commandCalls(GetItemCommand)[0]?.args[0].input).toMatchObject({ ConsistentRead: true });
    expect(reEncrypt.mock.calls[1]?.[0].CiphertextBlob).toEqual(Uint8Array.from([5, 5]));
    expect(dynamodb.commandCalls(UpdateItemCommand)[1]?.args[0].input.ExpressionAttributeValues?.[':read']).toEqual({
      B: Uint8Array.from([5, 5]),
    });
  });

  it('deleted: skipped; still changing after every retry: ConcurrentWritesError, never forced', async () => {
    dynamodb.on(UpdateItemCommand).rejects(kmsError('ConditionalCheckFailedException'));
    dynamodb
      .on(GetItemCommand)
      .resolvesOnce({})
      .resolves({ Item: item([6]) });
    const deleted = context([answer(OLD)]);
    await expect(rewrapItem(item([1]), deleted.ctx)).resolves.toEqual({ kind: 'skippedDeleted' });
    const busy = context(Array.from({ length: 6 }, () => answer(OLD)));
    await expect(rewrapItem(item([1]), busy.ctx)).resolves.toMatchObject({
      kind: 'refused',
      error: 'ConcurrentWritesError',
    });
    expect(busy.onConflict).toHaveBeenCalledTimes(6);
  });

  it('the encryption context attributes are part of the condition, and of both sides of ReEncrypt', async () => {
    const { ctx, reEncrypt } = context([answer(OLD)], { encryptionContext: { tenant: 'tenantId', kind: 'kind' } });
    const withContext = { ...item([1]), tenantId: { S: 't-1' }, kind: { N: '3' } };
    await rewrapItem(withContext, ctx);
    expect(reEncrypt.mock.calls[0]?.[0]).toMatchObject({
      SourceEncryptionContext: { tenant: 't-1', kind: '3' },
      DestinationEncryptionContext: { tenant: 't-1', kind: '3' },
    });
    expect(dynamodb.commandCalls(UpdateItemCommand)[0]?.args[0].input).toMatchObject({
      ConditionExpression: '#c = :read AND #x0 = :x0 AND #x1 = :x1',
      ExpressionAttributeNames: { '#c': 'wrappedKey', '#x0': 'tenantId', '#x1': 'kind' },
    });
    const missing = context([answer(OLD)], { encryptionContext: { tenant: 'tenantId' } });
    await expect(rewrapItem(item([1]), missing.ctx)).resolves.toMatchObject({
      kind: 'refused',
      error: 'EncryptionContextAttributeError',
    });
  });
});
