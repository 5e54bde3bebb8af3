/**
 * The local KMS against moto's KMS (`python3 -m moto.server`), through the same
 * @aws-sdk/client-kms. The core scenarios run on both and must agree where both are right: key
 * metadata, encryption with its context, data keys, ReEncrypt, aliases, Disable/Enable,
 * deletion scheduling, signing, HMACs and rotation bookkeeping.
 *
 * Where moto departs from the AWS KMS API reference, the departure is not hidden: each is a row
 * of KNOWN_MOTO_DEVIATIONS below, with a probe run on both targets; the local KMS must answer as
 * the reference says and moto as the row records (so a moto upgrade that fixes one fails here
 * and the row can go). When moto is missing the moto target is skipped with the reason printed.
 */
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  UpdateAliasCommand,
  VerifyCommand,
  VerifyMacCommand,
  type KMSClient,
  type KeySpec,
  type KeyUsageType,
} from '@aws-sdk/client-kms';
import { startLocalKms } from '../../../local/kms';
import { kmsClient, rejectionOf } from '../../support/kms';
import { motoUnavailableReason, startMotoServer } from '../../support/moto';

interface RunningTarget {
  readonly endpoint: string;
  stop(): Promise<void>;
}

type TargetName = 'local' | 'moto';

const targets: [TargetName, () => Promise<RunningTarget>][] = [['local', () => startLocalKms()]];
const motoReason = motoUnavailableReason();
if (motoReason === undefined) {
  targets.push(['moto', () => startMotoServer()]);
} else {
  // eslint-disable-next-line no-console -- a skipped target must be visible in the test output, with its reason
  console.warn(`KMS conformance: the moto target is SKIPPED because ${motoReason}. Only the local target runs.`);
}

const bytes = (text: string) => Buffer.from(text, 'utf8');
const text = (data: Uint8Array | undefined) => Buffer.from(data ?? new Uint8Array()).toString('utf8');

async function newKey(client: KMSClient, KeySpec: KeySpec = 'SYMMETRIC_DEFAULT', KeyUsage?: KeyUsageType) {
  const out = await client.send(new CreateKeyCommand({ KeySpec, ...(KeyUsage ? { KeyUsage } : {}) }));
  return out.KeyMetadata?.KeyId ?? '';
}

/** What a probe saw: the error name a call failed with, or a short description of its success. */
async function outcome(call: () => Promise<string>): Promise<string> {
  try {
    return await call();
  } catch (error) {
    return (error as Error).name;
  }
}

interface Deviation {
  /** What is probed. */
  readonly scenario: string;
  /** What the AWS KMS API reference says (and the local KMS does). */
  readonly reference: string;
  /** What moto 5.2.1 does instead. */
  readonly moto: string;
  readonly probe: (client: KMSClient) => Promise<string>;
}

