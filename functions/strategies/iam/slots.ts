import { IamApiError } from './errors';
import {
  CurrentKeyInactiveError,
  CurrentKeyNotFoundError,
  KeyInQuarantineError,
  TwoActiveKeysError,
  UnknownActiveKeyError,
} from './errors';
import type { AbandonedRotation } from '../abandoned-rotations';
import type { AccessKeyInfo, KeyLastUse } from './iam-api';
import { LAST_USE_PRECISION_MS } from './key-usage';
import type { QuarantineMarker } from './options';

/**
 * How createSecret makes room for the new key: IAM allows two access keys per user, and one of them is
 * the key in AWSCURRENT, so at most one other key can stand in the way. Pure: the caller gathers the
 * facts (ListAccessKeys, the secret's versions, the other key's last use) and carries out the plan.
 */

/** Slack for the clocks of IAM (CreateDate) and Lambda when judging whether a key's maker can still be alive. */
export const CLOCK_TOLERANCE_MS = 2_000;

/** IAM dates keys to the whole second: a key from the second the rotation began may be the rotation's. */
function startOfSecond(date: Date): number {
  return Math.floor(date.getTime() / 1000) * 1000;
}

/** A version of the secret that holds a key, and its staging labels ([] if unlabelled). */
export interface KeyHolder {
  readonly versionId: string;
  readonly stages: readonly string[];
}

export interface SlotFacts {
  readonly userName: string;
  readonly keys: readonly AccessKeyInfo[];
  readonly currentKeyId: string;
  /** For each access key id a version of the secret holds: the versions that hold it. */
  readonly holders: ReadonlyMap<string, readonly KeyHolder[]>;
  /** When this rotation began: the creation of its pending version. Unknown: no key counts as this rotation's. */
  readonly rotationStartedAt?: Date;
  /** Earlier rotations given up before their key became AWSCURRENT (abandoned-rotations.ts). */
  readonly abandoned?: readonly AbandonedRotation[];
  /** The other key's last use (asked only when there is another key). */
  readonly otherLastUse?: KeyLastUse;
  /** The key keyturn deactivated last, and when. */
  readonly marker?: QuarantineMarker;
  readonly quarantineMs: number;
  readonly allowReplacingUnknownKey: boolean;
  /**
   * How long an invocation of the rotation function can live (its timeout): a key younger than this
   * that no version holds may belong to a concurrent attempt that is storing it right now.
   */
  readonly attemptLifetimeMs: number;
  /**
   * An emergency run (a suspected leak) marked the secret: the current key may already be inactive (whoever
   * spotted the leak deactivated it), and the other slot's keys of this secret go at once (no rollback is coming).
   */
  readonly emergency?: boolean;
  readonly now: Date;
}

export type SlotPlan =
  /** A slot is free: create the key. */
  | { readonly kind: 'free' }
  /** Delete this key first (why: for the log and the audit). */
  | { readonly kind: 'delete'; readonly accessKeyId: string; readonly reason: string }
  /**
   * A key an attempt of this rotation (or of an abandoned one) made and has not stored, maybe yet: it counts
   * as abandoned from `settledAt`, when the attempt that made it can no longer be alive.
   */
  | { readonly kind: 'await-other-attempt'; readonly accessKeyId: string; readonly settledAt: Date };

const iso = (date: Date) => date.toISOString();

/** The plan, or a named error that says why no key can be made (and how to fix it). Changes nothing. */
export function planKeySlot(facts: SlotFacts): SlotPlan {
  const { userName, keys, currentKeyId } = facts;
  const current = keys.find((k) => k.accessKeyId === currentKeyId);
  if (!current) {
    throw new CurrentKeyNotFoundError(
      `the AWSCURRENT key ${currentKeyId} is not a key of IAM user "${userName}" (deleted, or the secret names ` +
        "another user): put the user's working key in AWSCURRENT before rotating",
    );
  }
  if (current.status !== 'Active' && facts.emergency !== true) {
    throw new CurrentKeyInactiveError(
      `the AWSCURRENT key ${currentKeyId} of IAM user "${userName}" is inactive: clients of the secret are already ` +
        'failing; reactivate it (or, after a leak, delete it and store a working key) before rotating',
    );
  }
  const others = keys.filter((k) => k.accessKeyId !== currentKeyId);
  if (others.length === 0) return { kind: 'free' };
  if (others.length > 1) {
    throw new IamApiError(`IAM user "${userName}" has ${keys.length} access keys: IAM allows two`);
  }
  const other = others[0] as AccessKeyInfo;
  const holders = facts.holders.get(other.accessKeyId) ?? [];
  const labels = [...new Set(holders.flatMap((h) => h.stages))];
  const lastUsedAt = facts.otherLastUse?.lastUsedAt;

  if (other.status === 'Inactive') {
    if (labels.length === 0) {
      return {
        kind: 'delete',
        accessKeyId: other.accessKeyId,
        reason: `inactive, and no labelled version of the secret holds it${holders.length > 0 ? ' (an old version does)' : ''}`,
      };
    }
    if (facts.emergency === true) {
      return {
        kind: 'delete',
        accessKeyId: other.accessKeyId,
        reason: `inactive (${labels.join(', ')}); an emergency rotation never rolls back to it`,
      };
    }
    return planQuarantined(facts, other, labels, lastUsedAt);
  }

  if (holders.length > 0 && facts.emergency === true) {
    return {
      kind: 'delete',
      accessKeyId: other.accessKeyId,
      reason: `an older key of this secret (${labels.join(', ') || 'an unlabelled version'}), still active: an emergency rotation retires it at once`,
    };
  }
  const fromAbandoned = planAbandonedKey(facts, other, holders, lastUsedAt);
  if (fromAbandoned) return fromAbandoned;
  if (holders.length > 0) {
    throw new TwoActiveKeysError(
      `IAM user "${userName}" has two active keys of this secret: ${other.accessKeyId} (${labels.join(', ') || 'an unlabelled version'}) ` +
        'was never revoked. Let the lifecycle revoke it (or deactivate it once nothing uses it), then rotate',
    );
  }
  const started = facts.rotationStartedAt;
  if (started !== undefined && other.createdAt.getTime() >= startOfSecond(started) && lastUsedAt === undefined) {
    return planUnstoredKey(facts, other, 'an earlier attempt of this rotation');
  }
  if (facts.allowReplacingUnknownKey) {
    return {
      kind: 'delete',
      accessKeyId: other.accessKeyId,
      reason: `active, held by no version of the secret, replaced as the entry allows (allowReplacingUnknownKey)${
        lastUsedAt ? `; last used ${iso(lastUsedAt)}` : '; never used'
      }`,
    };
  }
  throw new UnknownActiveKeyError(
    `IAM user "${userName}" has an active key ${other.accessKeyId} that no version of the secret holds ` +
      `(${lastUsedAt ? `last used ${iso(lastUsedAt)}` : 'never used'}): someone may depend on it. Delete it yourself, ` +
      "or set the entry's options.allowReplacingUnknownKey to let keyturn delete it",
  );
}

