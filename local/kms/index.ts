/** The local KMS: customer managed keys with real crypto, rotation, quotas and faults, for the unmodified @aws-sdk/client-kms. */
export { startLocalKms, LocalKms, type LocalKmsOptions, type LocalKmsKeySummary } from './local-kms';
export type { KmsFaultControl, PendingKmsFault } from './faults';
export { DEFAULT_KMS_FAULT } from './faults';
export { SYMMETRIC_CRYPTO_OPERATIONS, type CryptoRequestStats, type CryptoSecond } from './crypto-quota';
export {
  DEFAULT_ON_DEMAND_ROTATION_LIMIT,
  DEFAULT_ROTATION_PERIOD_DAYS,
  MIN_ROTATION_PERIOD_DAYS,
  MAX_ROTATION_PERIOD_DAYS,
  AUTOMATIC_ROTATION_CONFLICT_WINDOW_MS,
  type RotationRecord,
} from './rotation';
export { KMS_OPERATION_NAMES, type KmsOperationName } from './operations';
export { SUPPORTED_KEY_SPECS, type SupportedKeySpec } from './key-specs';
