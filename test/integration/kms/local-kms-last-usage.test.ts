/**
 * GetKeyLastUsage and the local KMS's call reports, through the real @aws-sdk/client-kms on a fake
 * clock (nothing sleeps): a key's last successful cryptographic use (operation, time in whole
 * seconds, request id), never a refused call or a management call; ReEncrypt counting for both
 * keys; aliases refused as KeyId; and `subscribe`, told of every call answered, accepted or
 * refused, with key ARNs and error codes but no plaintext, ciphertext, data key, signature or MAC.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetKeyLastUsageCommand,
  ReEncryptCommand,
  SignCommand,
  VerifyCommand,
  type GetKeyLastUsageResponse,
  type KMSClient,
  type KeySpec,
  type KeyUsageType,
} from '@aws-sdk/client-kms';
import { startLocalKms, type KmsCall, type LocalKms } from '../../../local/kms';
import { kmsClient, rejectionOf } from '../../support/kms';

/** The fake clock, in epoch ms; 700 ms into a second, so whole-second truncation shows. */
const START_MS = Date.UTC(2030, 2, 1, 9, 0, 0) + 700;
let clockMs = START_MS;
const advance = (ms: number) => {
  clockMs += ms;
};
const wholeSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);

let kms: LocalKms;
let client: KMSClient;

beforeAll(async () => {
  kms = await startLocalKms({ now: () => new Date(clockMs) });
  client = kmsClient(kms.endpoint);
});
afterAll(async () => {
  client.destroy();
  await kms.stop();
});

async function newKey(KeySpec: KeySpec = 'SYMMETRIC_DEFAULT', KeyUsage?: KeyUsageType) {
  const out = await client.send(new CreateKeyCommand({ KeySpec, ...(KeyUsage ? { KeyUsage } : {}) }));
  return { keyId: out.KeyMetadata?.KeyId ?? '', arn: out.KeyMetadata?.Arn ?? '' };
}

function lastUsage(KeyId: string): Promise<GetKeyLastUsageResponse> {
  return client.send(new GetKeyLastUsageCommand({ KeyId }));
}

describe('GetKeyLastUsage', () => {
  test('a key never used: an empty KeyLastUsage, tracked since its creation', async () => {
    const createdAtMs = clockMs;
    const { keyId, arn } = await newKey();
    advance(60_000);
    await client.send(new DescribeKeyCommand({ KeyId: keyId }));
    await client.send(new GenerateRandomCommand({ NumberOfBytes: 16 }));
    for (const identifier of [keyId, arn]) {
      const out = await lastUsage(identifier);
      expect(out.KeyId).toBe(keyId);
      expect(out.KeyLastUsage).toEqual({});
      expect(out.TrackingStartDate).toEqual(new Date(createdAtMs));
      expect(out.KeyCreationDate).toEqual(new Date(createdAtMs));
    }
  });

  test('Encrypt, then Decrypt: the latest operation, at its whole second, with its request id', async () => {
    const { keyId } = await newKey();
    advance(5_000);
    const encryptedAtMs = clockMs;
    const encrypted = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('canary') }));
    const afterEncrypt = await lastUsage(keyId);
    expect(afterEncrypt.KeyLastUsage).toEqual({
      Operation: 'Encrypt',
      Timestamp: wholeSeconds(encryptedAtMs),
      CloudTrailEventId: expect.stringMatching(/^[0-9a-f-]{36}$/) as string,
      KmsRequestId: encrypted.$metadata.requestId,
    });

    advance(90_000);
    const decrypted = await client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob }));
    const afterDecrypt = await lastUsage(keyId);
    expect(afterDecrypt.KeyLastUsage).toMatchObject({
      Operation: 'Decrypt',
      Timestamp: wholeSeconds(encryptedAtMs + 90_000),
      KmsRequestId: decrypted.$metadata.requestId,
    });
    expect(afterDecrypt.KeyLastUsage?.CloudTrailEventId).not.toBe(afterEncrypt.KeyLastUsage?.CloudTrailEventId);
  });

  test('Sign (an ECC key) and GenerateMac (an HMAC key) count as uses', async () => {
    const signing = await newKey('ECC_NIST_P256', 'SIGN_VERIFY');
    const mac = await newKey('HMAC_256', 'GENERATE_VERIFY_MAC');
    advance(2_000);
    const signedAtMs = clockMs;
    await client.send(
      new SignCommand({ KeyId: signing.keyId, Message: Buffer.from('m'), SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    advance(3_000);
    await client.send(
      new GenerateMacCommand({ KeyId: mac.arn, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' }),
    );
    expect((await lastUsage(signing.keyId)).KeyLastUsage).toMatchObject({
      Operation: 'Sign',
      Timestamp: wholeSeconds(signedAtMs),
    });
    expect((await lastUsage(mac.keyId)).KeyLastUsage).toMatchObject({
      Operation: 'GenerateMac',
      Timestamp: wholeSeconds(signedAtMs + 3_000),
    });
  });

  test('ReEncrypt counts for both the source and the destination key', async () => {
    const source = await newKey();
    const destination = await newKey();
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId: source.keyId, Plaintext: Buffer.from('moved') }),
    );
    advance(10_000);
    const reEncrypted = await client.send(
      new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: destination.keyId }),
    );
    for (const key of [source, destination]) {
      expect((await lastUsage(key.keyId)).KeyLastUsage).toMatchObject({
        Operation: 'ReEncrypt',
        Timestamp: wholeSeconds(clockMs),
        KmsRequestId: reEncrypted.$metadata.requestId,
      });
    }
  });

  test('refused calls never count: a disabled key, a DryRun, a signature that does not verify', async () => {
    const { keyId } = await newKey();
    const usedAtMs = clockMs;
    await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('first') }));
    advance(60_000);
    expect(
      (await rejectionOf(client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x'), DryRun: true }))))
        .name,
    ).toBe('DryRunOperationException');
    await client.send(new DisableKeyCommand({ KeyId: keyId }));
    expect(
      (await rejectionOf(client.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })))).name,
    ).toBe('DisabledException');
    // Last use survives the key being disabled, and GetKeyLastUsage answers for a disabled key.
    expect((await lastUsage(keyId)).KeyLastUsage).toMatchObject({
      Operation: 'Encrypt',
      Timestamp: wholeSeconds(usedAtMs),
    });
    await client.send(new EnableKeyCommand({ KeyId: keyId }));

    const signing = await newKey('ECC_NIST_P256', 'SIGN_VERIFY');
    const rejected = await rejectionOf(
      client.send(
        new VerifyCommand({
          KeyId: signing.keyId,
          Message: Buffer.from('m'),
          Signature: Buffer.from('not a signature'),
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      ),
    );
    expect(rejected.name).toBe('KMSInvalidSignatureException');
    expect((await lastUsage(signing.keyId)).KeyLastUsage).toEqual({});
  });

  test('an alias is refused as KeyId (NotFoundException), as is a key that does not exist', async () => {
    const { keyId } = await newKey();
    await client.send(new CreateAliasCommand({ AliasName: 'alias/last-usage', TargetKeyId: keyId }));
    for (const identifier of ['alias/last-usage', `arn:aws:kms:us-east-1:123456789012:alias/last-usage`]) {
      expect(await rejectionOf(lastUsage(identifier))).toMatchObject({ name: 'NotFoundException', status: 404 });
    }
    expect((await rejectionOf(lastUsage('11111111-2222-3333-4444-555555555555'))).name).toBe('NotFoundException');
  });
});

