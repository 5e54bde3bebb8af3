import type { AsymmetricKeyPair, SymmetricKeyMaterial } from './key-material';
import { KEY_SPEC_PROFILES, type KeyFamily, type SupportedKeySpec, type SupportedKeyUsage } from './key-specs';

/** The local KMS's model of one KMS key (customer managed, single-Region). */

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion' | 'PendingImport';
export type KeyOrigin = 'AWS_KMS' | 'EXTERNAL';

export interface AutomaticRotation {
  enabled: boolean;
  /** RotationPeriodInDays: kept while rotation is disabled, as AWS keeps it. */
  periodInDays: number;
  /** When the next automatic rotation is due (only while enabled). */
  nextRotationDate?: Date;
}

export interface OnDemandRotations {
  /** On-demand rotations started over the key's life (the lifetime limit counts these). */
  started: number;
  /** When the on-demand rotation still in progress started, if one is. */
  inProgressSince?: Date;
}

export interface KmsKey {
  readonly keyId: string;
  readonly arn: string;
  readonly createdAt: Date;
  readonly spec: SupportedKeySpec;
  readonly usage: SupportedKeyUsage;
  readonly origin: KeyOrigin;
  description: string;
  state: KeyState;
  deletionDate?: Date;
  policy: string;
  readonly tags: Map<string, string>;
  /** Symmetric keys: every version of their material, oldest first (the last is current). */
  readonly materials: SymmetricKeyMaterial[];
  readonly keyPair?: AsymmetricKeyPair;
  readonly hmacSecret?: Buffer;
  readonly rotation: AutomaticRotation;
  readonly onDemand: OnDemandRotations;
}

export function familyOf(key: KmsKey): KeyFamily {
  return KEY_SPEC_PROFILES[key.spec].family;
}

/** Symmetric encryption keys with material KMS made: the only keys whose material rotates. */
export function isRotatable(key: KmsKey): boolean {
  return familyOf(key) === 'symmetric' && key.origin === 'AWS_KMS';
}

export function currentMaterial(key: KmsKey): SymmetricKeyMaterial | undefined {
  return key.materials[key.materials.length - 1];
}
