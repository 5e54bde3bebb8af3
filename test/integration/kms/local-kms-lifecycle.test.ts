/**
 * Key lifecycle and rotation in the local KMS, through the real @aws-sdk/client-kms, on a fake
 * clock (nothing sleeps): aliases; Disable/Enable; ScheduleKeyDeletion's 7-30 day window and
 * CancelKeyDeletion (back to Disabled); the errors each state answers crypto with; on-demand
 * rotation (old ciphertexts still decrypt, ReEncrypt moves them to the current material, the
 * lifetime limit, the in-progress window and its ConflictException); automatic rotation on
 * schedule; what cannot rotate; ListKeyRotations and its paging.
 */
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  UpdateAliasCommand,
  type KMSClient,
  type KeySpec,
  type KeyUsageType,
} from '@aws-sdk/client-kms';
import { startLocalKms, type LocalKms } from '../../../local/kms';
import { kmsClient, rejectionOf } from '../../support/kms';

const DAY_MS = 24 * 60 * 60 * 1000;
const START_MS = Date.UTC(2030, 0, 1, 12, 0, 0);

let kms: LocalKms;
let client: KMSClient;
let clockMs = START_MS;
const advance = (ms: number) => {
  clockMs += ms;
};

beforeAll(async () => {
  kms = await startLocalKms({ now: () => new Date(clockMs) });
  client = kmsClient(kms.endpoint);
});
afterAll(async () => {
  client.destroy();
  await kms.stop();
});
afterEach(() => {
  kms.setOnDemandRotationDuration(0);
  kms.setOnDemandRotationLimit(10);
});

async function newKey(KeySpec: KeySpec = 'SYMMETRIC_DEFAULT', KeyUsage?: KeyUsageType): Promise<string> {
  const out = await client.send(new CreateKeyCommand({ KeySpec, ...(KeyUsage ? { KeyUsage } : {}) }));
  return out.KeyMetadata?.KeyId ?? '';
}

const bytes = (text: string) => Buffer.from(text, 'utf8');
const text = (data: Uint8Array | undefined) => Buffer.from(data ?? new Uint8Array()).toString('utf8');
const encrypt = async (KeyId: string, plaintext: string) =>
  (await client.send(new EncryptCommand({ KeyId, Plaintext: bytes(plaintext) }))).CiphertextBlob;
const stateOf = async (KeyId: string) => (await client.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.KeyState;

describe('aliases', () => {
  test('create, use, update, list and delete an alias', async () => {
    const first = await newKey();
    const second = await newKey();
    await client.send(new CreateAliasCommand({ AliasName: 'alias/app-data', TargetKeyId: first }));
    const blob = await encrypt('alias/app-data', 'via alias');
    expect((await client.send(new DescribeKeyCommand({ KeyId: 'alias/app-data' }))).KeyMetadata?.KeyId).toBe(first);

    const { Aliases } = await client.send(new ListAliasesCommand({ KeyId: first }));
    expect(Aliases).toEqual([
      expect.objectContaining({
        AliasName: 'alias/app-data',
        AliasArn: 'arn:aws:kms:us-east-1:123456789012:alias/app-data',
        TargetKeyId: first,
      }),
    ]);

    await client.send(new UpdateAliasCommand({ AliasName: 'alias/app-data', TargetKeyId: second }));
    expect((await client.send(new DescribeKeyCommand({ KeyId: 'alias/app-data' }))).KeyMetadata?.KeyId).toBe(second);
    // What the old key encrypted still decrypts (the blob names its key, not the alias).
    expect(text((await client.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext)).toBe('via alias');
    expect((await client.send(new ListAliasesCommand({ KeyId: first }))).Aliases).toEqual([]);

    await client.send(new DeleteAliasCommand({ AliasName: 'alias/app-data' }));
    expect(
      await rejectionOf(client.send(new EncryptCommand({ KeyId: 'alias/app-data', Plaintext: bytes('x') }))),
    ).toMatchObject({
      name: 'NotFoundException',
    });
    expect(await rejectionOf(client.send(new DeleteAliasCommand({ AliasName: 'alias/app-data' })))).toMatchObject({
      name: 'NotFoundException',
    });
  });

  test('alias names: unique, alias/ prefixed, alias/aws/ reserved; updates keep the key type', async () => {
    const keyId = await newKey();
    await client.send(new CreateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: keyId }));
    expect(
      await rejectionOf(client.send(new CreateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: keyId }))),
    ).toMatchObject({
      name: 'AlreadyExistsException',
      status: 409,
    });
    expect(
      await rejectionOf(client.send(new CreateAliasCommand({ AliasName: 'no-prefix', TargetKeyId: keyId }))),
    ).toMatchObject({
      name: 'ValidationException',
    });
    expect(
      await rejectionOf(client.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: keyId }))),
    ).toMatchObject({
      name: 'InvalidAliasNameException',
    });
    const hmacKey = await newKey('HMAC_256', 'GENERATE_VERIFY_MAC');
    expect(
      await rejectionOf(client.send(new UpdateAliasCommand({ AliasName: 'alias/taken', TargetKeyId: hmacKey }))),
    ).toMatchObject({
      name: 'ValidationException',
    });
  });
});

