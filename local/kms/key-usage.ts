import type { KmsKey } from './keys';
import type { KmsOperationName } from './operations';

/**
 * The last successful cryptographic use of a key, as GetKeyLastUsage reports it. Only the
 * operations its `Operation` enum names count (those the local KMS serves): a refused call, a
 * DryRun, GenerateRandom (no key) or a management call never does. ReEncrypt counts for both its
 * source and its destination key, as the GetKeyLastUsage reference says. The time keeps whole
 * seconds, as the reference's example shows: it is the time of the call's CloudTrail event.
 */

export const KEY_USAGE_OPERATIONS = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateMac',
  'ReEncrypt',
  'Sign',
  'Verify',
  'VerifyMac',
] as const satisfies readonly KmsOperationName[];

export type KeyUsageOperation = (typeof KEY_USAGE_OPERATIONS)[number];

export interface KeyLastUsage {
  readonly operation: KeyUsageOperation;
  /** Whole seconds of the emulator's clock. */
  readonly at: Date;
  readonly cloudTrailEventId: string;
  readonly kmsRequestId: string;
}

export function isKeyUsageOperation(operation: KmsOperationName): operation is KeyUsageOperation {
  return (KEY_USAGE_OPERATIONS as readonly string[]).includes(operation);
}

export function recordUse(
  key: KmsKey,
  use: {
    readonly operation: KeyUsageOperation;
    readonly time: Date;
    readonly eventId: string;
    readonly requestId: string;
  },
): void {
  key.lastUsage = {
    operation: use.operation,
    at: new Date(Math.floor(use.time.getTime() / 1000) * 1000),
    cloudTrailEventId: use.eventId,
    kmsRequestId: use.requestId,
  };
}
