/**
 * The local KMS through the real @aws-sdk/client-kms: keys of every kind, symmetric encryption
 * with its encryption context and tamper checks, data keys, ReEncrypt, RSA encryption, signing
 * (RAW and DIGEST, checked against node:crypto with the key's public key) and HMACs.
 */
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GenerateRandomCommand,
  GetPublicKeyCommand,
  ReEncryptCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
  type KMSClient,
  type KeySpec,
  type KeyUsageType,
  type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import {
  createCipheriv,
  createHash,
  createHmac,
  createPublicKey,
  randomBytes,
  verify as nodeVerify,
} from 'node:crypto';
import { startLocalKms, type LocalKms } from '../../../local/kms';
import { kmsClient, rejectionOf } from '../../support/kms';

let kms: LocalKms;
let client: KMSClient;

beforeAll(async () => {
  kms = await startLocalKms();
  client = kmsClient(kms.endpoint);
});
afterAll(async () => {
  client.destroy();
  await kms.stop();
});

async function newKey(KeySpec: KeySpec = 'SYMMETRIC_DEFAULT', KeyUsage?: KeyUsageType): Promise<string> {
  const out = await client.send(new CreateKeyCommand({ KeySpec, ...(KeyUsage ? { KeyUsage } : {}) }));
  return out.KeyMetadata?.KeyId ?? '';
}

const bytes = (text: string) => Buffer.from(text, 'utf8');
const text = (data: Uint8Array | undefined) => Buffer.from(data ?? new Uint8Array()).toString('utf8');