describe('key states', () => {
  test('a disabled key refuses crypto with DisabledException until enabled again', async () => {
    const keyId = await newKey();
    const blob = await encrypt(keyId, 'kept');
    await client.send(new DisableKeyCommand({ KeyId: keyId }));
    expect(await stateOf(keyId)).toBe('Disabled');
    for (const call of [
      client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') })),
      client.send(new DecryptCommand({ CiphertextBlob: blob })),
      client.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' })),
      client.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: keyId })),
      client.send(new RotateKeyOnDemandCommand({ KeyId: keyId })),
    ]) {
      expect(await rejectionOf(call)).toMatchObject({ name: 'DisabledException', status: 409 });
    }
    await client.send(new EnableKeyCommand({ KeyId: keyId }));
    expect(text((await client.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext)).toBe('kept');
  });

  test('ScheduleKeyDeletion: 7-30 days (default 30), PendingDeletion refuses crypto; cancelling leaves it Disabled', async () => {
    const keyId = await newKey();
    const blob = await encrypt(keyId, 'doomed');
    for (const PendingWindowInDays of [6, 31]) {
      expect(
        await rejectionOf(client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays }))),
      ).toMatchObject({
        name: 'ValidationException',
      });
    }
    expect(await stateOf(keyId)).toBe('Enabled');
    const scheduled = await client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId }));
    expect(scheduled).toMatchObject({ KeyState: 'PendingDeletion', PendingWindowInDays: 30 });
    expect(scheduled.DeletionDate?.getTime()).toBe(clockMs + 30 * DAY_MS);
    expect((await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata).toMatchObject({
      KeyState: 'PendingDeletion',
      Enabled: false,
      DeletionDate: new Date(clockMs + 30 * DAY_MS),
    });
    for (const call of [
      client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') })),
      client.send(new DecryptCommand({ CiphertextBlob: blob })),
      client.send(new EnableKeyCommand({ KeyId: keyId })),
      client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId })),
    ]) {
      expect(await rejectionOf(call)).toMatchObject({ name: 'KMSInvalidStateException', status: 409 });
    }
    expect((await client.send(new CancelKeyDeletionCommand({ KeyId: keyId }))).KeyId).toContain(keyId);
    expect(await stateOf(keyId)).toBe('Disabled');
    expect(await rejectionOf(client.send(new CancelKeyDeletionCommand({ KeyId: keyId })))).toMatchObject({
      name: 'KMSInvalidStateException',
    });
    await client.send(new EnableKeyCommand({ KeyId: keyId }));
    expect(text((await client.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext)).toBe('doomed');
  });

  test('a key whose waiting period ends is deleted, with its aliases', async () => {
    const keyId = await newKey();
    await client.send(new CreateAliasCommand({ AliasName: 'alias/short-lived', TargetKeyId: keyId }));
    await client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    advance(7 * DAY_MS - 1000);
    expect(await stateOf(keyId)).toBe('PendingDeletion');
    advance(1000);
    expect(await rejectionOf(client.send(new DescribeKeyCommand({ KeyId: keyId })))).toMatchObject({
      name: 'NotFoundException',
    });
    const { Keys } = await client.send(new ListKeysCommand({ Limit: 1000 }));
    expect(Keys?.map((key) => key.KeyId)).not.toContain(keyId);
    expect((await client.send(new ListAliasesCommand({}))).Aliases?.map((alias) => alias.AliasName)).not.toContain(
      'alias/short-lived',
    );
  });
});

