import { compact, epochSeconds } from '../http/aws-json-values';
import { algorithmsOf } from './key-specs';
import { currentMaterial, type KmsKey } from './keys';
import type { KmsLocation } from './state';

/** KeyMetadata as CreateKey and DescribeKey answer it (dates in epoch seconds; unset fields left out). */
export function keyMetadata(key: KmsKey, location: KmsLocation) {
  return compact({
    AWSAccountId: location.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: epochSeconds(key.createdAt),
    Enabled: key.state === 'Enabled',
    Description: key.description,
    KeyUsage: key.usage,
    KeyState: key.state,
    DeletionDate: key.deletionDate === undefined ? undefined : epochSeconds(key.deletionDate),
    Origin: key.origin,
    KeyManager: 'CUSTOMER',
    // Deprecated in the API but still returned, with the same value as KeySpec.
    CustomerMasterKeySpec: key.spec,
    KeySpec: key.spec,
    ...algorithmsOf(key.spec, key.usage),
    MultiRegion: false,
    CurrentKeyMaterialId: currentMaterial(key)?.id,
  });
}