/** moto 5.2.1's departures from the AWS KMS API reference, each shown by its probe. */
const KNOWN_MOTO_DEVIATIONS: readonly Deviation[] = [
  {
    scenario: 'CreateKey without KeyUsage: the KeyUsage DescribeKey shows',
    reference: 'ENCRYPT_DECRYPT',
    moto: 'none',
    probe: async (client) => {
      const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: await newKey(client) }));
      return KeyMetadata?.KeyUsage ?? 'none';
    },
  },
  {
    scenario: 'Encrypt with a disabled key',
    reference: 'DisabledException',
    moto: 'encrypted',
    probe: async (client) => {
      const keyId = await newKey(client);
      await client.send(new DisableKeyCommand({ KeyId: keyId }));
      return outcome(
        async () => (await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') })), 'encrypted'),
      );
    },
  },
  {
    scenario: 'Decrypt with a key pending deletion',
    reference: 'KMSInvalidStateException',
    moto: 'decrypted',
    probe: async (client) => {
      const keyId = await newKey(client);
      const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') }));
      await client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
      return outcome(async () => (await client.send(new DecryptCommand({ CiphertextBlob })), 'decrypted'));
    },
  },
  {
    scenario: 'ScheduleKeyDeletion with PendingWindowInDays 6 (outside 7-30)',
    reference: 'ValidationException',
    moto: 'accepted; key state Enabled',
    probe: async (client) => {
      const keyId = await newKey(client);
      return outcome(async () => {
        await client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 6 }));
        const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: keyId }));
        return `accepted; key state ${KeyMetadata?.KeyState ?? '?'}`;
      });
    },
  },
  {
    scenario: 'Verify with a signature of another message',
    reference: 'KMSInvalidSignatureException',
    moto: 'SignatureValid false',
    probe: async (client) => {
      const keyId = await newKey(client, 'ECC_NIST_P256', 'SIGN_VERIFY');
      const { Signature } = await client.send(
        new SignCommand({ KeyId: keyId, Message: bytes('signed'), SigningAlgorithm: 'ECDSA_SHA_256' }),
      );
      return outcome(async () => {
        const out = await client.send(
          new VerifyCommand({ KeyId: keyId, Message: bytes('other'), Signature, SigningAlgorithm: 'ECDSA_SHA_256' }),
        );
        return `SignatureValid ${String(out.SignatureValid)}`;
      });
    },
  },
  {
    scenario: 'Decrypt naming a KeyId other than the key that encrypted',
    reference: 'IncorrectKeyException',
    moto: 'AccessDeniedException',
    probe: async (client) => {
      const [mine, other] = [await newKey(client), await newKey(client)];
      const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: mine, Plaintext: bytes('x') }));
      return outcome(
        async () => (await client.send(new DecryptCommand({ CiphertextBlob, KeyId: other })), 'decrypted'),
      );
    },
  },
  {
    scenario: 'RotateKeyOnDemand on an asymmetric (RSA signing) key',
    reference: 'UnsupportedOperationException',
    moto: 'rotated',
    probe: async (client) => {
      const keyId = await newKey(client, 'RSA_2048', 'SIGN_VERIFY');
      return outcome(async () => (await client.send(new RotateKeyOnDemandCommand({ KeyId: keyId })), 'rotated'));
    },
  },
  {
    scenario: 'EnableKeyRotation on an HMAC key',
    reference: 'UnsupportedOperationException',
    moto: 'enabled',
    probe: async (client) => {
      const keyId = await newKey(client, 'HMAC_256', 'GENERATE_VERIFY_MAC');
      return outcome(async () => (await client.send(new EnableKeyRotationCommand({ KeyId: keyId })), 'enabled'));
    },
  },
  {
    scenario: 'EnableKeyRotation with RotationPeriodInDays 89 (outside 90-2560)',
    reference: 'ValidationException',
    moto: 'enabled',
    probe: async (client) => {
      const keyId = await newKey(client);
      return outcome(
        async () => (
          await client.send(new EnableKeyRotationCommand({ KeyId: keyId, RotationPeriodInDays: 89 })),
          'enabled'
        ),
      );
    },
  },
  {
    scenario: 'RotateKeyOnDemand 26 times on one key (the limit is 10, or 25 in newer sources)',
    reference: 'LimitExceededException',
    moto: 'rotated 26 times',
    probe: async (client) => {
      const keyId = await newKey(client);
      return outcome(async () => {
        for (let rotation = 0; rotation < 26; rotation += 1)
          await client.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
        return 'rotated 26 times';
      });
    },
  },
  {
    scenario: 'GetKeyRotationStatus after EnableKeyRotation: RotationPeriodInDays and NextRotationDate',
    reference: 'period 365, next date set',
    moto: 'period none, next date none',
    probe: async (client) => {
      const keyId = await newKey(client);
      await client.send(new EnableKeyRotationCommand({ KeyId: keyId }));
      const status = await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }));
      return `period ${status.RotationPeriodInDays ?? 'none'}, next date ${status.NextRotationDate ? 'set' : 'none'}`;
    },
  },
  {
    scenario: 'a rotation adds key material: Decrypt and ReEncrypt name the material ids',
    reference: 'material ids differ',
    moto: 'no material ids',
    probe: async (client) => {
      const keyId = await newKey(client);
      const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x') }));
      await client.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
      const moved = await client.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: keyId }));
      if (!moved.SourceKeyMaterialId || !moved.DestinationKeyMaterialId) return 'no material ids';
      return moved.SourceKeyMaterialId === moved.DestinationKeyMaterialId
        ? 'material ids equal'
        : 'material ids differ';
    },
  },
  {
    scenario: 'the HTTP status of NotFoundException',
    reference: '404',
    moto: '400',
    probe: async (client) =>
      String(
        (await rejectionOf(client.send(new DescribeKeyCommand({ KeyId: '00000000-0000-0000-0000-000000000000' }))))
          .status,
      ),
  },
];

