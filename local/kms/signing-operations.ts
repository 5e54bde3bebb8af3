import { constants, createHash, sign as nodeSign } from 'node:crypto';
import { z } from 'zod';
import type { KmsContext } from './context';
import {
  disabled,
  invalidKeyUsage,
  invalidSignature,
  pendingDeletion,
  pendingImport,
  unsupported,
  validation,
} from './errors';
import { signDigest, verifyDigest } from './ecdsa-digest';
import { algorithmsOf } from './key-specs';
import { assertUsableForCrypto } from './key-states';
import { familyOf, type KmsKey } from './keys';
import { decodeBlob, grantTokens, keyIdentifier, parseRequest } from './requests';
import { signPkcs1Digest, signPssDigest, verifyPkcs1Digest, verifyPssDigest, type RsaHash } from './rsa-digest';

/**
 * Sign, Verify and GetPublicKey with real RSA and EC key pairs. MessageType RAW signs the
 * message (KMS hashes it); DIGEST signs a digest the caller computed, which must be as long as
 * the algorithm's hash. A signature that does not verify is KMSInvalidSignatureException, not
 * SignatureValid: false, as the Verify reference says.
 */

const MAX_MESSAGE_BYTES = 4096;
const MAX_SIGNATURE_BYTES = 6144;

const signRequest = z.object({
  KeyId: keyIdentifier,
  Message: z.string(),
  MessageType: z.string().optional(),
  GrantTokens: grantTokens,
  SigningAlgorithm: z.string(),
  DryRun: z.boolean().optional(),
});
const verifyRequest = signRequest.extend({ Signature: z.string() });
const publicKeyRequest = z.object({ KeyId: keyIdentifier, GrantTokens: grantTokens });

interface Scheme {
  readonly hash: RsaHash;
  readonly kind: 'pkcs1' | 'pss' | 'ecdsa';
}

const SCHEMES: Readonly<Record<string, Scheme>> = {
  RSASSA_PKCS1_V1_5_SHA_256: { hash: 'sha256', kind: 'pkcs1' },
  RSASSA_PKCS1_V1_5_SHA_384: { hash: 'sha384', kind: 'pkcs1' },
  RSASSA_PKCS1_V1_5_SHA_512: { hash: 'sha512', kind: 'pkcs1' },
  RSASSA_PSS_SHA_256: { hash: 'sha256', kind: 'pss' },
  RSASSA_PSS_SHA_384: { hash: 'sha384', kind: 'pss' },
  RSASSA_PSS_SHA_512: { hash: 'sha512', kind: 'pss' },
  ECDSA_SHA_256: { hash: 'sha256', kind: 'ecdsa' },
  ECDSA_SHA_384: { hash: 'sha384', kind: 'ecdsa' },
  ECDSA_SHA_512: { hash: 'sha512', kind: 'ecdsa' },
};

/** The key, its checked scheme, and the digest to sign or verify (the message hashed when RAW). */
function prepare(context: KmsContext, request: z.infer<typeof signRequest>) {
  const key = context.state.find(request.KeyId, { allowAlias: true });
  const message = decodeBlob(request.Message, 'message', 1, MAX_MESSAGE_BYTES);
  assertUsableForCrypto(key);
  if (key.usage !== 'SIGN_VERIFY') {
    throw invalidKeyUsage(`${key.arn} key usage is ${key.usage} which is not valid for signing.`);
  }
  const supported = algorithmsOf(key.spec, key.usage).SigningAlgorithms ?? [];
  const scheme = SCHEMES[request.SigningAlgorithm];
  if (!scheme || !supported.includes(request.SigningAlgorithm)) {
    throw invalidKeyUsage(
      `The signing algorithm ${request.SigningAlgorithm} is not valid for ${key.arn} (${supported.join(', ')}).`,
    );
  }
  const messageType = request.MessageType ?? 'RAW';
  if (messageType !== 'RAW' && messageType !== 'DIGEST') {
    throw validation(`MessageType ${messageType} is not supported by the local KMS (RAW or DIGEST).`);
  }
  const digestLength = createHash(scheme.hash).digest().length;
  if (messageType === 'DIGEST' && message.length !== digestLength) {
    throw validation(`Digest is invalid length for algorithm ${request.SigningAlgorithm}.`);
  }
  const digest = messageType === 'DIGEST' ? message : createHash(scheme.hash).update(message).digest();
  return { key, scheme, digest, message, messageType };
}

function keyPairOf(key: KmsKey) {
  if (!key.keyPair) throw invalidKeyUsage(`${key.arn} has no key pair.`);
  return key.keyPair;
}

export function sign(body: unknown, context: KmsContext): object {
  const request = parseRequest(signRequest, body);
  const { key, scheme, digest, message, messageType } = prepare(context, request);
  const { privateKey } = keyPairOf(key);
  let signature: Buffer;
  if (scheme.kind === 'ecdsa') {
    signature = messageType === 'RAW' ? nodeSign(scheme.hash, message, privateKey) : signDigest(digest, privateKey);
  } else if (scheme.kind === 'pkcs1') {
    signature = signPkcs1Digest(digest, scheme.hash, privateKey);
  } else {
    signature =
      messageType === 'RAW'
        ? nodeSign(scheme.hash, message, {
            key: privateKey,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
          })
        : signPssDigest(digest, scheme.hash, privateKey);
  }
  return { KeyId: key.arn, Signature: signature.toString('base64'), SigningAlgorithm: request.SigningAlgorithm };
}

export function verify(body: unknown, context: KmsContext): object {
  const request = parseRequest(verifyRequest, body);
  const { key, scheme, digest } = prepare(context, request);
  const signature = decodeBlob(request.Signature, 'signature', 1, MAX_SIGNATURE_BYTES);
  const { publicKey } = keyPairOf(key);
  let valid: boolean;
  if (scheme.kind === 'ecdsa') {
    valid = verifyDigest(digest, signature, publicKey);
  } else if (scheme.kind === 'pkcs1') {
    valid = verifyPkcs1Digest(digest, scheme.hash, signature, publicKey);
  } else {
    valid = verifyPssDigest(digest, scheme.hash, signature, publicKey);
  }
  if (!valid) throw invalidSignature();
  return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: request.SigningAlgorithm };
}

export function getPublicKey(body: unknown, { state }: KmsContext): object {
  const key = state.find(parseRequest(publicKeyRequest, body).KeyId, { allowAlias: true });
  const family = familyOf(key);
  if (family !== 'rsa' && family !== 'ecc')
    throw unsupported(`${key.arn} is not an asymmetric KMS key: it has no public key.`);
  if (key.state === 'Disabled') throw disabled(key.arn);
  if (key.state === 'PendingDeletion') throw pendingDeletion(key.arn);
  if (key.state === 'PendingImport') throw pendingImport(key.arn);
  return {
    KeyId: key.arn,
    PublicKey: keyPairOf(key).publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    CustomerMasterKeySpec: key.spec,
    KeySpec: key.spec,
    KeyUsage: key.usage,
    ...algorithmsOf(key.spec, key.usage),
  };
}
