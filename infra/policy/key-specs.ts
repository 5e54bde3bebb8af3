/**
 * The KMS key specs a policy may create (the ones aws-cdk-lib's `kms.KeySpec` knows), the usages keyturn can
 * rotate for each, and how each rotates. From the KMS API reference (CreateKey, KeyUsage):
 * - symmetric encryption keys: ENCRYPT_DECRYPT;
 * - RSA: ENCRYPT_DECRYPT or SIGN_VERIFY; NIST elliptic curves: SIGN_VERIFY or KEY_AGREEMENT; secp256k1,
 *   Ed25519 and ML-DSA: SIGN_VERIFY; HMAC: GENERATE_VERIFY_MAC; SM2 (China Regions): all three of RSA's and ECC's.
 * KEY_AGREEMENT is left out: no round trip lets keyturn prove a new key-agreement key before moving its alias.
 */

/** Key usages keyturn can rotate: a round trip (encrypt+decrypt, sign+verify, MAC+verify) proves the new key. */
export const ROTATABLE_KEY_USAGES = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC'] as const;
export type RotatableKeyUsage = (typeof ROTATABLE_KEY_USAGES)[number];

/** Each key spec and the usages keyturn accepts for it (the first is the default when it is the only one). */
export const KEY_SPEC_USAGES = {
  SYMMETRIC_DEFAULT: ['ENCRYPT_DECRYPT'],
  RSA_2048: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_3072: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_4096: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  ECC_NIST_P256: ['SIGN_VERIFY'],
  ECC_NIST_P384: ['SIGN_VERIFY'],
  ECC_NIST_P521: ['SIGN_VERIFY'],
  ECC_SECG_P256K1: ['SIGN_VERIFY'],
  ECC_NIST_EDWARDS25519: ['SIGN_VERIFY'],
  ML_DSA_44: ['SIGN_VERIFY'],
  ML_DSA_65: ['SIGN_VERIFY'],
  ML_DSA_87: ['SIGN_VERIFY'],
  HMAC_224: ['GENERATE_VERIFY_MAC'],
  HMAC_256: ['GENERATE_VERIFY_MAC'],
  HMAC_384: ['GENERATE_VERIFY_MAC'],
  HMAC_512: ['GENERATE_VERIFY_MAC'],
  SM2: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
} as const satisfies Readonly<Record<string, readonly RotatableKeyUsage[]>>;

export type KmsKeySpec = keyof typeof KEY_SPEC_USAGES;
export const KMS_KEY_SPECS = Object.keys(KEY_SPEC_USAGES) as [KmsKeySpec, ...KmsKeySpec[]];

/** The spec whose keys KMS rotates itself (automatic rotation) and on demand: symmetric encryption keys. */
export const SYMMETRIC_ENCRYPTION_SPEC: KmsKeySpec = 'SYMMETRIC_DEFAULT';

/** The usages a spec may have, for keyturn. */
export function usagesOf(spec: KmsKeySpec): readonly RotatableKeyUsage[] {
  return KEY_SPEC_USAGES[spec];
}

/** The usage a key of `spec` gets when the policy names none, or undefined when the spec has several to choose from. */
export function defaultUsageOf(spec: KmsKeySpec): RotatableKeyUsage | undefined {
  const usages = usagesOf(spec);
  return usages.length === 1 ? usages[0] : undefined;
}
