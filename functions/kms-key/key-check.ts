import { createHash, createPublicKey, constants, randomBytes, verify as verifyLocally } from 'node:crypto';
import {
  DecryptCommand,
  EncryptCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import type { KeyFacts } from './key-facts';
import type { KeyCheckResult } from './kms-api';

/**
 * Proves a key does what its consumers use it for, with random bytes that are dropped afterwards:
 * - ENCRYPT_DECRYPT: encrypt, decrypt, same bytes back (symmetric keys name the material that did it);
 * - SIGN_VERIFY: sign, and verify both in KMS and, where Node can, locally with the public key from
 *   GetPublicKey (what a consumer verifying offline does);
 * - GENERATE_VERIFY_MAC: generate a MAC and verify it.
 * A definite "no" (bytes differ, signature or MAC invalid) is `ok: false`; KMS errors are thrown.
 */
export async function checkKey(kms: KMSClient, key: KeyFacts): Promise<KeyCheckResult> {
  switch (key.keyUsage) {
    case 'ENCRYPT_DECRYPT':
      return encryptDecrypt(kms, key);
    case 'SIGN_VERIFY':
      return signVerify(kms, key);
    case 'GENERATE_VERIFY_MAC':
      return macVerify(kms, key);
    default:
      return { ok: false, detail: `no round trip proves a ${key.keyUsage} key` };
  }
}

const digest = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function encryptDecrypt(kms: KMSClient, key: KeyFacts): Promise<KeyCheckResult> {
  const algorithm =
    key.keySpec === 'SYMMETRIC_DEFAULT'
      ? 'SYMMETRIC_DEFAULT'
      : preferred(key.encryptionAlgorithms, 'RSAES_OAEP_SHA_256');
  if (!algorithm) return { ok: false, detail: `KMS key ${key.keyId} names no encryption algorithm` };
  const plaintext = randomBytes(32);
  const sealed = await kms.send(
    new EncryptCommand({ KeyId: key.arn, Plaintext: plaintext, EncryptionAlgorithm: algorithm as 'SYMMETRIC_DEFAULT' }),
  );
  const opened = await kms.send(
    new DecryptCommand({
      KeyId: key.arn,
      CiphertextBlob: sealed.CiphertextBlob,
      EncryptionAlgorithm: algorithm as 'SYMMETRIC_DEFAULT',
    }),
  );
  const ok = opened.Plaintext !== undefined && digest(opened.Plaintext) === digest(plaintext);
  return {
    ok,
    detail: `encrypt+decrypt round trip (${algorithm})`,
    ...(opened.KeyMaterialId ? { keyMaterialId: opened.KeyMaterialId } : {}),
  };
}

/** Node's verify options for the KMS signing algorithms it knows; undefined for the others (KMS verifies those). */
function localVerification(algorithm: string): { hash: string; options: Record<string, unknown> } | undefined {
  const match = /^(RSASSA_PSS|RSASSA_PKCS1_V1_5|ECDSA)_SHA_(256|384|512)$/.exec(algorithm);
  if (!match) return undefined;
  const hash = `sha${match[2] ?? ''}`;
  if (match[1] === 'RSASSA_PSS') {
    return { hash, options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(match[2]) / 8 } };
  }
  if (match[1] === 'RSASSA_PKCS1_V1_5') return { hash, options: { padding: constants.RSA_PKCS1_PADDING } };
  return { hash, options: { dsaEncoding: 'der' } };
}

async function signVerify(kms: KMSClient, key: KeyFacts): Promise<KeyCheckResult> {
  const algorithm = key.signingAlgorithms.find((candidate) => localVerification(candidate)) ?? key.signingAlgorithms[0];
  if (!algorithm) return { ok: false, detail: `KMS key ${key.keyId} names no signing algorithm` };
  const message = randomBytes(32);
  const signingAlgorithm = algorithm as 'ECDSA_SHA_256';
  const signed = await kms.send(
    new SignCommand({ KeyId: key.arn, Message: message, MessageType: 'RAW', SigningAlgorithm: signingAlgorithm }),
  );
  if (!signed.Signature) return { ok: false, detail: `sign (${algorithm}) returned no signature` };
  const verified = await refusedAsInvalid(
    'KMSInvalidSignatureException',
    kms.send(
      new VerifyCommand({
        KeyId: key.arn,
        Message: message,
        MessageType: 'RAW',
        Signature: signed.Signature,
        SigningAlgorithm: signingAlgorithm,
      }),
    ),
  );
  if (verified?.SignatureValid !== true) return { ok: false, detail: `sign+verify in KMS (${algorithm})` };
  const local = localVerification(algorithm);
  if (!local) return { ok: true, detail: `sign+verify in KMS (${algorithm})` };
  const publicKey = await kms.send(new GetPublicKeyCommand({ KeyId: key.arn }));
  if (!publicKey.PublicKey) return { ok: false, detail: 'GetPublicKey returned no public key' };
  const spki = createPublicKey({ key: Buffer.from(publicKey.PublicKey), format: 'der', type: 'spki' });
  const ok = verifyLocally(local.hash, message, { key: spki, ...local.options }, Buffer.from(signed.Signature));
  return { ok, detail: `sign+verify in KMS and with the public key (${algorithm})` };
}

async function macVerify(kms: KMSClient, key: KeyFacts): Promise<KeyCheckResult> {
  const algorithm = key.macAlgorithms[0];
  if (!algorithm) return { ok: false, detail: `KMS key ${key.keyId} names no MAC algorithm` };
  const message = randomBytes(32);
  const macAlgorithm = algorithm as 'HMAC_SHA_256';
  const generated = await kms.send(
    new GenerateMacCommand({ KeyId: key.arn, Message: message, MacAlgorithm: macAlgorithm }),
  );
  const verified = await refusedAsInvalid(
    'KMSInvalidMacException',
    kms.send(
      new VerifyMacCommand({ KeyId: key.arn, Message: message, Mac: generated.Mac, MacAlgorithm: macAlgorithm }),
    ),
  );
  return { ok: verified?.MacValid === true, detail: `generate+verify MAC (${algorithm})` };
}

function preferred(available: readonly string[], wanted: string): string | undefined {
  return available.includes(wanted) ? wanted : available[0];
}

/** KMS answers an invalid signature or MAC with an exception: that is a definite "no", not a failure to check. */
async function refusedAsInvalid<T>(exceptionName: string, call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof Error && error.name === exceptionName) return undefined;
    throw error;
  }
}
