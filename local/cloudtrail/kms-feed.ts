import type { KmsCall } from '../kms/answered-calls';
import type { CloudTrailEventInput } from './events';

/**
 * How a call the local KMS answered shows in event history, as KMS's CloudTrail entries show it:
 * source `kms.amazonaws.com`, the operation as event name, the keys as `AWS::KMS::Key` resources
 * (ReEncrypt: source, then destination; none for GenerateRandom or a key that does not exist), in
 * the KMS's Region; a refused call with its `errorCode` and `errorMessage`. KMS marks its
 * cryptographic operations read-only, as well as its Get/List/Describe calls.
 *
 * The local KMS does not check signatures and knows no users, so every caller is one fixed local
 * IAM user (`keyturn-local`) of the KMS's account, with the access key id the request was signed
 * with (its SigV4 `Credential=` scope) when there is one. Requests and responses are not copied
 * (`requestParameters` is null): they would hold plaintexts, ciphertexts and data keys.
 */

export const KMS_EVENT_SOURCE = 'kms.amazonaws.com';
export const KMS_KEY_RESOURCE_TYPE = 'AWS::KMS::Key';
/** The user every local KMS call is attributed to. */
export const LOCAL_KMS_CALLER = 'keyturn-local';

/** Operations KMS's CloudTrail entries mark `readOnly: true` besides Get*, List* and Describe*. */
const READ_ONLY_OPERATIONS: ReadonlySet<string> = new Set([
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateRandom',
  'GenerateMac',
  'VerifyMac',
  'Sign',
  'Verify',
  'DeriveSharedSecret',
]);

export function isKmsReadOnly(operation: string): boolean {
  return /^(Get|List|Describe)/.test(operation) || READ_ONLY_OPERATIONS.has(operation);
}

export function eventOfKmsCall(call: KmsCall): CloudTrailEventInput {
  return {
    eventId: call.eventId,
    eventName: call.operation,
    eventSource: KMS_EVENT_SOURCE,
    time: call.time,
    awsRegion: call.region,
    recipientAccountId: call.accountId,
    readOnly: isKmsReadOnly(call.operation),
    userIdentity: {
      type: 'IAMUser',
      principalId: 'AIDAKEYTURNLOCALKMS00',
      arn: `arn:aws:iam::${call.accountId}:user/${LOCAL_KMS_CALLER}`,
      accountId: call.accountId,
      ...(call.accessKeyId === undefined ? {} : { accessKeyId: call.accessKeyId }),
      userName: LOCAL_KMS_CALLER,
    },
    username: LOCAL_KMS_CALLER,
    resources: call.keyArns.map((arn) => ({ resourceType: KMS_KEY_RESOURCE_TYPE, resourceName: arn })),
    requestId: call.requestId,
    ...(call.accessKeyId === undefined ? {} : { accessKeyId: call.accessKeyId }),
    ...(call.userAgent === undefined ? {} : { userAgent: call.userAgent }),
    ...(call.sourceIpAddress === undefined ? {} : { sourceIpAddress: call.sourceIpAddress }),
    ...(call.errorCode === undefined ? {} : { errorCode: call.errorCode }),
    ...(call.errorMessage === undefined ? {} : { errorMessage: call.errorMessage }),
  };
}
