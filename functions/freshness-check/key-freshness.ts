import { ageSecondsOf, mostOverdueFirst, oldestAgeRatioOf } from './age';
import type { MonitoredKey } from './monitored-keys';

/**
 * Which of the policy's KMS keys are older than their policy allows: pure, over what was read of each key.
 *
 * A key's last rotation is the newest of its creation and its completed rotations (ListKeyRotations). That one rule
 * covers both ways a key rotates: a key whose material KMS rotates (automatically or on demand) keeps its id and
 * gains rotations; a key keyturn replaces is read through its alias, which points at the newest generation, whose
 * creation is the replacement.
 */

/** What was read of one key, or why it could not be. */
export type KeyReading =
  | {
      readonly key: MonitoredKey;
      readonly status: 'read';
      /** The key the check read (for an alias, the key it points at now). */
      readonly keyArn: string;
      readonly keyState: string;
      readonly creationDate: Date;
      /** The newest completed rotation, if any (none for keys KMS does not rotate). */
      readonly newestRotationDate?: Date;
      readonly deletionDate?: Date;
    }
  | {
      readonly key: MonitoredKey;
      readonly status: 'unreadable';
      /** What KMS answered (`AccessDeniedException`, `NotFoundException`, …): names, never data. */
      readonly reason: string;
    };

export interface OverdueKey {
  readonly entryId: string;
  readonly keyArn: string;
  readonly lastRotatedAt: string;
  readonly ageSeconds: number;
  readonly maxAgeSeconds: number;
}

/** A key the check could not judge: unreadable, or pending deletion (consumers of the alias would fail). */
export interface UncheckedKey {
  readonly entryId: string;
  readonly keyRef: string;
  readonly reason: string;
}

export interface KeyFreshnessReport {
  readonly monitored: number;
  /** Most overdue first. */
  readonly overdue: readonly OverdueKey[];
  readonly unchecked: readonly UncheckedKey[];
  /** The largest age ÷ allowed age over the keys checked: 1 is the edge of overdue. */
  readonly oldestAgeRatio: number;
}

/** States in which a key is on its way out: its age no longer matters, its being the current key does. */
const DELETION_STATES: ReadonlySet<string> = new Set(['PendingDeletion', 'PendingReplicaDeletion']);

/** Whether a key in `keyState` is on its way out (scheduled for deletion, or its replica is). */
export function isPendingDeletion(keyState: string): boolean {
  return DELETION_STATES.has(keyState);
}

/** The key's last rotation: the newest of its creation and its completed rotations. */
export function lastRotationOf(reading: { readonly creationDate: Date; readonly newestRotationDate?: Date }): Date {
  const rotated = reading.newestRotationDate;
  return rotated && rotated.getTime() > reading.creationDate.getTime() ? rotated : reading.creationDate;
}

export function assessKeyFreshness(readings: readonly KeyReading[], now: Date): KeyFreshnessReport {
  const aged: OverdueKey[] = [];
  const unchecked: UncheckedKey[] = [];
  for (const reading of readings) {
    const { entryId, keyRef, maxAgeSeconds } = reading.key;
    if (reading.status === 'unreadable') {
      unchecked.push({ entryId, keyRef, reason: reading.reason });
    } else if (isPendingDeletion(reading.keyState)) {
      const when = reading.deletionDate ? ` (deleted on ${reading.deletionDate.toISOString()})` : '';
      unchecked.push({ entryId, keyRef, reason: `${reading.keyArn} is ${reading.keyState}${when}` });
    } else {
      const lastRotatedAt = lastRotationOf(reading);
      aged.push({
        entryId,
        keyArn: reading.keyArn,
        lastRotatedAt: lastRotatedAt.toISOString(),
        ageSeconds: ageSecondsOf(lastRotatedAt, now),
        maxAgeSeconds,
      });
    }
  }
  return {
    monitored: readings.length,
    overdue: mostOverdueFirst(aged.filter((key) => key.ageSeconds > key.maxAgeSeconds)),
    unchecked,
    oldestAgeRatio: oldestAgeRatioOf(aged),
  };
}
