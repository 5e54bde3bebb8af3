import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { compact } from '../http/aws-json-values';
import type { KmsContext } from './context';
import { KmsError, invalidKeyUsage, outOfRange, unsupported, validation } from './errors';
import { decryptBlob, encryptUnder } from './encryption';
import { familyOf, type KmsKey } from './keys';
import { decodeBlob, encryptionContext, grantTokens, keyIdentifier, parseRequest } from './requests';

/**
 * Encrypt, Decrypt, ReEncrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext and
 * GenerateRandom. Plaintexts and data keys only ever travel in responses to the caller: nothing
 * here logs or keeps them. ReEncrypt decrypts and re-encrypts inside the emulator, so the
 * plaintext never leaves it. DryRun is answered with DryRunOperationException once every check passed.
 */

const MAX_PLAINTEXT_BYTES = 4096;
const MAX_CIPHERTEXT_BYTES = 6144;
const MAX_RANDOM_BYTES = 1024;
const DATA_KEY_BYTES: Readonly<Record<string, number>> = { AES_128: 16, AES_256: 32 };

const encryptRequest = z.object({
  KeyId: keyIdentifier,
  Plaintext: z.string(),
  EncryptionContext: encryptionContext,
  GrantTokens: grantTokens,
  EncryptionAlgorithm: z.string().optional(),
  DryRun: z.boolean().optional(),
});
const decryptRequest = z.object({
  CiphertextBlob: z.string(),
  EncryptionContext: encryptionContext,
  GrantTokens: grantTokens,
  KeyId: keyIdentifier.optional(),
  EncryptionAlgorithm: z.string().optional(),
  DryRun: z.boolean().optional(),
});
const reEncryptRequest = z.object({
  CiphertextBlob: z.string(),
  SourceEncryptionContext: encryptionContext,
  SourceKeyId: keyIdentifier.optional(),
  DestinationKeyId: keyIdentifier,
  DestinationEncryptionContext: encryptionContext,
  SourceEncryptionAlgorithm: z.string().optional(),
  DestinationEncryptionAlgorithm: z.string().optional(),
  GrantTokens: grantTokens,
  DryRun: z.boolean().optional(),
});
const dataKeyRequest = z.object({
  KeyId: keyIdentifier,
  EncryptionContext: encryptionContext,
  NumberOfBytes: z.number().int().optional(),
  KeySpec: z.string().optional(),
  GrantTokens: grantTokens,
  DryRun: z.boolean().optional(),
});
const randomRequest = z.object({ NumberOfBytes: z.number().int().optional(), CustomKeyStoreId: z.string().optional() });

const base64 = (bytes: Buffer) => bytes.toString('base64');

function refuseDryRun(dryRun: boolean | undefined): void {
  if (dryRun === true) {
    throw new KmsError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.');
  }
}

export function encrypt(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(encryptRequest, body);
  const key = state.find(request.KeyId, { allowAlias: true });
  const plaintext = decodeBlob(request.Plaintext, 'plaintext', 1, MAX_PLAINTEXT_BYTES);
  const sealed = encryptUnder(key, plaintext, request.EncryptionContext ?? {}, request.EncryptionAlgorithm);
  refuseDryRun(request.DryRun);
  return { CiphertextBlob: base64(sealed.blob), KeyId: key.arn, EncryptionAlgorithm: sealed.algorithm };
}

export function decrypt(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(decryptRequest, body);
  const opened = decryptBlob(state, {
    blob: decodeBlob(request.CiphertextBlob, 'ciphertextBlob', 1, MAX_CIPHERTEXT_BYTES),
    context: request.EncryptionContext ?? {},
    ...(request.KeyId === undefined ? {} : { keyId: request.KeyId }),
    ...(request.EncryptionAlgorithm === undefined ? {} : { algorithm: request.EncryptionAlgorithm }),
  });
  refuseDryRun(request.DryRun);
  return compact({
    KeyId: opened.key.arn,
    Plaintext: base64(opened.plaintext),
    EncryptionAlgorithm: opened.algorithm,
    KeyMaterialId: opened.keyMaterialId,
  });
}