describe('on-demand rotation', () => {
  test('old ciphertexts still decrypt with their material; new ones use the new material; ReEncrypt moves them', async () => {
    const keyId = await newKey();
    const [firstMaterial] = kms.keyMaterialIdsOf(keyId);
    const before = await encrypt(keyId, 'before rotation');
    expect((await client.send(new RotateKeyOnDemandCommand({ KeyId: keyId }))).KeyId).toBe(keyId);
    const materials = kms.keyMaterialIdsOf(keyId);
    expect(materials).toHaveLength(2);
    const secondMaterial = materials[1];
    expect((await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.CurrentKeyMaterialId).toBe(
      secondMaterial,
    );

    const after = await encrypt(keyId, 'after rotation');
    const oldOne = await client.send(new DecryptCommand({ CiphertextBlob: before }));
    const newOne = await client.send(new DecryptCommand({ CiphertextBlob: after }));
    expect([text(oldOne.Plaintext), oldOne.KeyMaterialId]).toEqual(['before rotation', firstMaterial]);
    expect([text(newOne.Plaintext), newOne.KeyMaterialId]).toEqual(['after rotation', secondMaterial]);

    const moved = await client.send(new ReEncryptCommand({ CiphertextBlob: before, DestinationKeyId: keyId }));
    expect(moved).toMatchObject({ SourceKeyMaterialId: firstMaterial, DestinationKeyMaterialId: secondMaterial });
    expect((await client.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob }))).KeyMaterialId).toBe(
      secondMaterial,
    );
  });

  test('the lifetime limit (an option, 10 by default) is answered with LimitExceededException', async () => {
    const keyId = await newKey();
    for (let rotation = 0; rotation < 10; rotation += 1)
      await client.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    expect(kms.keyMaterialIdsOf(keyId)).toHaveLength(11);
    expect(await rejectionOf(client.send(new RotateKeyOnDemandCommand({ KeyId: keyId })))).toMatchObject({
      name: 'LimitExceededException',
      status: 400,
    });
    kms.setOnDemandRotationLimit(2);
    const limited = await newKey();
    await client.send(new RotateKeyOnDemandCommand({ KeyId: limited }));
    await client.send(new RotateKeyOnDemandCommand({ KeyId: limited }));
    expect(await rejectionOf(client.send(new RotateKeyOnDemandCommand({ KeyId: limited })))).toMatchObject({
      name: 'LimitExceededException',
    });
  });

  test('while a rotation is in progress, GetKeyRotationStatus shows its start and a second one is ConflictException', async () => {
    kms.setOnDemandRotationDuration(60_000);
    const keyId = await newKey();
    const startedAt = clockMs;
    await client.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    expect(kms.keyMaterialIdsOf(keyId)).toHaveLength(1);
    expect(await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).toMatchObject({
      KeyRotationEnabled: false,
      OnDemandRotationStartDate: new Date(startedAt),
    });
    expect(await rejectionOf(client.send(new RotateKeyOnDemandCommand({ KeyId: keyId })))).toMatchObject({
      name: 'ConflictException',
      status: 409,
    });
    // Encryption meanwhile still uses the old material.
    const during = await encrypt(keyId, 'during');
    advance(60_000);
    const status = await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    expect(status.OnDemandRotationStartDate).toBeUndefined();
    const materials = kms.keyMaterialIdsOf(keyId);
    expect(materials).toHaveLength(2);
    expect((await client.send(new DecryptCommand({ CiphertextBlob: during }))).KeyMaterialId).toBe(materials[0]);
    const rotations = await client.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    expect(rotations.Rotations).toEqual([
      expect.objectContaining({
        RotationType: 'ON_DEMAND',
        RotationDate: new Date(startedAt + 60_000),
        KeyMaterialId: materials[1],
      }),
    ]);
  });

  test('asymmetric and HMAC keys cannot rotate', async () => {
    for (const [spec, usage] of [
      ['RSA_2048', 'SIGN_VERIFY'],
      ['ECC_NIST_P256', 'SIGN_VERIFY'],
      ['HMAC_256', 'GENERATE_VERIFY_MAC'],
    ] as const) {
      const keyId = await newKey(spec, usage);
      for (const call of [
        client.send(new RotateKeyOnDemandCommand({ KeyId: keyId })),
        client.send(new EnableKeyRotationCommand({ KeyId: keyId })),
        client.send(new ListKeyRotationsCommand({ KeyId: keyId })),
      ]) {
        expect(await rejectionOf(call)).toMatchObject({ name: 'UnsupportedOperationException', status: 400 });
      }
    }
  });
});

