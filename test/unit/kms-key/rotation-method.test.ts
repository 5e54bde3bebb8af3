import {
  AwsManagedKeyError,
  ImportedMaterialRequiredError,
  KeyStateError,
  OnDemandRotationLimitError,
} from '../../../functions/kms-key/errors';
import type { KeyFacts, KeyRotationRecord } from '../../../functions/kms-key/key-facts';
import { DEFAULT_ON_DEMAND_ROTATION_LIMIT, rotationMethodOf } from '../../../functions/kms-key/rotation-method';

const symmetric: KeyFacts = {
  keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
  arn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  keySpec: 'SYMMETRIC_DEFAULT',
  keyUsage: 'ENCRYPT_DECRYPT',
  keyState: 'Enabled',
  origin: 'AWS_KMS',
  keyManager: 'CUSTOMER',
  multiRegion: false,
  encryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
  signingAlgorithms: [],
  macAlgorithms: [],
};

const onDemand = (count: number): KeyRotationRecord[] =>
  Array.from({ length: count }, () => ({ rotationType: 'ON_DEMAND' }));

describe('how a KMS key rotates', () => {
  it('a symmetric key with KMS material rotates on demand; automatic rotations do not count against the limit', () => {
    const rotations = [...onDemand(3), { rotationType: 'AUTOMATIC' }, { rotationType: 'AUTOMATIC' }];
    expect(rotationMethodOf({ key: symmetric, rotations })).toEqual({
      method: 'on-demand',
      onDemandRotationsLeft: DEFAULT_ON_DEMAND_ROTATION_LIMIT - 3,
    });
  });

  it('refuses the on-demand rotation that would pass the limit, before calling AWS, and names the way out', () => {
    const call = () => rotationMethodOf({ key: symmetric, rotations: onDemand(10) });
    expect(call).toThrow(OnDemandRotationLimitError);
    expect(call).toThrow(/10 on-demand rotations, KMS's limit per key is 10: .*replace the key/);
    expect(rotationMethodOf({ key: symmetric, rotations: onDemand(10), onDemandRotationLimit: 25 })).toEqual({
      method: 'on-demand',
      onDemandRotationsLeft: 15,
    });
  });

  it.each([
    ['RSA_2048', 'SIGN_VERIFY'],
    ['ECC_NIST_P256', 'SIGN_VERIFY'],
    ['RSA_4096', 'ENCRYPT_DECRYPT'],
    ['HMAC_256', 'GENERATE_VERIFY_MAC'],
  ])('a %s %s key is replaced', (keySpec, keyUsage) => {
    const method = rotationMethodOf({ key: { ...symmetric, keySpec, keyUsage }, rotations: [] });
    expect(method).toEqual({ method: 'replace', why: `a ${keySpec} ${keyUsage} key cannot rotate its material` });
  });

  it('a key in a custom key store is replaced, whatever its spec', () => {
    const key = { ...symmetric, origin: 'AWS_CLOUDHSM', customKeyStoreId: 'cks-1234567890abcdef0' };
    expect(rotationMethodOf({ key, rotations: [] })).toMatchObject({ method: 'replace' });
  });

  it('imported material: on demand only to material already imported; multi-Region keys are replaced', () => {
    const imported = { ...symmetric, origin: 'EXTERNAL' };
    expect(() => rotationMethodOf({ key: imported, rotations: [] })).toThrow(ImportedMaterialRequiredError);
    expect(() =>
      rotationMethodOf({ key: imported, rotations: [], materials: [{ keyMaterialId: 'a', state: 'CURRENT' }] }),
    ).toThrow(/ImportType NEW_KEY_MATERIAL/);
    const pending = [
      { keyMaterialId: 'a', state: 'CURRENT' },
      { keyMaterialId: 'b', state: 'PENDING_ROTATION' },
    ];
    expect(rotationMethodOf({ key: imported, rotations: [], materials: pending })).toMatchObject({
      method: 'on-demand',
    });
    expect(rotationMethodOf({ key: { ...imported, multiRegion: true }, rotations: [] })).toMatchObject({
      method: 'replace',
    });
  });

  it.each(['Disabled', 'PendingImport', 'Unavailable'])('a %s key is refused with its state named', (keyState) => {
    expect(() => rotationMethodOf({ key: { ...symmetric, keyState }, rotations: [] })).toThrow(KeyStateError);
    expect(() => rotationMethodOf({ key: { ...symmetric, keyState }, rotations: [] })).toThrow(keyState);
  });

  it('a key pending deletion is refused with its deletion date and how to cancel it', () => {
    const key = { ...symmetric, keyState: 'PendingDeletion', deletionDate: new Date('2026-12-30T00:00:00Z') };
    expect(() => rotationMethodOf({ key, rotations: [] })).toThrow(
      /PendingDeletion \(deleted on 2026-12-30T00:00:00.000Z\): cancel the deletion/,
    );
  });

  it('an AWS managed key is never rotated by keyturn', () => {
    expect(() => rotationMethodOf({ key: { ...symmetric, keyManager: 'AWS' }, rotations: [] })).toThrow(
      AwsManagedKeyError,
    );
  });
});
