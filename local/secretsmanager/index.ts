/** The local Secrets Manager: start it in process, or run cli.ts on its own. */
export {
  startLocalSecretsManager,
  LocalSecretsManager,
  type LocalSecretsManagerOptions,
  type RotationFunction,
  type RotationRecord,
  type RotationEvent,
  type RotationStep,
  type RotationOutcome,
  type RotationEventName,
  type QuotaOverrides,
} from './local-secrets-manager';
export { AwsServiceError, type AwsExceptionName } from './errors';
export { DEFAULT_QUOTA_BUCKETS, type QuotaBucketName } from './quotas';
export { CONTROL_PATH_PREFIX } from './server';
export { OWNING_SERVICE_TAG, type ServiceOwnedSecretInput } from './state';