/** A key no version holds, never used, made by `maker`: deleted once the attempt that made it cannot be alive. */
function planUnstoredKey(facts: SlotFacts, other: AccessKeyInfo, maker: string): SlotPlan {
  const settledAt = new Date(other.createdAt.getTime() + facts.attemptLifetimeMs + CLOCK_TOLERANCE_MS);
  if (facts.now.getTime() >= settledAt.getTime()) {
    return {
      kind: 'delete',
      accessKeyId: other.accessKeyId,
      reason: `made by ${maker} at ${iso(other.createdAt)}, never stored and never used`,
    };
  }
  return { kind: 'await-other-attempt', accessKeyId: other.accessKeyId, settledAt };
}

/**
 * An active key of a rotation an operator gave up (its AWSPENDING cleared, a new rotation started) before the
 * key became AWSCURRENT: no client of the secret was ever given it, so it is deleted to free the slot. Either
 * the abandoned version holds it (stored, perhaps tested), or no version does (made after that rotation began,
 * never stored, never used). Undefined when the key is not such a key.
 */
function planAbandonedKey(
  facts: SlotFacts,
  other: AccessKeyInfo,
  holders: readonly KeyHolder[],
  lastUsedAt: Date | undefined,
): SlotPlan | undefined {
  const abandoned = facts.abandoned ?? [];
  const madeAfter = (rotation: AbandonedRotation) => other.createdAt.getTime() >= startOfSecond(rotation.startedAt);
  if (holders.length > 0) {
    const rotation = abandoned.find((r) => holders.every((h) => h.versionId === r.versionId));
    if (!rotation || !madeAfter(rotation)) return undefined;
    return {
      kind: 'delete',
      accessKeyId: other.accessKeyId,
      reason:
        `issued by rotation ${rotation.versionId}, which was given up (its AWSPENDING cleared) before the key ` +
        'became AWSCURRENT: no client of the secret was given it',
    };
  }
  const rotation = abandoned.find(madeAfter);
  if (!rotation || lastUsedAt !== undefined) return undefined;
  return planUnstoredKey(facts, other, `rotation ${rotation.versionId}, since given up,`);
}

/** An inactive key a labelled version holds: keyturn's revoke deactivated it; delete once its quarantine is over. */
function planQuarantined(
  facts: SlotFacts,
  other: AccessKeyInfo,
  labels: readonly string[],
  lastUsedAt: Date | undefined,
): SlotPlan {
  const marker = facts.marker?.accessKeyId === other.accessKeyId ? facts.marker : undefined;
  const what = `the inactive key ${other.accessKeyId} of IAM user "${facts.userName}" (${labels.join(', ')})`;
  const wait = 'wait, or delete that key yourself to rotate now';
  if (marker) {
    if (lastUsedAt && lastUsedAt.getTime() > marker.since.getTime() + LAST_USE_PRECISION_MS) {
      throw new KeyInQuarantineError(
        `${what} was used at ${iso(lastUsedAt)}, after keyturn deactivated it at ${iso(marker.since)}: someone ` +
          'reactivated it. Find out who depends on it; delete it yourself when nothing does',
      );
    }
    const endsAt = new Date(marker.since.getTime() + facts.quarantineMs);
    if (facts.now.getTime() >= endsAt.getTime()) {
      return {
        kind: 'delete',
        accessKeyId: other.accessKeyId,
        reason: `deactivated at ${iso(marker.since)}, unused since, quarantine over at ${iso(endsAt)}`,
      };
    }
    throw new KeyInQuarantineError(
      `${what} is in quarantine until ${iso(endsAt)} (deactivated at ${iso(marker.since)}, kept for a rollback): ${wait}`,
    );
  }
  // Deactivated outside keyturn: it has been unusable at least since its last use (or creation).
  const unusedSince = lastUsedAt ?? other.createdAt;
  const endsAt = new Date(unusedSince.getTime() + LAST_USE_PRECISION_MS + facts.quarantineMs);
  if (facts.now.getTime() >= endsAt.getTime()) {
    return {
      kind: 'delete',
      accessKeyId: other.accessKeyId,
      reason: `inactive and unused since ${iso(unusedSince)}, longer than the quarantine`,
    };
  }
  throw new KeyInQuarantineError(
    `${what} was deactivated outside keyturn and last used ${iso(unusedSince)}: it is kept until ${iso(endsAt)} ` +
      `(the quarantine from its last use); ${wait}`,
  );
}
