import { createHash } from 'node:crypto';
import type { StrategyName } from '../strategies/strategy';

/**
 * Canary cohorts (docs/canary.md): before AWSCURRENT moves, a candidate version carrying only the entry's canary
 * label is live for the consumers that opt in to read that label; the lifecycle holds, watching it, then promotes
 * that same value through RotateSecret, or aborts with nothing moved for anyone else.
 */

/** The label a canary candidate carries when the entry names none. */
export const DEFAULT_CANARY_LABEL = 'KEYTURN_CANARY';

/**
 * The candidate's version id, derived from the rotation id so that every retry, twin invocation and RotateSecret's
 * createSecret (whose token is the rotation id) find the same version without any state of their own: a UUID
 * shaped from SHA-256 of a fixed prefix and the rotation id (Secrets Manager version ids are 32 to 64 characters).
 */
export function canaryVersionId(rotationId: string): string {
  const hex = createHash('sha256').update(`keyturn-canary:${rotationId}`).digest('hex');
  // RFC 9562 layout: version 8 (custom), variant 10.
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `8${hex.slice(13, 16)}`,
    `${variant}${hex.slice(17, 20)}`,
    hex.slice(20, 32),
  ].join('-');
}

/**
 * Why a kind cannot canary, or undefined when it can. A canary needs the candidate and the current credential to
 * work side by side at the target, and a candidate value keyturn creates itself (the abort must be able to make
 * exactly that value stop working without touching the current one).
 */
export function canaryRefusal(kind: StrategyName): string | undefined {
  switch (kind) {
    case 'random':
    case 'postgres-alternating-users':
    case 'mysql-alternating-users':
    case 'redis-user':
    case 'elasticache-user':
      return undefined;
    case 'postgres-single-user':
    case 'mysql-single-user':
      return (
        `${kind} changes the only user's password in setSecret: the moment the candidate works, the current ` +
        'credential stops working for every consumer, so there is no cohort to try it on (use the alternating-users kind)'
      );
    case 'iam-access-key':
    case 'http-api-key':
      return (
        `${kind} values are issued by the target and shown once (createSecret's issuePendingValue): ` +
        'keyturn does not canary issued values yet'
      );
  }
}

/** Secrets Manager's own labels: a canary label may not be one of them. */
export function isReservedLabel(label: string): boolean {
  return /^AWS/i.test(label);
}

/** Why `label` cannot be a canary label, or undefined when it can (it travels in a tag and names a staging label). */
export function canaryLabelProblem(label: string): string | undefined {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(label)) return 'must be 1 to 64 letters, digits, "_", "." or "-"';
  if (isReservedLabel(label)) return 'must not start with "AWS": those labels are Secrets Manager\'s own';
  return undefined;
}
