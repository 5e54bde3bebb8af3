import type { Server } from 'node:http';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import { parseSecretId, type ServiceLocation } from './arn';
import { createControlHandler } from './control';
import { FaultInjector, type FaultControl } from './faults';
import { createOperationHandlers } from './operations';
import { loadSnapshot, writeSnapshot } from './persistence';
import type { OperationName } from './operation-names';
import { RequestRateLimiter, type QuotaOverrides, type QuotaSetting, type RequestCount } from './quotas';
import { Replicator, type ReplicationLagSetting } from './replication';
import { RotationRunner, type RotationFunction, type RotationRecord } from './rotation';
import { createSecretsManagerServer } from './server';
import { SecretsManagerState, type LabelChange, type ReplicaStatus, type ServiceOwnedSecretInput } from './state';

/**
 * The in-process API of the local Secrets Manager used by tests and the local drill: start it,
 * point an unmodified SecretsManagerClient at `endpoint`, register rotation functions under
 * Lambda ARNs, inject faults, turn quotas on, and watch rotations.
 */

export interface LocalSecretsManagerOptions extends LoopbackEmulatorOptions {
  /** When set, the store is loaded from this JSON file at start and rewritten after every change. */
  readonly persistPath?: string;
  /** Request-rate quotas: off by default; true for AWS's defaults, or per-bucket/operation overrides. */
  readonly quotas?: boolean | QuotaOverrides;
  /** The clock behind every date the service reports (CreatedDate, rotation dates, deletion windows). */
  readonly now?: () => Date;
  /**
   * The monotonic clock (ms) the quota buckets refill by; a test that holds it still sees exactly the burst a
   * bucket allows, however slow the machine. @default performance.now
   */
  readonly quotaClockMs?: () => number;
  /**
   * How long after a change of a primary secret its replicas in other regions hold it (ReplicationStatus
   * `InProgress` until then), by the `now` clock: one lag for every region, or per region. @default 0 (immediate)
   */
  readonly replicationLagMs?: number | ReplicationLagSetting;
}

export type {
  RotationFunction,
  RotationRecord,
  RotationEvent,
  RotationStep,
  RotationOutcome,
  RotationEventName,
} from './rotation';
export type { QuotaOverrides, RequestCount } from './quotas';
export type { LabelChange, ReplicaStatus } from './state';
export type { ReplicationLagSetting } from './replication';
export type { FaultOptions, FaultTiming, PendingFault } from './faults';

const DEFAULT_WAIT_FOR_ROTATION_MS = 10_000;

/**
 * `endpoint`: for `new SecretsManagerClient({ endpoint })` or AWS_ENDPOINT_URL_SECRETS_MANAGER.
 * `faults`: fail the next N calls of an operation with a chosen exception (default
 * InternalServiceError, HTTP 500), before or after applying them, optionally only on one secret.
 */
export class LocalSecretsManager extends LoopbackEmulator<FaultControl> {
  /** @internal use startLocalSecretsManager */
  constructor(
    server: Server,
    private readonly store: SecretsManagerState,
    private readonly runner: RotationRunner,
    private readonly limiter: RequestRateLimiter,
    faults: FaultInjector,
    private readonly rotationFunctions: Map<string, RotationFunction>,
    private readonly replicator: Replicator,
  ) {
    super(server, store.location, faults);
  }

  /** Invoked, step by step, when RotateSecret names this Lambda ARN. Unregistered ARNs fail like a missing function. */
  registerRotationFunction(lambdaArn: string, rotationFunction: RotationFunction): void {
    this.rotationFunctions.set(lambdaArn, rotationFunction);
  }

  /**
   * Creates a secret as another AWS service would (RDS's `rds!db-...` master secrets): DescribeSecret
   * and ListSecrets then report its OwningService, its `aws:` service tags are kept, and RotateSecret
   * with a Lambda function is refused, as for a managed secret.
   */
  createServiceOwnedSecret(input: ServiceOwnedSecretInput): { arn: string; name: string; versionId: string } {
    const secret = this.store.createServiceOwnedSecret(input);
    return { arn: secret.arn, name: secret.name, versionId: secret.versions[0]?.versionId ?? '' };
  }

  /**
   * Sets what DescribeSecret reports for the replica of `secretId` (a secret of the service's own region) in
   * `region`, as AWS would when replication stalls (`InProgress`) or fails (`Failed`, with its message): the
   * replica stops being updated until a test sets `InSync`, when it catches up (after the replication lag).
   */
  setReplicaStatus(secretId: string, region: string, status: ReplicaStatus, statusMessage?: string): void {
    this.store.setReplicaStatus(secretId, region, status, statusMessage);
  }

  /** The replication lag of one region (`region` given) or of every region without its own. */
  setReplicationLag(lagMs: number, region?: string): void {
    this.replicator.setLag(region === undefined ? { defaultMs: lagMs } : { perRegionMs: { [region]: lagMs } });
    this.replicator.sync();
  }

  setQuotas(setting: QuotaSetting): void {
    this.limiter.configure(setting);
  }

  /** Requests per AWS operation (throttled ones included, quotas on or off) since the start or the last reset. */
  requestCounts(): Partial<Record<OperationName, RequestCount>> {
    return this.limiter.requestCounts();
  }

  resetRequestCounts(): void {
    this.limiter.resetRequestCounts();
  }

  /** Rotation runs, oldest first, optionally for one secret (name, ARN or partial ARN). */
  rotationHistory(secretId?: string): RotationRecord[] {
    return this.runner.history(rotationMatcher(this.store.location, secretId));
  }

