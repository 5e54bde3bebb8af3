import { KeyturnError } from './errors';
import { replicaArnOf, type SecretDescription, type SecretStore } from './secret-store';

/**
 * Whether a secret's replicas in other regions hold a given version: the primary's ReplicationStatus says
 * `InSync`, and the replica itself, read in its region (GetSecretValue by version id), serves the version's value
 * with the expected label. Both, because the status alone does not say which change a replica has caught up with,
 * and a version may replicate before its value does. What this returns and throws is value-free: regions,
 * statuses, version ids and labels.
 */

/** A replica did not hold the version in time (or replication failed): nothing was moved; retry later. */
export class ReplicasNotInSyncError extends KeyturnError {
  readonly name = 'ReplicasNotInSyncError';
}

/** What must hold in every replica region: `versionId` has a value and carries `stage` there. */
export interface ReplicaExpectation {
  readonly versionId: string;
  readonly stage: string;
  /** When given, the replica's value must equal it (the primary's value of the version): compared, never shown. */
  readonly value?: string;
}

export interface ReplicaCheck {
  readonly region: string;
  /** The primary's ReplicationStatus for the region: `InSync`, `InProgress`, `Failed`. */
  readonly status: string;
  readonly statusMessage?: string;
  /** The replica holds the expected version with the expected label. */
  readonly holds: boolean;
}

export async function checkReplicas(
  store: SecretStore,
  description: SecretDescription,
  expected: ReplicaExpectation,
): Promise<ReplicaCheck[]> {
  return Promise.all(
    (description.replicas ?? []).map(async (replica): Promise<ReplicaCheck> => {
      const base = {
        region: replica.region,
        status: replica.status,
        ...(replica.statusMessage === undefined ? {} : { statusMessage: replica.statusMessage }),
      };
      if (replica.status !== 'InSync') return { ...base, holds: false };
      // Absent (the replica or the version not there yet, or no value yet): not in sync.
      const version = await store
        .inRegion(replica.region)
        .getVersion(replicaArnOf(description.arn, replica.region), { versionId: expected.versionId });
      const holds =
        version !== undefined &&
        version.stages.includes(expected.stage) &&
        (expected.value === undefined || version.value === expected.value);
      return { ...base, holds };
    }),
  );
}

/** `eu-west-1 InProgress, ap-south-1 Failed (message)`: for errors, alerts and logs. */
export function describeLagging(checks: readonly ReplicaCheck[]): string {
  return checks
    .filter((check) => !check.holds)
    .map((check) => {
      const status = check.status === 'InSync' ? 'InSync but without the version yet' : check.status;
      return `${check.region} ${status}${check.statusMessage ? ` (${check.statusMessage})` : ''}`;
    })
    .join(', ');
}

/** A failed replica does not recover by waiting: an operator must fix it (see the runbook). */
export function failedReplicas(checks: readonly ReplicaCheck[]): ReplicaCheck[] {
  return checks.filter((check) => check.status === 'Failed');
}
