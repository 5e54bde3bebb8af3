/**
 * What each key spec the local KMS creates is for, as the KMS API reference tables it: which key
 * usages it may have and, per usage, the algorithms DescribeKey lists and the operations accept.
 * Post-quantum, Edwards and SM2 specs and key agreement are not emulated (CreateKey refuses them).
 */

export const SUPPORTED_KEY_SPECS = [
  'SYMMETRIC_DEFAULT',
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
  'HMAC_224',
  'HMAC_256',
  'HMAC_384',
  'HMAC_512',
] as const;
export type SupportedKeySpec = (typeof SUPPORTED_KEY_SPECS)[number];

export const KEY_USAGES = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC'] as const;
export type SupportedKeyUsage = (typeof KEY_USAGES)[number];

export type KeyFamily = 'symmetric' | 'rsa' | 'ecc' | 'hmac';

export const RSA_ENCRYPTION_ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const;
export const RSA_SIGNING_ALGORITHMS = [
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
] as const;

export interface KeySpecProfile {
  readonly family: KeyFamily;
  readonly usages: readonly SupportedKeyUsage[];
  /** RSA modulus bits, EC curve (OpenSSL name), HMAC hash and key bytes. */
  readonly modulusBits?: number;
  readonly curve?: string;
  readonly hmacHash?: 'sha224' | 'sha256' | 'sha384' | 'sha512';
  readonly hmacKeyBytes?: number;
}

export const KEY_SPEC_PROFILES: Readonly<Record<SupportedKeySpec, KeySpecProfile>> = {
  SYMMETRIC_DEFAULT: { family: 'symmetric', usages: ['ENCRYPT_DECRYPT'] },
  RSA_2048: { family: 'rsa', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], modulusBits: 2048 },
  RSA_3072: { family: 'rsa', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], modulusBits: 3072 },
  RSA_4096: { family: 'rsa', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], modulusBits: 4096 },
  ECC_NIST_P256: { family: 'ecc', usages: ['SIGN_VERIFY'], curve: 'prime256v1' },
  ECC_NIST_P384: { family: 'ecc', usages: ['SIGN_VERIFY'], curve: 'secp384r1' },
  ECC_NIST_P521: { family: 'ecc', usages: ['SIGN_VERIFY'], curve: 'secp521r1' },
  ECC_SECG_P256K1: { family: 'ecc', usages: ['SIGN_VERIFY'], curve: 'secp256k1' },
  HMAC_224: { family: 'hmac', usages: ['GENERATE_VERIFY_MAC'], hmacHash: 'sha224', hmacKeyBytes: 28 },
  HMAC_256: { family: 'hmac', usages: ['GENERATE_VERIFY_MAC'], hmacHash: 'sha256', hmacKeyBytes: 32 },
  HMAC_384: { family: 'hmac', usages: ['GENERATE_VERIFY_MAC'], hmacHash: 'sha384', hmacKeyBytes: 48 },
  HMAC_512: { family: 'hmac', usages: ['GENERATE_VERIFY_MAC'], hmacHash: 'sha512', hmacKeyBytes: 64 },
};

export function isSupportedKeySpec(spec: string): spec is SupportedKeySpec {
  return (SUPPORTED_KEY_SPECS as readonly string[]).includes(spec);
}

export function isKeyUsage(usage: string): usage is SupportedKeyUsage {
  return (KEY_USAGES as readonly string[]).includes(usage);
}

/** The algorithms DescribeKey lists for a key of this spec and usage (and the operations accept). */
export interface KeyAlgorithms {
  readonly EncryptionAlgorithms?: string[];
  readonly SigningAlgorithms?: string[];
  readonly MacAlgorithms?: string[];
}

const ECDSA_ALGORITHM_OF_CURVE: Readonly<Record<string, string>> = {
  prime256v1: 'ECDSA_SHA_256',
  secp384r1: 'ECDSA_SHA_384',
  secp521r1: 'ECDSA_SHA_512',
  secp256k1: 'ECDSA_SHA_256',
};

export function algorithmsOf(spec: SupportedKeySpec, usage: SupportedKeyUsage): KeyAlgorithms {
  const profile = KEY_SPEC_PROFILES[spec];
  switch (profile.family) {
    case 'symmetric':
      return { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] };
    case 'rsa':
      return usage === 'ENCRYPT_DECRYPT'
        ? { EncryptionAlgorithms: [...RSA_ENCRYPTION_ALGORITHMS] }
        : { SigningAlgorithms: [...RSA_SIGNING_ALGORITHMS] };
    case 'ecc':
      return { SigningAlgorithms: [ECDSA_ALGORITHM_OF_CURVE[profile.curve ?? ''] ?? 'ECDSA_SHA_256'] };
    case 'hmac':
      return { MacAlgorithms: [`HMAC_SHA_${spec.slice('HMAC_'.length)}`] };
  }
}