describe('subscribe: every call answered, accepted or refused', () => {
  test('accepted and refused calls with their keys and error codes, and no secret material', async () => {
    const calls: KmsCall[] = [];
    const unsubscribe = kms.subscribe((call) => calls.push(call));
    const source = await newKey();
    const destination = await newKey();
    await client.send(new CreateAliasCommand({ AliasName: 'alias/reported', TargetKeyId: source.keyId }));
    const encrypted = await client.send(
      new EncryptCommand({ KeyId: 'alias/reported', Plaintext: Buffer.from('the reported plaintext') }),
    );
    const dataKey = await client.send(new GenerateDataKeyCommand({ KeyId: source.keyId, KeySpec: 'AES_256' }));
    const reEncrypted = await client.send(
      new ReEncryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, DestinationKeyId: destination.arn }),
    );
    await client.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
    await client.send(new DisableKeyCommand({ KeyId: source.keyId }));
    await rejectionOf(client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob })));
    const missing = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    await rejectionOf(client.send(new DescribeKeyCommand({ KeyId: missing })));
    unsubscribe();
    await client.send(new DescribeKeyCommand({ KeyId: source.keyId }));

    expect(calls.map((call) => [call.operation, call.keyArns, call.errorCode])).toEqual([
      ['CreateKey', [source.arn], undefined],
      ['CreateKey', [destination.arn], undefined],
      ['CreateAlias', [source.arn], undefined],
      ['Encrypt', [source.arn], undefined],
      ['GenerateDataKey', [source.arn], undefined],
      ['ReEncrypt', [source.arn, destination.arn], undefined],
      ['GenerateRandom', [], undefined],
      ['DisableKey', [source.arn], undefined],
      ['Decrypt', [source.arn], 'DisabledException'],
      ['DescribeKey', [], 'NotFoundException'],
    ]);
    const refused = calls.find((call) => call.errorCode === 'DisabledException');
    expect(refused).toMatchObject({
      region: 'us-east-1',
      accountId: '123456789012',
      accessKeyId: 'AKIAKEYTURNLOCAL0001',
      errorMessage: `${source.arn} is disabled.`,
      userAgent: expect.stringContaining('aws-sdk-js') as string,
      time: new Date(clockMs),
    });
    expect(calls.find((call) => call.operation === 'ReEncrypt')?.requestId).toBe(reEncrypted.$metadata.requestId);

    const reported = JSON.stringify(calls);
    const secrets = [
      Buffer.from('the reported plaintext').toString('base64'),
      'the reported plaintext',
      Buffer.from(encrypted.CiphertextBlob ?? []).toString('base64'),
      Buffer.from(dataKey.Plaintext ?? []).toString('base64'),
      Buffer.from(dataKey.CiphertextBlob ?? []).toString('base64'),
      Buffer.from(reEncrypted.CiphertextBlob ?? []).toString('base64'),
    ];
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(reported).not.toContain(secret);
    }
  });

  test("a listener's failure does not fail the call", async () => {
    const unsubscribe = kms.subscribe(() => {
      throw new Error('listener broke');
    });
    try {
      await expect(client.send(new GenerateRandomCommand({ NumberOfBytes: 8 }))).resolves.toBeDefined();
    } finally {
      unsubscribe();
    }
  });
});
