import type { ReadonlySecret, Secret, SecretReplica, SecretsManagerState } from './state';

/**
 * Replication of secrets to other regions in the local Secrets Manager. Every change to a primary
 * secret with replicas (values, staging labels, tags, description, rotation settings) becomes a
 * snapshot per replica region, due after that region's replication lag; a due snapshot replaces
 * the replica (a read-only copy with the same name, its ARN in the replica's region, held in that
 * region's model). Until every snapshot of a replica is applied, the primary's ReplicationStatus
 * reports it `InProgress`, then `InSync`. Time comes from the service's clock, so a test with an
 * injected clock decides exactly when a replica catches up. A replica a test set to `Failed` (or a
 * stalled `InProgress`) stops replicating until it sets `InSync`.
 */

/** Milliseconds between a change of a primary and its replicas holding it: one for all regions, or per region. */
export interface ReplicationLagSetting {
  /** Every region without its own lag. @default 0 (replicas are updated with the change) */
  readonly defaultMs?: number;
  readonly perRegionMs?: Readonly<Record<string, number>>;
}

interface PendingSnapshot {
  readonly dueAt: number;
  readonly copy: Secret;
}

interface ReplicaTrack {
  /** The primary's state the last snapshot captured (what the replica will hold once it is applied). */
  fingerprint?: string;
  readonly queue: PendingSnapshot[];
  /** The replica copy's ARN in its region, once installed. */
  installedArn?: string;
}

/** A region with no secret name already used by a secret of its own (AWS's status message for that case). */
export const NAME_TAKEN_MESSAGE = 'Secret with this name already exists in this region';

export class Replicator {
  private defaultLagMs: number;
  private readonly perRegionLagMs = new Map<string, number>();
  /** By `<primary ARN>|<replica region>`. */
  private readonly tracks = new Map<string, ReplicaTrack>();
  private syncing = false;

  constructor(
    private readonly options: {
      readonly now: () => Date;
      /** Every region's model that exists so far (primaries may live in any of them). */
      readonly regions: () => Iterable<SecretsManagerState>;
      /** The model of `region`, created if it does not exist yet. */
      readonly region: (region: string) => SecretsManagerState;
      readonly lag?: ReplicationLagSetting;
    },
  ) {
    this.defaultLagMs = 0;
    this.setLag(options.lag ?? {});
  }

  /** Sets the lag of one region, or (no region) the default of every region without its own. */
  setLag(setting: ReplicationLagSetting): void {
    if (setting.defaultMs !== undefined) this.defaultLagMs = assertLag(setting.defaultMs);
    for (const [region, ms] of Object.entries(setting.perRegionMs ?? {}))
      this.perRegionLagMs.set(region, assertLag(ms));
  }

  lagMsOf(region: string): number {
    return this.perRegionLagMs.get(region) ?? this.defaultLagMs;
  }

  /**
   * Brings every replica up to date with the clock: snapshots changes made since the last call, applies the due
   * ones, drops removed replicas and refreshes each primary's ReplicationStatus. Runs after every change and
   * before every request; re-entrant calls (installing a copy is no change of a primary) return at once.
   */
  sync(): void {
    if (this.syncing) return;
    this.syncing = true;
    try {
      const now = this.options.now().getTime();
      const seen = new Set<string>();
      for (const state of [...this.options.regions()]) {
        for (const primary of state.listSecrets(true)) {
          if (primary.primaryRegion !== undefined) continue;
          for (const replica of primary.replicas ?? []) {
            const key = `${primary.arn}|${replica.region}`;
            seen.add(key);
            this.syncReplica(key, primary, replica, now);
          }
        }
      }
      for (const [key, track] of this.tracks) {
        if (seen.has(key)) continue;
        // RemoveRegionsFromReplication (or the primary is gone): AWS deletes the replica at once.
        const region = key.slice(key.lastIndexOf('|') + 1);
        if (track.installedArn !== undefined) this.options.region(region).dropReplica(track.installedArn);
        this.tracks.delete(key);
      }
    } finally {
      this.syncing = false;
    }
  }

  private syncReplica(key: string, primary: ReadonlySecret, replica: SecretReplica, now: number): void {
    let track = this.tracks.get(key);
    if (!track) {
      track = { queue: [] };
      this.tracks.set(key, track);
    }
    const regionState = this.options.region(replica.region);
    if (replica.held) {
      this.refreshAccess(replica, regionState, track);
      return;
    }
    const fingerprint = fingerprintOf(primary);
    if (fingerprint !== track.fingerprint) {
      track.fingerprint = fingerprint;
      track.queue.push({ dueAt: now + this.lagMsOf(replica.region), copy: replicaCopy(primary, replica.region) });
    }
    let due: PendingSnapshot | undefined;
    while (track.queue[0] !== undefined && track.queue[0].dueAt <= now) due = track.queue.shift();
    if (due) {
      const taken = regionState.secretNamed(primary.name);
      if (taken && taken.primaryRegion === undefined && replica.forceOverwrite !== true) {
        // A secret of the region's own holds the name: AWS fails the replica unless asked to overwrite.
        replica.status = 'Failed';
        replica.statusMessage = NAME_TAKEN_MESSAGE;
        replica.held = true;
        track.queue.length = 0;
        return;
      }
      regionState.installReplica(due.copy);
      track.installedArn = due.copy.arn;
    }
    replica.status = track.queue.length > 0 ? 'InProgress' : 'InSync';
    delete replica.statusMessage;
    this.refreshAccess(replica, regionState, track);
  }

  /** ReplicationStatus' LastAccessedDate: when the replica was last read in its region. */
  private refreshAccess(replica: SecretReplica, regionState: SecretsManagerState, track: ReplicaTrack): void {
    const copy = track.installedArn === undefined ? undefined : regionState.secretByArn(track.installedArn);
    if (copy?.lastAccessedAt) replica.lastAccessedAt = new Date(copy.lastAccessedAt.getTime());
  }
}

function assertLag(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0)
    throw new RangeError(`a replication lag must be 0 or more milliseconds, got ${ms}`);
  return ms;
}

/** What replication copies: the value-bearing and descriptive parts, not accesses nor the replicas themselves. */
function fingerprintOf(secret: ReadonlySecret): string {
  return JSON.stringify({
    description: secret.description,
    tags: secret.tags,
    versions: secret.versions.map((v) => [v.versionId, v.value, v.stages, v.createdAt.getTime()]),
    rotation: [secret.rotationEnabled, secret.rotationLambdaArn, secret.rotationRules, secret.lastRotatedAt?.getTime()],
    deletedAt: secret.deletedAt?.getTime(),
  });
}

/** The replica of `primary` in `region`: same name and ARN suffix, the replica's region and KMS key, read-only. */
export function replicaCopy(primary: ReadonlySecret, region: string): Secret {
  const copy = structuredClone(primary) as Secret;
  const replica = primary.replicas?.find((r) => r.region === region);
  const [, , service, primaryRegion, ...rest] = primary.arn.split(':');
  copy.arn = ['arn', 'aws', service, region, ...rest].join(':');
  copy.primaryRegion = primaryRegion ?? '';
  delete copy.replicas;
  if (replica?.kmsKeyId !== undefined) copy.kmsKeyId = replica.kmsKeyId;
  else delete copy.kmsKeyId;
  return copy;
}
