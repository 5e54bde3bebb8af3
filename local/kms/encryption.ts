import { constants, privateDecrypt, publicEncrypt } from 'node:crypto';
import { openBlob, readBlobHeader, sealBlob, type EncryptionContext } from './ciphertext';
import { incorrectKey, invalidCiphertext, invalidKeyUsage, validation } from './errors';
import { algorithmsOf } from './key-specs';
import { assertUsableForCrypto } from './key-states';
import { currentMaterial, familyOf, type KmsKey } from './keys';
import type { KmsState } from './state';

/**
 * Encrypting under a key and decrypting what it made. Symmetric keys seal with their current
 * material into the local blob format (ciphertext.ts) and open with whichever material the blob
 * names; RSA keys with ENCRYPT_DECRYPT usage use RSAES-OAEP (SHA-1 or SHA-256), whose
 * ciphertexts carry no key id, so Decrypt must be told the key and the algorithm.
 */

export interface Sealed {
  readonly blob: Buffer;
  readonly algorithm: string;
  /** The material that sealed it (symmetric keys only). */
  readonly keyMaterialId?: string;
}

export interface Opened {
  readonly key: KmsKey;
  readonly plaintext: Buffer;
  readonly algorithm: string;
  readonly keyMaterialId?: string;
}

const OAEP_HASH: Readonly<Record<string, { readonly hash: string; readonly bytes: number }>> = {
  RSAES_OAEP_SHA_1: { hash: 'sha1', bytes: 20 },
  RSAES_OAEP_SHA_256: { hash: 'sha256', bytes: 32 },
};

function checkedAlgorithm(key: KmsKey, requested: string | undefined): string {
  if (key.usage !== 'ENCRYPT_DECRYPT') {
    throw invalidKeyUsage(`${key.arn} key usage is ${key.usage} which is not valid for this operation.`);
  }
  const supported = algorithmsOf(key.spec, key.usage).EncryptionAlgorithms ?? [];
  const algorithm = requested ?? 'SYMMETRIC_DEFAULT';
  if (!supported.includes(algorithm)) {
    throw invalidKeyUsage(
      `The encryption algorithm ${algorithm} is not valid for ${key.arn} (${supported.join(', ')}).`,
    );
  }
  return algorithm;
}

export function encryptUnder(key: KmsKey, plaintext: Buffer, context: EncryptionContext, requested?: string): Sealed {
  assertUsableForCrypto(key);
  const algorithm = checkedAlgorithm(key, requested);
  if (familyOf(key) === 'symmetric') {
    const material = currentMaterial(key);
    if (!material) throw invalidKeyUsage(`${key.arn} has no key material.`);
    return {
      blob: sealBlob({ keyId: key.keyId, keyMaterialId: material.id }, material.secret, plaintext, context),
      algorithm,
      keyMaterialId: material.id,
    };
  }
  if (Object.keys(context).length > 0) {
    throw validation('EncryptionContext is not supported with asymmetric KMS keys.');
  }
  const oaep = OAEP_HASH[algorithm];
  const publicKey = key.keyPair?.publicKey;
  if (!oaep || !publicKey) throw invalidKeyUsage(`${key.arn} cannot encrypt with ${algorithm}.`);
  const modulusBytes = (publicKey.asymmetricKeyDetails?.modulusLength ?? 2048) / 8;
  const maxBytes = modulusBytes - 2 * oaep.bytes - 2;
  if (plaintext.length > maxBytes) {
    throw validation(`Plaintext is too long: ${algorithm} with ${key.spec} takes at most ${maxBytes} bytes.`);
  }
  const blob = publicEncrypt(
    { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaep.hash },
    plaintext,
  );
  return { blob, algorithm };
}

export interface DecryptRequest {
  readonly blob: Buffer;
  readonly context: EncryptionContext;
  /** The KeyId the caller named, if any (any form the operation accepts). */
  readonly keyId?: string;
  readonly algorithm?: string;
}

export function decryptBlob(state: KmsState, request: DecryptRequest): Opened {
  const named = request.keyId === undefined ? undefined : state.find(request.keyId, { allowAlias: true });
  const header = readBlobHeader(request.blob);
  if (named && familyOf(named) !== 'symmetric') return decryptAsymmetric(named, request);
  if (!header) throw invalidCiphertext();
  const key = state.keys.get(header.keyId);
  if (!key) throw invalidCiphertext();
  if (named && named.keyId !== key.keyId) throw incorrectKey();
  assertUsableForCrypto(key);
  const algorithm = checkedAlgorithm(key, request.algorithm);
  const material = key.materials.find((candidate) => candidate.id === header.keyMaterialId);
  const plaintext = material && openBlob(request.blob, material.secret, request.context);
  if (!material || !plaintext) throw invalidCiphertext();
  return { key, plaintext, algorithm, keyMaterialId: material.id };
}

function decryptAsymmetric(key: KmsKey, request: DecryptRequest): Opened {
  assertUsableForCrypto(key);
  if (request.algorithm === undefined) {
    throw validation('EncryptionAlgorithm is required to decrypt with an asymmetric KMS key.');
  }
  const algorithm = checkedAlgorithm(key, request.algorithm);
  const oaep = OAEP_HASH[algorithm];
  const privateKey = key.keyPair?.privateKey;
  if (!oaep || !privateKey) throw invalidCiphertext();
  try {
    const plaintext = privateDecrypt(
      { key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaep.hash },
      request.blob,
    );
    return { key, plaintext, algorithm };
  } catch {
    throw invalidCiphertext();
  }
}
