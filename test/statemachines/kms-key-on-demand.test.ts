import {
  DecryptCommand,
  EncryptCommand,
  type KMSClient,
  ListKeyRotationsCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import type { LocalKms } from '../../local/kms';
import type { LocalStack } from '../../local/stack';
import { keyWithAlias, runKmsKeyExecution, useKmsKeyStack, type TaskFunction } from '../support/kms-key-stack';

/**
 * The kms-key state machine rotating symmetric keys on demand, with its real task function against keyturn's
 * local KMS (real AES-256-GCM with versioned material): a ciphertext made before still decrypts, new ones use
 * new material; the refusals (the on-demand limit, a key pending deletion, an alias moved elsewhere) change
 * nothing; a rotation already in progress is reported, not repeated; a retried task spends no second rotation.
 */

const kmsKeyStack = useKmsKeyStack();
let stack: LocalStack;
let localKms: LocalKms;
let kms: KMSClient;
let handler: TaskFunction;
beforeAll(() => {
  ({ stack, localKms, kms, handler } = kmsKeyStack());
});
afterEach(() => {
  localKms.setOnDemandRotationDuration(0);
  localKms.setOnDemandRotationLimit(10);
});

const symmetricKey = () => keyWithAlias(kms, 'keyturn-test');
const run = (input: Record<string, unknown>) => runKmsKeyExecution(kmsKeyStack(), input);

const onDemandRotations = async (keyId: string) =>
  ((await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations ?? []).filter(
    (rotation) => rotation.RotationType === 'ON_DEMAND',
  ).length;

const alertsFor = (entryId: string) =>
  stack.sns.messages().filter((message) => (message.subject ?? '').includes(entryId));

describe('kms-key: on-demand rotation through the state machine', () => {
  it('rotates the material: an old ciphertext still decrypts, new ones use new material; audited start to end', async () => {
    const { keyId, aliasName } = await symmetricKey();
    const before = await kms.send(new EncryptCommand({ KeyId: aliasName, Plaintext: Buffer.from('before') }));
    const materialBefore = localKms.currentKeyMaterialIdOf(keyId);

    const execution = await run({ entryId: 'orders-key', keyId, aliasName });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.audit).toEqual(['KeyRotationStarted', 'KeyMaterialRotated', 'KeyRotationCompleted']);
    expect(await onDemandRotations(keyId)).toBe(1);
    const materialAfter = localKms.currentKeyMaterialIdOf(keyId);
    expect(materialAfter).not.toBe(materialBefore);
    const old = await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }));
    expect(Buffer.from(old.Plaintext ?? []).toString()).toBe('before');
    expect(old.KeyMaterialId).toBe(materialBefore);
    const fresh = await kms.send(new EncryptCommand({ KeyId: aliasName, Plaintext: Buffer.from('after') }));
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob: fresh.CiphertextBlob }));
    expect(opened.KeyMaterialId).toBe(materialAfter);
    const rotated = execution.auditDetails.find((detail) => detail.type === 'KeyMaterialRotated');
    expect(rotated).toMatchObject({ keyMaterialId: materialAfter, previousKeyMaterialId: materialBefore });
  });

  it('waits for a rotation KMS completes later, and proves it only once done', async () => {
    const { keyId, aliasName } = await symmetricKey();
    localKms.setOnDemandRotationDuration(1_500);
    const execution = await run({ entryId: 'slow-key', keyId, aliasName });
    expect(execution.status).toBe('SUCCEEDED');
    expect(await onDemandRotations(keyId)).toBe(1);
  });

  it('refuses the rotation past the on-demand limit before calling AWS, alerts, and changes nothing', async () => {
    const { keyId, aliasName } = await symmetricKey();
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const material = localKms.currentKeyMaterialIdOf(keyId);

    const execution = await run({ entryId: 'limited-key', keyId, aliasName, settings: { onDemandRotationLimit: 2 } });

    expect(execution.status).toBe('FAILED');
    expect(execution.audit).toEqual(['KeyRotationFailed']);
    expect(execution.auditDetails[0]).toMatchObject({ step: 'Begin', error: 'OnDemandRotationLimitError' });
    expect(await onDemandRotations(keyId)).toBe(2);
    expect(localKms.currentKeyMaterialIdOf(keyId)).toBe(material);
    expect(alertsFor('limited-key')).toHaveLength(1);
  });

  it('reports a rotation already in progress instead of starting another', async () => {
    const { keyId, aliasName } = await symmetricKey();
    localKms.setOnDemandRotationDuration(60_000);
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));

    const execution = await run({ entryId: 'busy-key', keyId, aliasName });

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.audit).toEqual(['KeyRotationSkipped']);
    expect(localKms.keys().find((key) => key.keyId === keyId)?.onDemandRotationsStarted).toBe(1);
  });

  it('a key pending deletion, or an alias someone moved: refused at Begin with the reason, nothing changed', async () => {
    const pending = await symmetricKey();
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: pending.keyId, PendingWindowInDays: 7 }));
    const refusedPending = await run({ entryId: 'pending-key', ...pending });
    expect(refusedPending.status).toBe('FAILED');
    expect(refusedPending.auditDetails[0]).toMatchObject({ error: 'KeyStateError' });
    expect(String(refusedPending.auditDetails[0]?.cause)).toMatch(/PendingDeletion .*cancel the deletion/);

    const moved = await symmetricKey();
    const other = await symmetricKey();
    const refusedAlias = await run({ entryId: 'moved-alias', keyId: moved.keyId, aliasName: other.aliasName });
    expect(refusedAlias.status).toBe('FAILED');
    expect(refusedAlias.auditDetails[0]).toMatchObject({ error: 'AliasMismatchError' });
    expect(await onDemandRotations(moved.keyId)).toBe(0);
    expect(await onDemandRotations(other.keyId)).toBe(0);
  });

  it('input the function cannot run is refused by name before any call', async () => {
    const { keyId } = await symmetricKey();
    const execution = await run({ entryId: 'bad-input', keyId, settings: { deletionWindowDays: 3 } });
    expect(execution.status).toBe('FAILED');
    expect(execution.auditDetails[0]).toMatchObject({ error: 'InvalidTaskInputError' });
    expect(String(execution.auditDetails[0]?.cause)).toMatch(/settings\.deletionWindowDays/);
    expect(await onDemandRotations(keyId)).toBe(0);
  });
});

describe('kms-key: a retried rotate task spends no second on-demand rotation', () => {
  it('after a call that went through (its answer lost), the retry finds the rotation and does not call again', async () => {
    const { keyId, aliasName } = await symmetricKey();
    const state = {
      input: { entryId: 'retried-key', keyId, aliasName },
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:keyturn-test:retried',
      rotationId: 'retried',
    };
    const begin = await handler({ task: 'begin', state });
    const first = await handler({ task: 'rotate-on-demand', state: { ...state, begin } });
    const retried = await handler({ task: 'rotate-on-demand', state: { ...state, begin } });
    expect(first).toEqual({ started: 'started' });
    expect(retried).toEqual({ started: 'already-rotated' });
    expect(await onDemandRotations(keyId)).toBe(1);
  });
});
