/** The Secrets Manager operations the local server answers, by their X-Amz-Target names. */
export const OPERATION_NAMES = [
  'CreateSecret',
  'DescribeSecret',
  'GetSecretValue',
  'BatchGetSecretValue',
  'PutSecretValue',
  'UpdateSecret',
  'UpdateSecretVersionStage',
  'ListSecretVersionIds',
  'ListSecrets',
  'RotateSecret',
  'CancelRotateSecret',
  'GetRandomPassword',
  'TagResource',
  'UntagResource',
  'DeleteSecret',
  'RestoreSecret',
  'ReplicateSecretToRegions',
  'RemoveRegionsFromReplication',
  'StopReplicationToReplica',
] as const;

export type OperationName = (typeof OPERATION_NAMES)[number];

export function isOperationName(name: string): name is OperationName {
  return (OPERATION_NAMES as readonly string[]).includes(name);
}