describe.each(targets)('KMS conformance: %s', (name, start) => {
  let target: RunningTarget;
  let client: KMSClient;

  beforeAll(async () => {
    target = await start();
    client = kmsClient(target.endpoint);
  }, 60_000);
  afterAll(async () => {
    client.destroy();
    await target.stop();
  });

  test('CreateKey/DescribeKey: a symmetric key with the metadata the reference lists', async () => {
    const keyId = await newKey(client);
    const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(KeyMetadata).toMatchObject({
      KeyId: keyId,
      Arn: expect.stringMatching(new RegExp(`^arn:aws:kms:us-east-1:\\d{12}:key/${keyId}$`)) as string,
      KeyState: 'Enabled',
      Enabled: true,
      KeySpec: 'SYMMETRIC_DEFAULT',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    });
  });

  test('Encrypt/Decrypt round trip; the encryption context is bound', async () => {
    const keyId = await newKey(client);
    const { CiphertextBlob, KeyId } = await client.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: bytes('conform'), EncryptionContext: { app: 'keyturn' } }),
    );
    expect(KeyId).toContain(keyId);
    const decrypted = await client.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { app: 'keyturn' } }));
    expect([text(decrypted.Plaintext), decrypted.KeyId]).toEqual(['conform', KeyId]);
    expect(
      await rejectionOf(client.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { app: 'other' } }))),
    ).toMatchObject({ name: 'InvalidCiphertextException' });
  });

  test('GenerateDataKey: the plaintext is what the blob decrypts to', async () => {
    const keyId = await newKey(client);
    const dataKey = await client.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
    expect(dataKey.Plaintext).toHaveLength(32);
    const { Plaintext } = await client.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }));
    expect(Buffer.from(Plaintext ?? []).equals(Buffer.from(dataKey.Plaintext ?? []))).toBe(true);
    expect(
      await rejectionOf(
        client.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', NumberOfBytes: 32 })),
      ),
    ).toMatchObject({ name: 'ValidationException' });
  });

  test('ReEncrypt to another key: the new blob decrypts under it to the same plaintext', async () => {
    const [source, destination] = [await newKey(client), await newKey(client)];
    const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: source, Plaintext: bytes('moved') }));
    const moved = await client.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: destination }));
    expect(moved.SourceKeyId).toContain(source);
    expect(moved.KeyId).toContain(destination);
    const decrypted = await client.send(new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob }));
    expect([text(decrypted.Plaintext), decrypted.KeyId]).toEqual(['moved', moved.KeyId]);
  });

  test('aliases: create, duplicate refused, update, list by key, delete', async () => {
    const [first, second] = [await newKey(client), await newKey(client)];
    await client.send(new CreateAliasCommand({ AliasName: 'alias/conformance', TargetKeyId: first }));
    expect(
      await rejectionOf(client.send(new CreateAliasCommand({ AliasName: 'alias/conformance', TargetKeyId: second }))),
    ).toMatchObject({ name: 'AlreadyExistsException' });
    await client.send(new UpdateAliasCommand({ AliasName: 'alias/conformance', TargetKeyId: second }));
    const { Aliases } = await client.send(new ListAliasesCommand({ KeyId: second }));
    expect(Aliases?.map((alias) => [alias.AliasName, alias.TargetKeyId])).toEqual([['alias/conformance', second]]);
    const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: 'alias/conformance' }));
    expect(KeyMetadata?.KeyId).toBe(second);
    await client.send(new DeleteAliasCommand({ AliasName: 'alias/conformance' }));
    expect(await rejectionOf(client.send(new DeleteAliasCommand({ AliasName: 'alias/conformance' })))).toMatchObject({
      name: 'NotFoundException',
    });
  });

  test('DisableKey/EnableKey and ScheduleKeyDeletion/CancelKeyDeletion move the key state as AWS does', async () => {
    const keyId = await newKey(client);
    const state = async () => (await client.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState;
    await client.send(new DisableKeyCommand({ KeyId: keyId }));
    expect(await state()).toBe('Disabled');
    await client.send(new EnableKeyCommand({ KeyId: keyId }));
    expect(await state()).toBe('Enabled');
    const scheduled = await client.send(new ScheduleKeyDeletionCommand({ KeyId: keyId }));
    expect(scheduled.DeletionDate).toBeInstanceOf(Date);
    expect(await state()).toBe('PendingDeletion');
    await client.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
    expect(await state()).toBe('Disabled');
  });

  test('Sign/Verify with an ECC key, and the public key it publishes', async () => {
    const keyId = await newKey(client, 'ECC_NIST_P256', 'SIGN_VERIFY');
    const { Signature } = await client.send(
      new SignCommand({ KeyId: keyId, Message: bytes('release'), SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    const verified = await client.send(
      new VerifyCommand({ KeyId: keyId, Message: bytes('release'), Signature, SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    expect(verified.SignatureValid).toBe(true);
    const { PublicKey, KeyUsage } = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
    expect(KeyUsage).toBe('SIGN_VERIFY');
    expect(PublicKey?.length).toBeGreaterThan(0);
  });

  test('GenerateMac/VerifyMac; a wrong MAC is KMSInvalidMacException', async () => {
    const keyId = await newKey(client, 'HMAC_256', 'GENERATE_VERIFY_MAC');
    const { Mac } = await client.send(
      new GenerateMacCommand({ KeyId: keyId, Message: bytes('m'), MacAlgorithm: 'HMAC_SHA_256' }),
    );
    expect(Mac).toHaveLength(32);
    const ok = await client.send(
      new VerifyMacCommand({ KeyId: keyId, Message: bytes('m'), Mac, MacAlgorithm: 'HMAC_SHA_256' }),
    );
    expect(ok.MacValid).toBe(true);
    expect(
      await rejectionOf(
        client.send(new VerifyMacCommand({ KeyId: keyId, Message: bytes('n'), Mac, MacAlgorithm: 'HMAC_SHA_256' })),
      ),
    ).toMatchObject({ name: 'KMSInvalidMacException' });
  });

  test('rotation bookkeeping: on-demand rotations are listed, old ciphertexts still decrypt, automatic rotation reads enabled', async () => {
    const keyId = await newKey(client);
    const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('old') }));
    await client.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const { Rotations } = await client.send(new ListKeyRotationsCommand({ KeyId: keyId }));
    expect(Rotations?.map((rotation) => rotation.RotationType)).toEqual(['ON_DEMAND']);
    expect(Rotations?.[0]?.RotationDate).toBeInstanceOf(Date);
    expect(text((await client.send(new DecryptCommand({ CiphertextBlob }))).Plaintext)).toBe('old');
    await client.send(new EnableKeyRotationCommand({ KeyId: keyId }));
    expect((await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled).toBe(true);
  });

  test.each(KNOWN_MOTO_DEVIATIONS.map((deviation) => [deviation.scenario, deviation] as const))(
    'known moto deviation: %s',
    async (_scenario, deviation) => {
      const observed = await deviation.probe(client);
      expect(observed).toBe(name === 'moto' ? deviation.moto : deviation.reference);
    },
  );
});