export function reEncrypt(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(reEncryptRequest, body);
  const destination = state.find(request.DestinationKeyId, { allowAlias: true });
  const opened = decryptBlob(state, {
    blob: decodeBlob(request.CiphertextBlob, 'ciphertextBlob', 1, MAX_CIPHERTEXT_BYTES),
    context: request.SourceEncryptionContext ?? {},
    ...(request.SourceKeyId === undefined ? {} : { keyId: request.SourceKeyId }),
    ...(request.SourceEncryptionAlgorithm === undefined ? {} : { algorithm: request.SourceEncryptionAlgorithm }),
  });
  const sealed = encryptUnder(
    destination,
    opened.plaintext,
    request.DestinationEncryptionContext ?? {},
    request.DestinationEncryptionAlgorithm,
  );
  refuseDryRun(request.DryRun);
  return compact({
    CiphertextBlob: base64(sealed.blob),
    SourceKeyId: opened.key.arn,
    KeyId: destination.arn,
    SourceEncryptionAlgorithm: opened.algorithm,
    DestinationEncryptionAlgorithm: sealed.algorithm,
    SourceKeyMaterialId: opened.keyMaterialId,
    DestinationKeyMaterialId: sealed.keyMaterialId,
  });
}

/** A data key under a symmetric encryption key: its plaintext and its ciphertext blob. */
function newDataKey(body: unknown, context: KmsContext) {
  const request = parseRequest(dataKeyRequest, body);
  const key: KmsKey = context.state.find(request.KeyId, { allowAlias: true });
  if ((request.NumberOfBytes === undefined) === (request.KeySpec === undefined)) {
    throw validation('Please specify either number of bytes or key spec.');
  }
  let length: number;
  if (request.KeySpec !== undefined) {
    const bytes = DATA_KEY_BYTES[request.KeySpec];
    if (bytes === undefined) {
      throw validation(
        `1 validation error detected: Value '${request.KeySpec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]`,
      );
    }
    length = bytes;
  } else {
    length = request.NumberOfBytes ?? 0;
    if (length < 1 || length > MAX_RANDOM_BYTES) throw outOfRange('numberOfBytes', length, 1, MAX_RANDOM_BYTES);
  }
  if (familyOf(key) !== 'symmetric') {
    throw invalidKeyUsage(`${key.arn} is not a symmetric encryption KMS key: data keys need one.`);
  }
  const plaintext = randomBytes(length);
  const sealed = encryptUnder(key, plaintext, request.EncryptionContext ?? {});
  refuseDryRun(request.DryRun);
  return { key, plaintext, sealed };
}

export function generateDataKey(body: unknown, context: KmsContext): object {
  const { key, plaintext, sealed } = newDataKey(body, context);
  return compact({
    CiphertextBlob: base64(sealed.blob),
    Plaintext: base64(plaintext),
    KeyId: key.arn,
    KeyMaterialId: sealed.keyMaterialId,
  });
}

export function generateDataKeyWithoutPlaintext(body: unknown, context: KmsContext): object {
  const { key, sealed } = newDataKey(body, context);
  return compact({ CiphertextBlob: base64(sealed.blob), KeyId: key.arn, KeyMaterialId: sealed.keyMaterialId });
}

export function generateRandom(body: unknown): object {
  const request = parseRequest(randomRequest, body);
  if (request.CustomKeyStoreId !== undefined) throw unsupported('The local KMS has no custom key stores.');
  const length = request.NumberOfBytes;
  if (length === undefined) {
    throw validation(
      "1 validation error detected: Value null at 'numberOfBytes' failed to satisfy constraint: Member must not be null",
    );
  }
  if (length < 1 || length > MAX_RANDOM_BYTES) throw outOfRange('numberOfBytes', length, 1, MAX_RANDOM_BYTES);
  return { Plaintext: base64(randomBytes(length)) };
}