describe('automatic rotation', () => {
  test('EnableKeyRotation takes 90-2560 days (default 365); GetKeyRotationStatus shows the schedule', async () => {
    const keyId = await newKey();
    for (const RotationPeriodInDays of [89, 2561]) {
      expect(
        await rejectionOf(client.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays }))),
      ).toMatchObject({
        name: 'ValidationException',
      });
    }
    await client.send(new EnableKeyRotationCommand({ KeyId: keyId }));
    expect(await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).toMatchObject({
      KeyRotationEnabled: true,
      RotationPeriodInDays: 365,
      NextRotationDate: new Date(clockMs + 365 * DAY_MS),
    });
    await client.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
    expect((await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).RotationPeriodInDays).toBe(90);
    await client.send(new DisableKeyRotationCommand({ KeyId: keyId }));
    const disabled = await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
    expect(disabled.KeyRotationEnabled).toBe(false);
    expect(disabled.NextRotationDate).toBeUndefined();
  });

  test('material rotates on schedule as the clock moves; every older ciphertext still decrypts', async () => {
    const keyId = await newKey();
    const enabledAt = clockMs;
    await client.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
    const blobs = [await encrypt(keyId, 'year 0')];
    advance(90 * DAY_MS - 1);
    expect(kms.advanceAutomaticRotations().filter((rotation) => rotation.keyId === keyId)).toEqual([]);
    advance(1);
    const done = kms.advanceAutomaticRotations().filter((rotation) => rotation.keyId === keyId);
    expect(done).toEqual([
      expect.objectContaining({ rotationType: 'AUTOMATIC', rotationDate: new Date(enabledAt + 90 * DAY_MS) }),
    ]);
    blobs.push(await encrypt(keyId, 'after first'));
    // Two more periods pass at once: both rotations happen, in order.
    advance(180 * DAY_MS);
    expect(await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).toMatchObject({
      NextRotationDate: new Date(enabledAt + 360 * DAY_MS),
    });
    const materials = kms.keyMaterialIdsOf(keyId);
    expect(materials).toHaveLength(4);
    const decrypted = await Promise.all(
      blobs.map((CiphertextBlob) => client.send(new DecryptCommand({ CiphertextBlob }))),
    );
    expect(decrypted.map((out) => [text(out.Plaintext), out.KeyMaterialId])).toEqual([
      ['year 0', materials[0]],
      ['after first', materials[1]],
    ]);
    const { Rotations } = await client.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    expect(
      Rotations?.map((rotation) => [rotation.RotationType, rotation.RotationDate, rotation.KeyMaterialState]),
    ).toEqual([
      ['AUTOMATIC', new Date(enabledAt + 90 * DAY_MS), 'NON_CURRENT'],
      ['AUTOMATIC', new Date(enabledAt + 180 * DAY_MS), 'NON_CURRENT'],
      ['AUTOMATIC', new Date(enabledAt + 270 * DAY_MS), 'CURRENT'],
    ]);
  });

  test('a disabled key does not rotate; enabled again after its date, it rotates at once', async () => {
    const keyId = await newKey();
    await client.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
    await client.send(new DisableKeyCommand({ KeyId: keyId }));
    advance(100 * DAY_MS);
    kms.advanceAutomaticRotations();
    expect(kms.keyMaterialIdsOf(keyId)).toHaveLength(1);
    await client.send(new EnableKeyCommand({ KeyId: keyId }));
    expect(kms.keyMaterialIdsOf(keyId)).toHaveLength(1);
    await client.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(kms.keyMaterialIdsOf(keyId)).toHaveLength(2);
    expect((await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).NextRotationDate).toEqual(
      new Date(clockMs + 90 * DAY_MS),
    );
  });

  test('RotateKeyOnDemand within 20 minutes of an automatic rotation is ConflictException', async () => {
    const keyId = await newKey();
    await client.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 90 }));
    advance(90 * DAY_MS - 20 * 60 * 1000);
    expect(await rejectionOf(client.send(new RotateKeyOnDemandCommand({ KeyId: keyId })))).toMatchObject({
      name: 'ConflictException',
    });
    advance(-60 * 1000);
    await client.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    // On-demand rotation leaves the automatic schedule as it was.
    advance(60 * 1000 + 20 * 60 * 1000);
    expect(await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).toMatchObject({
      KeyRotationEnabled: true,
    });
    const { Rotations } = await client.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    expect(Rotations?.map((rotation) => rotation.RotationType)).toEqual(['ON_DEMAND', 'AUTOMATIC']);
  });
});