describe('CreateKey and DescribeKey', () => {
  test.each([
    ['SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] }],
    ['RSA_2048', 'ENCRYPT_DECRYPT', { EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] }],
    [
      'RSA_3072',
      'SIGN_VERIFY',
      { SigningAlgorithms: expect.arrayContaining(['RSASSA_PSS_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_256']) as string[] },
    ],
    ['ECC_NIST_P256', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_256'] }],
    ['ECC_NIST_P384', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_384'] }],
    ['ECC_NIST_P521', 'SIGN_VERIFY', { SigningAlgorithms: ['ECDSA_SHA_512'] }],
    ['HMAC_224', 'GENERATE_VERIFY_MAC', { MacAlgorithms: ['HMAC_SHA_224'] }],
    ['HMAC_512', 'GENERATE_VERIFY_MAC', { MacAlgorithms: ['HMAC_SHA_512'] }],
  ] as const)('a %s key for %s describes itself fully', async (spec, usage, algorithms) => {
    const keyId = await newKey(spec, usage);
    const { KeyMetadata } = await client.send(new DescribeKeyCommand({ KeyId: keyId }));
    expect(KeyMetadata).toMatchObject({
      KeyId: keyId,
      Arn: `arn:aws:kms:us-east-1:123456789012:key/${keyId}`,
      AWSAccountId: '123456789012',
      KeySpec: spec,
      CustomerMasterKeySpec: spec,
      KeyUsage: usage,
      KeyState: 'Enabled',
      Enabled: true,
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      MultiRegion: false,
      ...algorithms,
    });
    expect(KeyMetadata?.CreationDate).toBeInstanceOf(Date);
    // Only symmetric encryption keys have versioned material with an id.
    if (spec === 'SYMMETRIC_DEFAULT') expect(KeyMetadata?.CurrentKeyMaterialId).toMatch(/^[0-9a-f]{64}$/);
    else expect(KeyMetadata?.CurrentKeyMaterialId).toBeUndefined();
  });

  test('a key spec and key usage that do not go together are refused', async () => {
    for (const [KeySpec, KeyUsage] of [
      ['HMAC_256', 'ENCRYPT_DECRYPT'],
      ['ECC_NIST_P256', 'ENCRYPT_DECRYPT'],
      ['SYMMETRIC_DEFAULT', 'SIGN_VERIFY'],
    ] as const) {
      expect(await rejectionOf(client.send(new CreateKeyCommand({ KeySpec, KeyUsage })))).toMatchObject({
        name: 'ValidationException',
      });
    }
  });

  test('an imported-material key waits for its material: PendingImport, and no crypto', async () => {
    const { KeyMetadata } = await client.send(new CreateKeyCommand({ Origin: 'EXTERNAL', Description: 'byok' }));
    expect(KeyMetadata).toMatchObject({
      Origin: 'EXTERNAL',
      KeyState: 'PendingImport',
      Enabled: false,
      Description: 'byok',
    });
    expect(
      await rejectionOf(client.send(new EncryptCommand({ KeyId: KeyMetadata?.KeyId, Plaintext: bytes('x') }))),
    ).toEqual(
      expect.objectContaining({
        name: 'KMSInvalidStateException',
        status: 409,
        message: expect.stringContaining('pending import') as string,
      }),
    );
  });

  test('an unknown key is NotFoundException (HTTP 404)', async () => {
    expect(
      await rejectionOf(client.send(new DescribeKeyCommand({ KeyId: '00000000-0000-0000-0000-000000000000' }))),
    ).toMatchObject({ name: 'NotFoundException', status: 404 });
  });
});

describe('symmetric encryption', () => {
  let keyId: string;
  beforeAll(async () => {
    keyId = await newKey();
  });

  test('Decrypt, with or without the KeyId, returns the plaintext, the key ARN and the material used', async () => {
    const encrypted = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('s3cr3t') }));
    expect(encrypted).toMatchObject({
      KeyId: kms.keys().find((key) => key.keyId === keyId)?.arn,
      EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    });
    for (const named of [{}, { KeyId: keyId }]) {
      const decrypted = await client.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, ...named }));
      expect(text(decrypted.Plaintext)).toBe('s3cr3t');
      expect(decrypted.KeyMaterialId).toBe(kms.currentKeyMaterialIdOf(keyId));
      expect(decrypted.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    }
  });

  test('the ciphertext is not the plaintext, and two encryptions of one plaintext differ', async () => {
    const first = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('same words') }));
    const second = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('same words') }));
    expect(Buffer.from(first.CiphertextBlob ?? []).includes(bytes('same words'))).toBe(false);
    expect(Buffer.from(first.CiphertextBlob ?? []).equals(Buffer.from(second.CiphertextBlob ?? []))).toBe(false);
  });

  test('the encryption context is bound: a missing, different or extra pair is InvalidCiphertextException', async () => {
    const context = { tenant: 'a', purpose: 'db' };
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: bytes('bound'), EncryptionContext: context }),
    );
    // Pair order does not matter.
    const ok = await client.send(
      new DecryptCommand({ CiphertextBlob, EncryptionContext: { purpose: 'db', tenant: 'a' } }),
    );
    expect(text(ok.Plaintext)).toBe('bound');
    for (const wrong of [undefined, { tenant: 'b', purpose: 'db' }, { ...context, extra: '1' }]) {
      expect(
        await rejectionOf(
          client.send(new DecryptCommand({ CiphertextBlob, ...(wrong ? { EncryptionContext: wrong } : {}) })),
        ),
      ).toMatchObject({ name: 'InvalidCiphertextException', status: 400 });
    }
  });

  test('a tampered blob (any byte of header, tag or body) is refused', async () => {
    const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('untouchable') }));
    const blob = Buffer.from(CiphertextBlob ?? []);
    for (const position of [0, 10, blob.length - 30, blob.length - 1]) {
      const tampered = Buffer.from(blob);
      tampered[position] = (tampered[position] ?? 0) ^ 0x01;
      expect(await rejectionOf(client.send(new DecryptCommand({ CiphertextBlob: tampered })))).toMatchObject({
        name: expect.stringMatching(/^(InvalidCiphertextException|IncorrectKeyException)$/) as string,
      });
    }
    expect(await rejectionOf(client.send(new DecryptCommand({ CiphertextBlob: randomBytes(80) })))).toMatchObject({
      name: 'InvalidCiphertextException',
    });
  });

  test('Decrypt naming another key than the one that encrypted is IncorrectKeyException', async () => {
    const other = await newKey();
    const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: keyId, Plaintext: bytes('mine') }));
    expect(await rejectionOf(client.send(new DecryptCommand({ CiphertextBlob, KeyId: other })))).toMatchObject({
      name: 'IncorrectKeyException',
    });
  });

  test('Encrypt refuses an empty or over-4096-byte plaintext', async () => {
    for (const plaintext of [Buffer.alloc(0), Buffer.alloc(4097)]) {
      expect(await rejectionOf(client.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext })))).toMatchObject({
        name: 'ValidationException',
      });
    }
  });

  test('GenerateDataKey: the plaintext key is what its blob decrypts to, and really encrypts', async () => {
    const dataKey = await client.send(
      new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { file: 'f1' } }),
    );
    expect(dataKey.Plaintext).toHaveLength(32);
    expect(dataKey.KeyMaterialId).toBe(kms.currentKeyMaterialIdOf(keyId));
    const { Plaintext } = await client.send(
      new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { file: 'f1' } }),
    );
    expect(Buffer.from(Plaintext ?? []).equals(Buffer.from(dataKey.Plaintext ?? []))).toBe(true);
    // The data key is a working AES-256 key.
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(dataKey.Plaintext ?? []), randomBytes(12));
    expect(cipher.update('data').length).toBe(4);

    const sized = await client.send(new GenerateDataKeyCommand({ KeyId: keyId, NumberOfBytes: 64 }));
    expect(sized.Plaintext).toHaveLength(64);
    const withoutPlaintext = await client.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keyId, KeySpec: 'AES_128' }),
    );
    expect(withoutPlaintext).not.toHaveProperty('Plaintext');
    const recovered = await client.send(new DecryptCommand({ CiphertextBlob: withoutPlaintext.CiphertextBlob }));
    expect(recovered.Plaintext).toHaveLength(16);
  });

  test('GenerateDataKey takes exactly one of KeySpec and NumberOfBytes (1-1024)', async () => {
    for (const input of [
      {},
      { KeySpec: 'AES_256', NumberOfBytes: 32 },
      { NumberOfBytes: 0 },
      { NumberOfBytes: 1025 },
    ] as const) {
      expect(await rejectionOf(client.send(new GenerateDataKeyCommand({ KeyId: keyId, ...input })))).toMatchObject({
        name: 'ValidationException',
      });
    }
  });

  test('GenerateRandom returns the bytes asked for (1-1024)', async () => {
    const { Plaintext } = await client.send(new GenerateRandomCommand({ NumberOfBytes: 48 }));
    expect(Plaintext).toHaveLength(48);
    expect(await rejectionOf(client.send(new GenerateRandomCommand({ NumberOfBytes: 1025 })))).toMatchObject({
      name: 'ValidationException',
    });
  });

  test('ReEncrypt moves a blob to another key and context without the plaintext leaving', async () => {
    const destination = await newKey();
    const { CiphertextBlob } = await client.send(
      new EncryptCommand({ KeyId: keyId, Plaintext: bytes('moving'), EncryptionContext: { v: '1' } }),
    );
    const moved = await client.send(
      new ReEncryptCommand({
        CiphertextBlob,
        SourceEncryptionContext: { v: '1' },
        DestinationKeyId: destination,
        DestinationEncryptionContext: { v: '2' },
      }),
    );
    expect(moved).toMatchObject({
      SourceKeyId: expect.stringContaining(keyId) as string,
      KeyId: expect.stringContaining(destination) as string,
      SourceKeyMaterialId: kms.currentKeyMaterialIdOf(keyId),
      DestinationKeyMaterialId: kms.currentKeyMaterialIdOf(destination),
      SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
    });
    expect(moved).not.toHaveProperty('Plaintext');
    const decrypted = await client.send(
      new DecryptCommand({ CiphertextBlob: moved.CiphertextBlob, EncryptionContext: { v: '2' } }),
    );
    expect(decrypted).toMatchObject({ KeyId: expect.stringContaining(destination) as string });
    expect(text(decrypted.Plaintext)).toBe('moving');
    // The wrong source context is caught before anything is re-encrypted.
    expect(
      await rejectionOf(client.send(new ReEncryptCommand({ CiphertextBlob, DestinationKeyId: destination }))),
    ).toMatchObject({ name: 'InvalidCiphertextException' });
  });

  test('a key is not usable for what its usage does not allow', async () => {
    const signingKey = await newKey('ECC_NIST_P256', 'SIGN_VERIFY');
    expect(
      await rejectionOf(client.send(new EncryptCommand({ KeyId: signingKey, Plaintext: bytes('x') }))),
    ).toMatchObject({
      name: 'InvalidKeyUsageException',
    });
    expect(
      await rejectionOf(
        client.send(new SignCommand({ KeyId: keyId, Message: bytes('x'), SigningAlgorithm: 'ECDSA_SHA_256' })),
      ),
    ).toMatchObject({ name: 'InvalidKeyUsageException' });
    expect(
      await rejectionOf(
        client.send(new GenerateMacCommand({ KeyId: keyId, Message: bytes('x'), MacAlgorithm: 'HMAC_SHA_256' })),
      ),
    ).toMatchObject({ name: 'InvalidKeyUsageException' });
  });
});

