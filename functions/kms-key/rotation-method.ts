import { AwsManagedKeyError, ImportedMaterialRequiredError, KeyStateError, OnDemandRotationLimitError } from './errors';
import { isSymmetricEncryptionKey, type KeyFacts, type KeyMaterialRecord, type KeyRotationRecord } from './key-facts';

/**
 * How a key gets new material, decided from what KMS says about it (the KMS API reference, RotateKeyOnDemand):
 * - symmetric encryption keys with KMS-made material rotate on demand: same key id, new material, old
 *   ciphertexts still decrypt, nothing for consumers to change;
 * - a single-Region symmetric key with imported material rotates on demand too, but only to material
 *   already imported for it (`PENDING_ROTATION`): otherwise the owner must import it first;
 * - every other key (asymmetric, HMAC, multi-Region with imported material, custom key stores) is replaced:
 *   a new key of the same spec takes over the alias, and the old one is retired after grace and drain.
 */
export type RotationMethod =
  | { readonly method: 'on-demand'; readonly onDemandRotationsLeft: number }
  | { readonly method: 'replace'; readonly why: string };

/** The lifetime limit of on-demand rotations per key: the KMS API reference says 10 (the developer guide says 25). */
export const DEFAULT_ON_DEMAND_ROTATION_LIMIT = 10;

export interface RotationMethodInput {
  readonly key: KeyFacts;
  readonly rotations: readonly KeyRotationRecord[];
  /** The key's materials, when the key has imported material (to find one pending rotation). */
  readonly materials?: readonly KeyMaterialRecord[];
  /** @default DEFAULT_ON_DEMAND_ROTATION_LIMIT */
  readonly onDemandRotationLimit?: number;
}

/** Decides how the key rotates, or throws the named reason it cannot rotate now (nothing called on AWS yet). */
export function rotationMethodOf(input: RotationMethodInput): RotationMethod {
  const { key } = input;
  refuseUnrotatable(key);
  const replacedBecause = whyReplaced(key, input.materials ?? []);
  if (replacedBecause) return { method: 'replace', why: replacedBecause };
  const limit = input.onDemandRotationLimit ?? DEFAULT_ON_DEMAND_ROTATION_LIMIT;
  const done = input.rotations.filter((rotation) => rotation.rotationType === 'ON_DEMAND').length;
  if (done >= limit) {
    throw new OnDemandRotationLimitError(
      `KMS key ${key.keyId} has had ${done} on-demand rotations, KMS's limit per key is ${limit}: ` +
        'set the entry to replace the key instead (a new key takes over its alias)',
    );
  }
  return { method: 'on-demand', onDemandRotationsLeft: limit - done };
}

function refuseUnrotatable(key: KeyFacts): void {
  if (key.keyManager === 'AWS') {
    throw new AwsManagedKeyError(`KMS key ${key.keyId} is AWS managed: AWS rotates it every year, keyturn may not`);
  }
  if (key.keyState === 'PendingDeletion' || key.keyState === 'PendingReplicaDeletion') {
    const when = key.deletionDate ? ` on ${key.deletionDate.toISOString()}` : '';
    throw new KeyStateError(
      `KMS key ${key.keyId} is ${key.keyState} (deleted${when}): cancel the deletion (CancelKeyDeletion) and enable it before rotating`,
    );
  }
  if (key.keyState !== 'Enabled') {
    throw new KeyStateError(`KMS key ${key.keyId} is ${key.keyState}: only an Enabled key is rotated`);
  }
}

function whyReplaced(key: KeyFacts, materials: readonly KeyMaterialRecord[]): string | undefined {
  if (!isSymmetricEncryptionKey(key)) return `a ${key.keySpec} ${key.keyUsage} key cannot rotate its material`;
  if (key.origin === 'AWS_CLOUDHSM' || key.origin === 'EXTERNAL_KEY_STORE' || key.customKeyStoreId) {
    return 'a key in a custom key store cannot rotate its material';
  }
  if (key.origin !== 'EXTERNAL') return undefined;
  if (key.multiRegion) return 'a multi-Region key with imported material cannot rotate on demand';
  if (!materials.some((material) => material.state === 'PENDING_ROTATION')) {
    throw new ImportedMaterialRequiredError(
      `KMS key ${key.keyId} has imported material and none is waiting to rotate in: import the new material ` +
        '(ImportKeyMaterial with ImportType NEW_KEY_MATERIAL) and rotate again',
    );
  }
  return undefined;
}
