import { createAlias, deleteAlias, listAliases, updateAlias } from './alias-operations';
import type { KmsContext } from './context';
import {
  decrypt,
  encrypt,
  generateDataKey,
  generateDataKeyWithoutPlaintext,
  generateRandom,
  reEncrypt,
} from './encryption-operations';
import {
  cancelKeyDeletion,
  createKey,
  describeKey,
  disableKey,
  enableKey,
  getKeyPolicy,
  listKeyPolicies,
  listKeys,
  listResourceTags,
  putKeyPolicy,
  scheduleKeyDeletion,
  tagResource,
  untagResource,
  updateKeyDescription,
} from './key-operations';
import { generateMac, verifyMac } from './mac-operations';
import {
  disableKeyRotation,
  enableKeyRotation,
  getKeyRotationStatus,
  listKeyRotations,
  rotateKeyOnDemand,
} from './rotation-operations';
import { getPublicKey, sign, verify } from './signing-operations';

/** The KMS operations the local KMS serves (X-Amz-Target `TrentService.<Operation>`). */

export type KmsOperationHandler = (body: unknown, context: KmsContext) => object;

const HANDLERS = {
  CreateKey: createKey,
  DescribeKey: describeKey,
  ListKeys: listKeys,
  EnableKey: enableKey,
  DisableKey: disableKey,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  CancelKeyDeletion: cancelKeyDeletion,
  UpdateKeyDescription: updateKeyDescription,
  GetKeyPolicy: getKeyPolicy,
  PutKeyPolicy: putKeyPolicy,
  ListKeyPolicies: listKeyPolicies,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListResourceTags: listResourceTags,
  CreateAlias: createAlias,
  UpdateAlias: updateAlias,
  DeleteAlias: deleteAlias,
  ListAliases: listAliases,
  EnableKeyRotation: enableKeyRotation,
  DisableKeyRotation: disableKeyRotation,
  GetKeyRotationStatus: getKeyRotationStatus,
  RotateKeyOnDemand: rotateKeyOnDemand,
  ListKeyRotations: listKeyRotations,
  Encrypt: encrypt,
  Decrypt: decrypt,
  ReEncrypt: reEncrypt,
  GenerateDataKey: generateDataKey,
  GenerateDataKeyWithoutPlaintext: generateDataKeyWithoutPlaintext,
  GenerateRandom: generateRandom,
  Sign: sign,
  Verify: verify,
  GetPublicKey: getPublicKey,
  GenerateMac: generateMac,
  VerifyMac: verifyMac,
} as const satisfies Record<string, KmsOperationHandler>;

export type KmsOperationName = keyof typeof HANDLERS;
export const KMS_OPERATION_NAMES = Object.keys(HANDLERS) as KmsOperationName[];

export function isKmsOperationName(name: string): name is KmsOperationName {
  return Object.prototype.hasOwnProperty.call(HANDLERS, name);
}

export function handlerOf(operation: KmsOperationName): KmsOperationHandler {
  return HANDLERS[operation];
}