describe('RSA encryption keys', () => {
  test('RSAES_OAEP encrypts with the public key; Decrypt needs the key and the algorithm', async () => {
    const keyId = await newKey('RSA_2048', 'ENCRYPT_DECRYPT');
    for (const EncryptionAlgorithm of ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const) {
      const { CiphertextBlob } = await client.send(
        new EncryptCommand({ KeyId: keyId, Plaintext: bytes('rsa'), EncryptionAlgorithm }),
      );
      const { Plaintext } = await client.send(
        new DecryptCommand({ KeyId: keyId, CiphertextBlob, EncryptionAlgorithm }),
      );
      expect(text(Plaintext)).toBe('rsa');
      expect(await rejectionOf(client.send(new DecryptCommand({ CiphertextBlob })))).toMatchObject({
        name: 'InvalidCiphertextException',
      });
    }
    expect(
      await rejectionOf(
        client.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: bytes('x'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidKeyUsageException' });
    // OAEP with SHA-256 on a 2048-bit key takes at most 190 bytes.
    expect(
      await rejectionOf(
        client.send(
          new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.alloc(191), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationException' });
  });
});

describe('Sign, Verify and GetPublicKey', () => {
  const cases: [KeySpec, SigningAlgorithmSpec, string][] = [
    ['ECC_NIST_P256', 'ECDSA_SHA_256', 'sha256'],
    ['ECC_NIST_P384', 'ECDSA_SHA_384', 'sha384'],
    ['ECC_NIST_P521', 'ECDSA_SHA_512', 'sha512'],
    ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_256', 'sha256'],
    ['RSA_2048', 'RSASSA_PKCS1_V1_5_SHA_512', 'sha512'],
    ['RSA_2048', 'RSASSA_PSS_SHA_256', 'sha256'],
    ['RSA_2048', 'RSASSA_PSS_SHA_384', 'sha384'],
  ];
  const keys = new Map<string, string>();
  const keyFor = async (spec: KeySpec) => {
    const existing = keys.get(spec);
    if (existing) return existing;
    const created = await newKey(spec, 'SIGN_VERIFY');
    keys.set(spec, created);
    return created;
  };

  test.each(cases)(
    '%s %s: a RAW or DIGEST signature verifies in KMS and with the public key outside it',
    async (spec, algorithm, hash) => {
      const keyId = await keyFor(spec);
      const message = bytes(`release ${algorithm}`);
      const digest = createHash(hash).update(message).digest();
      const { PublicKey } = await client.send(new GetPublicKeyCommand({ KeyId: keyId }));
      const publicKey = createPublicKey({ key: Buffer.from(PublicKey ?? []), format: 'der', type: 'spki' });
      const pss = algorithm.startsWith('RSASSA_PSS');
      const verifyOutside = (signature: Uint8Array | undefined) =>
        nodeVerify(
          hash,
          message,
          pss ? { key: publicKey, padding: 6, saltLength: -1 } : publicKey,
          Buffer.from(signature ?? []),
        );

      for (const [signType, signed] of [
        ['RAW', message],
        ['DIGEST', digest],
      ] as const) {
        const { Signature, SigningAlgorithm } = await client.send(
          new SignCommand({ KeyId: keyId, Message: signed, MessageType: signType, SigningAlgorithm: algorithm }),
        );
        expect(SigningAlgorithm).toBe(algorithm);
        expect(verifyOutside(Signature)).toBe(true);
        // Verify may be told either form of the message, whichever way it was signed.
        for (const [verifyType, verified] of [
          ['RAW', message],
          ['DIGEST', digest],
        ] as const) {
          const out = await client.send(
            new VerifyCommand({
              KeyId: keyId,
              Message: verified,
              MessageType: verifyType,
              Signature,
              SigningAlgorithm: algorithm,
            }),
          );
          expect(out.SignatureValid).toBe(true);
        }
        const forged = await rejectionOf(
          client.send(
            new VerifyCommand({ KeyId: keyId, Message: bytes('forged'), Signature, SigningAlgorithm: algorithm }),
          ),
        );
        expect(forged).toMatchObject({ name: 'KMSInvalidSignatureException', status: 400 });
      }
    },
  );

  test('a DIGEST of the wrong length, or an algorithm the key does not have, is refused', async () => {
    const keyId = await keyFor('ECC_NIST_P256');
    expect(
      await rejectionOf(
        client.send(
          new SignCommand({
            KeyId: keyId,
            Message: Buffer.alloc(20),
            MessageType: 'DIGEST',
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationException' });
    expect(
      await rejectionOf(
        client.send(new SignCommand({ KeyId: keyId, Message: bytes('m'), SigningAlgorithm: 'ECDSA_SHA_384' })),
      ),
    ).toMatchObject({ name: 'InvalidKeyUsageException' });
  });

  test('GetPublicKey describes the key pair; a symmetric key has none', async () => {
    const keyId = await keyFor('ECC_NIST_P256');
    expect(await client.send(new GetPublicKeyCommand({ KeyId: keyId }))).toMatchObject({
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
    });
    expect(await rejectionOf(client.send(new GetPublicKeyCommand({ KeyId: await newKey() })))).toMatchObject({
      name: 'UnsupportedOperationException',
    });
  });
});

describe('GenerateMac and VerifyMac', () => {
  test.each([
    ['HMAC_256', 'HMAC_SHA_256', 32],
    ['HMAC_384', 'HMAC_SHA_384', 48],
  ] as const)(
    '%s: a real HMAC that verifies; a wrong one is KMSInvalidMacException',
    async (spec, algorithm, length) => {
      const keyId = await newKey(spec, 'GENERATE_VERIFY_MAC');
      const { Mac } = await client.send(
        new GenerateMacCommand({ KeyId: keyId, Message: bytes('token'), MacAlgorithm: algorithm }),
      );
      expect(Mac).toHaveLength(length);
      const again = await client.send(
        new GenerateMacCommand({ KeyId: keyId, Message: bytes('token'), MacAlgorithm: algorithm }),
      );
      expect(Buffer.from(again.Mac ?? []).equals(Buffer.from(Mac ?? []))).toBe(true);
      expect(
        await client.send(
          new VerifyMacCommand({ KeyId: keyId, Message: bytes('token'), Mac, MacAlgorithm: algorithm }),
        ),
      ).toMatchObject({ MacValid: true, MacAlgorithm: algorithm });
      // Not a MAC anyone could make without the key.
      const guess = createHmac(algorithm.replace('HMAC_SHA_', 'sha'), 'not-the-key').update('token').digest();
      for (const wrong of [{ Mac: guess }, { Message: bytes('other') }]) {
        expect(
          await rejectionOf(
            client.send(
              new VerifyMacCommand({ KeyId: keyId, Message: bytes('token'), Mac, MacAlgorithm: algorithm, ...wrong }),
            ),
          ),
        ).toMatchObject({ name: 'KMSInvalidMacException', status: 400 });
      }
    },
  );
});
