import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { KEY_SPEC_PROFILES, type SupportedKeySpec } from './key-specs';

/**
 * Key material, made with node:crypto only: 256-bit AES keys for symmetric keys (one version per
 * rotation, each with its own KeyMaterialId), real RSA and EC key pairs, HMAC secrets of the
 * spec's length. Material never leaves the emulator: no response, log or control answer holds it.
 */

/** One version of a symmetric key's material. */
export interface SymmetricKeyMaterial {
  /** KeyMaterialId: 64 hex characters, as AWS shows them. */
  readonly id: string;
  /** The 256-bit AES-GCM key. */
  readonly secret: Buffer;
  readonly createdAt: Date;
  /** How this material came to be: absent for the key's first material. */
  readonly rotationType?: 'AUTOMATIC' | 'ON_DEMAND';
  /** When the rotation that made this material completed (absent for the first material). */
  readonly rotationDate?: Date;
}

export interface AsymmetricKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export function newKeyMaterialId(): string {
  return randomBytes(32).toString('hex');
}

export function newSymmetricMaterial(
  createdAt: Date,
  rotation?: { readonly type: 'AUTOMATIC' | 'ON_DEMAND'; readonly date: Date },
): SymmetricKeyMaterial {
  return {
    id: newKeyMaterialId(),
    secret: randomBytes(32),
    createdAt,
    ...(rotation === undefined ? {} : { rotationType: rotation.type, rotationDate: rotation.date }),
  };
}

export function newKeyPair(spec: SupportedKeySpec): AsymmetricKeyPair {
  const profile = KEY_SPEC_PROFILES[spec];
  if (profile.family === 'rsa') {
    return generateKeyPairSync('rsa', { modulusLength: profile.modulusBits ?? 2048 });
  }
  if (profile.family === 'ecc') {
    return generateKeyPairSync('ec', { namedCurve: profile.curve ?? 'prime256v1' });
  }
  throw new RangeError(`${spec} has no key pair`);
}

export function newHmacSecret(spec: SupportedKeySpec): Buffer {
  return randomBytes(KEY_SPEC_PROFILES[spec].hmacKeyBytes ?? 32);
}
