/**
 * What keyturn reads about a KMS key before deciding how it rotates: DescribeKey's metadata and the key's
 * rotation history (ListKeyRotations), in keyturn's own shape so the rules below stay pure.
 */

/** KMS key states (DescribeKey `KeyState`). */
export type KeyState =
  | 'Creating'
  | 'Enabled'
  | 'Disabled'
  | 'PendingDeletion'
  | 'PendingImport'
  | 'PendingReplicaDeletion'
  | 'Unavailable'
  | 'Updating';

/** Where the key material comes from (DescribeKey `Origin`). */
export type KeyOrigin = 'AWS_KMS' | 'EXTERNAL' | 'AWS_CLOUDHSM' | 'EXTERNAL_KEY_STORE';

export interface KeyFacts {
  readonly keyId: string;
  readonly arn: string;
  /** `SYMMETRIC_DEFAULT`, `RSA_2048`, `ECC_NIST_P256`, `HMAC_256`, … (kept as a string: KMS adds specs). */
  readonly keySpec: string;
  /** `ENCRYPT_DECRYPT`, `SIGN_VERIFY`, `GENERATE_VERIFY_MAC`, `KEY_AGREEMENT`. */
  readonly keyUsage: string;
  readonly keyState: KeyState | (string & {});
  readonly origin: KeyOrigin | (string & {});
  /** `CUSTOMER` or `AWS`. */
  readonly keyManager: string;
  readonly multiRegion: boolean;
  readonly customKeyStoreId?: string;
  readonly deletionDate?: Date;
  /** What the key can do (DescribeKey): the round trip that proves it works picks from these. */
  readonly encryptionAlgorithms: readonly string[];
  readonly signingAlgorithms: readonly string[];
  readonly macAlgorithms: readonly string[];
}

/** One completed rotation of the key's material (ListKeyRotations). */
export interface KeyRotationRecord {
  readonly rotationType: 'AUTOMATIC' | 'ON_DEMAND' | (string & {});
  readonly rotationDate?: Date;
  readonly keyMaterialId?: string;
}

/** One key material of the key (ListKeyRotations with `IncludeKeyMaterial: ALL_KEY_MATERIAL`). */
export interface KeyMaterialRecord {
  readonly keyMaterialId: string;
  /** `CURRENT`, `NON_CURRENT` or `PENDING_ROTATION` (imported material waiting for a rotation). */
  readonly state: string;
}

/** A symmetric key whose material KMS itself can rotate (automatic rotation applies to these only). */
export function isSymmetricEncryptionKey(key: KeyFacts): boolean {
  return key.keySpec === 'SYMMETRIC_DEFAULT' && key.keyUsage === 'ENCRYPT_DECRYPT';
}
