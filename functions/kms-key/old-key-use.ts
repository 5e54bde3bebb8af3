import { usageWindowStart } from '../strategies/recent-use';
import type { KeyLastUse } from './kms-api';

/**
 * Is the replaced key still in use? Used (successfully, per GetKeyLastUsage) in the last hour AND after the
 * alias moved: after the switch keyturn itself never touches the old key, so any such use is a consumer that
 * still names the old key by id or ARN (or cached the alias's old target). A use from before the switch, or
 * more than an hour old, is idle: the drain loop sees a consumer go once it stopped.
 */
export interface OldKeyUse {
  readonly inUse: boolean | 'unknown';
  readonly evidence: string;
}

export function judgeOldKeyUse(use: KeyLastUse | undefined, switchedAt: Date, now: Date): OldKeyUse {
  if (use === undefined) return { inUse: 'unknown', evidence: 'KMS did not say when the key was last used' };
  if (use.trackingSince && use.trackingSince > switchedAt) {
    return { inUse: 'unknown', evidence: `KMS tracks uses of the key only since ${use.trackingSince.toISOString()}` };
  }
  if (!use.at) return { inUse: false, evidence: 'no successful use of the key since KMS began tracking' };
  const what = `${use.operation ?? 'a use'} at ${use.at.toISOString()}${use.cloudTrailEventId ? ` (CloudTrail event ${use.cloudTrailEventId})` : ''}`;
  // KMS dates uses to the second: a use within the second the window opens counts (the safe side).
  const windowStart = Math.floor(usageWindowStart(switchedAt, now).getTime() / 1000) * 1000;
  if (use.at.getTime() >= windowStart) return { inUse: true, evidence: `last used: ${what}` };
  return { inUse: false, evidence: `last used before the switch or over an hour ago: ${what}` };
}

/** What consumers do with a key: the calls a disabled key refuses them (not keyturn's own management calls). */
const CONSUMER_OPERATIONS = new Set([
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'Sign',
  'Verify',
  'GetPublicKey',
  'GenerateMac',
  'VerifyMac',
  'DeriveSharedSecret',
]);
/** How KMS refuses a call on a disabled key (or one pending deletion, when a retry races the schedule). */
const REFUSED_FOR_KEY_STATE = new Set(['DisabledException', 'KMSInvalidStateException']);

/**
 * A refused call that shows a consumer still depends on the disabled key: a cryptographic use refused for the
 * key's state. A management call that failed (keyturn's own TagResource answered 500) is not one.
 */
export function isConsumerRefusal(eventName: string, errorCode: string): boolean {
  return CONSUMER_OPERATIONS.has(eventName) && REFUSED_FOR_KEY_STATE.has(errorCode);
}