describe('ListKeyRotations', () => {
  test('pages with Limit and Marker; ALL_KEY_MATERIAL adds the first material', async () => {
    const keyId = await newKey();
    for (let rotation = 0; rotation < 5; rotation += 1) {
      advance(1000);
      await client.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    }
    const seen: string[] = [];
    let Marker: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new ListKeyRotationsCommand({ KeyId: keyId, Limit: 2, ...(Marker ? { Marker } : {}) }),
      );
      pages += 1;
      expect(page.Truncated).toBe(page.NextMarker !== undefined);
      expect(page.Rotations?.length).toBeLessThanOrEqual(2);
      seen.push(...(page.Rotations ?? []).map((rotation) => rotation.KeyMaterialId ?? ''));
      Marker = page.NextMarker;
    } while (Marker);
    expect(pages).toBe(3);
    const materials = kms.keyMaterialIdsOf(keyId);
    expect(seen).toEqual(materials.slice(1));
    const all = await client.send(
      new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }),
    );
    expect(all.Rotations?.[0]).toEqual({ KeyId: keyId, KeyMaterialId: materials[0], KeyMaterialState: 'NON_CURRENT' });
    expect(all.Rotations).toHaveLength(6);
    expect(
      await rejectionOf(client.send(new ListKeyRotationsCommand({ KeyId: keyId, Marker: 'not-a-marker' }))),
    ).toMatchObject({
      name: 'InvalidMarkerException',
    });
  });

  test('a signing key is refused by the rotation operations but still signs', async () => {
    const keyId = await newKey('ECC_NIST_P256', 'SIGN_VERIFY');
    const signed = await client.send(
      new SignCommand({ KeyId: keyId, Message: bytes('m'), SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    expect(signed.Signature?.length).toBeGreaterThan(0);
    expect((await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled).toBe(false);
  });
});