  /**
   * How the staging labels of a secret moved since this server started, oldest first (a deleted
   * secret's history stays, under its ARN): e.g. every version that ever held AWSCURRENT.
   */
  labelHistory(secretId: string): LabelChange[] {
    return this.store.labelHistory(secretId);
  }

  /** Resolves when the matching rotation has ended, whether it succeeded or not; rejects after timeoutMs. */
  waitForRotation(
    secretId: string,
    token?: string,
    timeoutMs: number = DEFAULT_WAIT_FOR_ROTATION_MS,
  ): Promise<RotationRecord> {
    return this.runner.waitFor(rotationMatcher(this.store.location, secretId, token), timeoutMs);
  }

  /** Lets in-flight rotations finish (they may still call the server), then closes the server. */
  protected override async close(): Promise<void> {
    await this.runner.idle();
    await super.close();
  }
}

/** Matches rotation records by secret (name, ARN or partial ARN) and, optionally, by token. */
function rotationMatcher(
  location: ServiceLocation,
  secretId?: string,
  token?: string,
): (record: RotationRecord) => boolean {
  const reference = secretId === undefined ? undefined : parseSecretId(location, secretId);
  return (record) => {
    if (token !== undefined && record.clientRequestToken !== token) return false;
    switch (reference?.kind) {
      case undefined:
        return true;
      case 'name':
        return record.secretName === reference.name;
      case 'arn':
        return record.secretArn === reference.arn || record.secretName === reference.nameOrPartial;
      case 'foreign-arn':
        return false;
    }
  };
}

export async function startLocalSecretsManager(options: LocalSecretsManagerOptions = {}): Promise<LocalSecretsManager> {
  const location = emulatorLocation(options);
  const now = options.now ?? (() => new Date());
  const persistPath = options.persistPath;

  const store: SecretsManagerState = new SecretsManagerState({
    location,
    now,
    onChange: () => {
      replicator.sync();
      if (persistPath !== undefined) writeSnapshot(persistPath, location, store.exportSecrets());
    },
  });
  if (persistPath !== undefined) {
    const saved = loadSnapshot(persistPath, location);
    if (saved) store.importSecrets(saved);
  }

  const rotationFunctions = new Map<string, RotationFunction>();
  const resolveFunction = (arn: string) => rotationFunctions.get(arn);
  const runner = new RotationRunner({ store, now, resolveFunction });
  // Other regions (replicas, and secrets created there) live in their own models, made on first use; only the
  // service's own region is persisted (replicas are copied again from their primaries at start).
  const regions = new Map<string, SecretsManagerState>([[location.region, store]]);
  const replicator = new Replicator({
    now,
    regions: () => regions.values(),
    region: (region) => regionState(region),
    lag:
      typeof options.replicationLagMs === 'number' ? { defaultMs: options.replicationLagMs } : options.replicationLagMs,
  });
  const handlersByRegion = new Map<string, ReturnType<typeof createOperationHandlers>>();
  function regionState(region: string): SecretsManagerState {
    let state = regions.get(region);
    if (!state) {
      state = new SecretsManagerState({
        location: { ...location, region },
        now,
        onChange: () => {
          replicator.sync();
        },
      });
      regions.set(region, state);
    }
    return state;
  }
  function handlersFor(region: string | undefined): ReturnType<typeof createOperationHandlers> {
    const name = region ?? location.region;
    // Time may have brought replicas up to date since the last change.
    replicator.sync();
    let handlers = handlersByRegion.get(name);
    if (!handlers) {
      const state = regionState(name);
      handlers = createOperationHandlers({
        store: state,
        rotations: name === location.region ? runner : new RotationRunner({ store: state, now, resolveFunction }),
        onReplicaPromoted: (replica, primaryRegion) => {
          stopReplicatingTo(primaryRegion, replica.name, name);
        },
      });
      handlersByRegion.set(name, handlers);
    }
    return handlers;
  }
  /** StopReplicationToReplica: the primary forgets the replica, which stays as a standalone secret. */
  function stopReplicatingTo(primaryRegion: string, name: string, replicaRegion: string): void {
    const primaryState = regions.get(primaryRegion);
    const primary = primaryState?.secretNamed(name);
    if (primary) primaryState?.removeReplicaRegions(primary.arn, [replicaRegion]);
  }
  const limiter = new RequestRateLimiter(options.quotas ?? false, options.quotaClockMs);
  const faults = new FaultInjector((secretId) => {
    try {
      return store.describe(secretId).arn;
    } catch {
      return undefined;
    }
  });

  const control = createControlHandler({
    faults,
    setQuotas: (setting) => {
      limiter.configure(setting);
    },
    rotationHistory: (secretId, token) => runner.history(rotationMatcher(location, secretId, token)),
    labelHistory: (secretId) => store.labelHistory(secretId),
    createServiceOwnedSecret: (input) => store.createServiceOwnedSecret(input),
    setReplicationLag: (lagMs, region) => {
      replicator.setLag(region === undefined ? { defaultMs: lagMs } : { perRegionMs: { [region]: lagMs } });
      replicator.sync();
    },
    setReplicaStatus: (secretId, region, status, statusMessage) => {
      store.setReplicaStatus(secretId, region, status, statusMessage);
    },
  });
  replicator.sync();
  const server = createSecretsManagerServer({ handlersFor, limiter, faults }, control);
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalSecretsManager(server, store, runner, limiter, faults, rotationFunctions, replicator);
}
