import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { AWSCURRENT, AWSPENDING } from '../../functions/shared/stages';
import type { ExecutionEnvironment } from './function-runtime';
import type { TapDecision } from './request-tap';
import type { Fault, SecretScenario } from './scenario';
import { credentialOf } from './targets';
import type { ScenarioWorld } from './world';

/**
 * The canary and replica side of a scenario's world (docs/chaos.md): the tags that turn them on, the faults struck
 * inside their tasks (a crash at the n-th request of one operation or the n-th database packet of one call, a
 * canary failing during its hold, a replica region failing), the redrive of an abort a crash left unfinished, and
 * what the checker needs to know of them, read from the real servers and the local Secrets Manager (value-free).
 */

/** How long the end check waits for replicas to catch up (the run's slowest region lags 2 s). */
const REPLICA_SETTLE_MS = 8_000;

export function canaryReplicaTags(scenario: SecretScenario): Record<string, string> {
  return {
    ...(scenario.canary
      ? {
          [LifecycleTag.canaryWindowSeconds]: String(scenario.canary.windowSeconds),
          [LifecycleTag.canaryLabel]: scenario.canary.label,
          [LifecycleTag.canaryCheckEverySeconds]: String(scenario.canary.checkEverySeconds),
        }
      : {}),
    ...(scenario.replicas
      ? { [LifecycleTag.replicaSyncMaxWaitSeconds]: String(scenario.replicas.maxWaitSeconds) }
      : {}),
  };
}

interface CrashWatch {
  readonly fault: Extract<Fault, { type: 'crash-in-task' }>;
  count: number;
  readonly packetBase: number;
}

/** What one lifecycle execution with a canary did, as the harness saw it (version ids and verdicts only). */
export interface CanaryExecution {
  readonly aborted: boolean;
  /** The execution went through RotateSecret after the hold and Verify confirmed it. */
  readonly promoted: boolean;
  readonly currentBefore?: string;
  readonly currentAfter?: string;
  readonly currentAfterAuthenticates?: boolean;
  readonly candidate?: string;
  /** The version the promotion made AWSCURRENT (AWSPREVIOUS after a rollback). */
  readonly promotedVersion?: string;
  /** The promoted version holds exactly the candidate's value. */
  readonly currentHoldsCandidateValue?: boolean;
}

export interface CanaryReplicaObservation {
  readonly canaryLabel?: string;
  readonly execution?: CanaryExecution;
  /** Versions carrying the canary label at the end. */
  readonly labelLeftOn: readonly string[];
  /** AWSPENDING on a version other than AWSCURRENT at the end of a canary scenario (recovered or not). */
  readonly pendingLeftOn?: string;
  /** Versions that carried the canary label, never held AWSCURRENT, and whose credential still authenticates. */
  readonly orphanCandidates: readonly string[];
  /** A replica region served, as AWSCURRENT, a credential that no longer authenticates. */
  readonly staleRevocations: readonly string[];
  /** A replica region in sync whose labels differ from the primary's. */
  readonly halfMoved: readonly string[];
}

export class CanaryReplicaFaults {
  readonly staleRevocations: string[] = [];
  execution: CanaryExecution | undefined;
  private readonly watches = new Set<CrashWatch>();
  private readonly failedRegions = new Set<string>();
  private lastCanaryPayload: Record<string, unknown> | undefined;
  private readonly clients = new Map<string, SecretsManagerClient>();

  constructor(private readonly world: ScenarioWorld) {}

  private get scenario(): SecretScenario {
    return this.world.scenario;
  }

  /** Strikes the faults due before a call, and starts watching for the crash-in-task ones during it. */
  async beforeCall(due: readonly Fault[]): Promise<CrashWatch[]> {
    const started: CrashWatch[] = [];
    for (const fault of due) {
      if (fault.type === 'crash-in-task') {
        const watch = { fault, count: 0, packetBase: this.world.proxy?.packets ?? 0 };
        this.watches.add(watch);
        started.push(watch);
        // Counted as struck only when it strikes.
        this.world.fired.delete(fault);
      } else if (fault.type === 'replica-failed') {
        this.failedRegions.add(fault.region);
        this.world.env.stack.secretsManager.setReplicaStatus(
          this.world.secretArn,
          fault.region,
          'Failed',
          'chaos: replication failed',
        );
      } else if (fault.type === 'canary-fails') {
        await this.failCanary(fault.how).catch((error: unknown) => {
          this.world.outputs.addError(error);
        });
      }
    }
    return started;
  }

  afterCall(watches: readonly CrashWatch[]): void {
    for (const watch of watches) this.watches.delete(watch);
  }

  onRequest(operation: string, environment: ExecutionEnvironment): TapDecision | undefined {
    for (const watch of this.watches) {
      if (watch.fault.point !== operation || this.world.fired.has(watch.fault)) continue;
      watch.count += 1;
      if (watch.count !== watch.fault.n) continue;
      this.world.fired.add(watch.fault);
      const crash = async (): Promise<'drop'> => {
        await this.world.env.runtime.kill(environment);
        return 'drop';
      };
      return watch.fault.timing === 'before-applying' ? { before: crash } : { after: crash };
    }
    return undefined;
  }

  onPacket(total: number): void {
    for (const watch of this.watches) {
      if (watch.fault.point !== 'packet' || this.world.fired.has(watch.fault)) continue;
      if (total - watch.packetBase !== watch.fault.n) continue;
      this.world.fired.add(watch.fault);
      void this.world.killAll();
    }
  }

  /** Replication resumes: every region a fault failed is set InSync again (it catches up after its lag). */
  lift(): void {
    this.watches.clear();
    for (const region of this.failedRegions) {
      try {
        this.world.env.stack.secretsManager.setReplicaStatus(this.world.secretArn, region, 'InSync');
      } catch (error) {
        this.world.outputs.addError(error);
      }
    }
    this.failedRegions.clear();
  }

  noteTask(task: string, payload: unknown): void {
    if (task.startsWith('canary-') && typeof payload === 'object' && payload !== null) {
      this.lastCanaryPayload = payload as Record<string, unknown>;
    }
  }

  /** After the lifecycle's revoke returned: no replica region may serve a credential that stopped working. */
  async afterRevoke(): Promise<void> {
    this.staleRevocations.push(...(await this.staleReplicaCredentials('right after Revoke')));
  }

  private async failCanary(how: 'label-removed' | 'candidate-rejected'): Promise<void> {
    const label = this.scenario.canary?.label;
    if (label === undefined) return;
    const candidate = this.holderOf(label);
    if (candidate === undefined) return;
    if (how === 'label-removed') {
      // An operator takes the label off by hand: the cohort falls back to AWSCURRENT.
      await this.world.env.stack.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: this.world.secretArn,
          VersionStage: label,
          RemoveFromVersionId: candidate,
        }),
      );
      return;
    }
    // The candidate stops authenticating at the target (what the check's probe and the cohort would see).
    const value = await this.valueOf(candidate);
    if (value !== undefined) await this.world.driver.sabotage(credentialOf(this.scenario.target, value));
  }

  // ---------------------------------------------------------------- the lifecycle execution

  beforeExecution(): string | undefined {
    return this.world.labels().current;
  }

  async afterExecution(history: readonly string[], currentBefore: string | undefined): Promise<void> {
    const label = this.scenario.canary?.label;
    if (label === undefined) return;
    const { current: currentAfter, previous: previousAfter } = this.world.labels();
    const candidate = this.everLabelled(label)[0];
    const promoted = history.includes('CanaryHoldOver') && history.includes('ReplicaInSync');
    // A rollback after the switch (a breached watch window) moves AWSCURRENT back and AWSPREVIOUS onto the
    // promoted version: that version, not AWSCURRENT, must hold the canaried value.
    const rolledBack = history.includes('WatchSwitchRollback') || history.includes('Rollback');
    const promotedVersion = rolledBack ? previousAfter : currentAfter;
    const [promotedValue, candidateValue] = await Promise.all([
      promotedVersion === undefined ? undefined : this.valueOf(promotedVersion),
      candidate === undefined ? undefined : this.valueOf(candidate),
    ]);
    this.execution = {
      aborted: history.includes('CanaryAbort'),
      promoted,
      ...(currentBefore === undefined ? {} : { currentBefore }),
      ...(currentAfter === undefined ? {} : { currentAfter }),
      ...(currentAfter === undefined
        ? {}
        : { currentAfterAuthenticates: await this.currentAuthenticates(currentAfter) }),
      ...(candidate === undefined ? {} : { candidate }),
      ...(promotedVersion === undefined ? {} : { promotedVersion }),
      ...(promotedValue !== undefined && candidateValue !== undefined
        ? { currentHoldsCandidateValue: promotedValue === candidateValue }
        : {}),
    };
  }

  /**
   * Before recovery: a canary label a crash left behind (the abort died, or never ran) is taken back by running
   * the abort again for the same rotation, as an operator redriving the failed execution would.
   */
  async redriveAbort(): Promise<void> {
    const label = this.scenario.canary?.label;
    if (label === undefined || this.holderOf(label) === undefined || !this.lastCanaryPayload) return;
    const { secretArn, rotation, previousVersionId } = this.lastCanaryPayload;
    try {
      await this.world.callQuietly({ task: 'canary-abort', secretArn, rotation, previousVersionId });
    } catch (error) {
      this.world.outputs.addError(error);
    }
  }

  // ---------------------------------------------------------------- the end

  async observe(): Promise<CanaryReplicaObservation | undefined> {
    const label = this.scenario.canary?.label;
    if (label === undefined && !this.scenario.replicas) return undefined;
    const labels = this.world.labels();
    const everCurrent = new Set(
      this.journal()
        .filter((change) => change.label === AWSCURRENT && change.change === 'attached')
        .map((change) => change.versionId),
    );
    const orphanCandidates: string[] = [];
    if (label !== undefined && this.scenario.target !== 'random') {
      // A promoted candidate's value went current in RotateSecret's own version: it is no orphan.
      const currentValues = new Set(await Promise.all([...everCurrent].map((versionId) => this.valueOf(versionId))));
      for (const versionId of this.everLabelled(label)) {
        if (everCurrent.has(versionId)) continue;
        const value = await this.valueOf(versionId);
        if (value === undefined || currentValues.has(value)) continue;
        if (await this.world.authenticates(value)) orphanCandidates.push(versionId);
      }
    }
    const replicas = await this.replicaEndState();
    return {
      ...(label === undefined ? {} : { canaryLabel: label }),
      ...(this.execution ? { execution: this.execution } : {}),
      labelLeftOn: label === undefined ? [] : (this.versionsLabelled(await this.stagesNow(), label) ?? []),
      ...(label !== undefined && labels.pending !== undefined && labels.pending !== labels.current
        ? { pendingLeftOn: labels.pending }
        : {}),
      orphanCandidates,
      staleRevocations: [...this.staleRevocations, ...replicas.stale],
      halfMoved: replicas.halfMoved,
    };
  }

  private async replicaEndState(): Promise<{ stale: string[]; halfMoved: string[] }> {
    const regions = this.scenario.replicas?.regions ?? [];
    if (regions.length === 0) return { stale: [], halfMoved: [] };
    const deadline = Date.now() + REPLICA_SETTLE_MS;
    while (Date.now() < deadline && (await this.replicaStatuses()).some((status) => status === 'InProgress')) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const stale = await this.staleReplicaCredentials('at the end');
    const primary = await this.stagesNow();
    const statuses = await this.replicaStatuses();
    const halfMoved: string[] = [];
    for (const [index, region] of regions.entries()) {
      if (statuses[index] !== 'InSync') continue;
      const there = await this.stagesNow(region);
      for (const stage of [AWSCURRENT, AWSPENDING]) {
        const [here, away] = [this.versionsLabelled(primary, stage)?.[0], this.versionsLabelled(there, stage)?.[0]];
        if (here !== away) {
          halfMoved.push(
            `${region} is InSync, yet its ${stage} is on ${away ?? 'no version'}, the primary's on ${here ?? 'no version'}`,
          );
        }
      }
    }
    return { stale, halfMoved };
  }

  /** Replica regions whose AWSCURRENT is not the primary's and whose credential no longer authenticates. */
  private async staleReplicaCredentials(when: string): Promise<string[]> {
    const found: string[] = [];
    const current = this.world.labels().current;
    for (const region of this.scenario.replicas?.regions ?? []) {
      const served = await this.read(region, { VersionStage: AWSCURRENT });
      if (served?.VersionId === undefined || served.VersionId === current || served.SecretString === undefined)
        continue;
      if (!(await this.world.authenticates(served.SecretString))) {
        found.push(
          `${when}: ${region} still serves version ${served.VersionId} as AWSCURRENT (the primary's is ${current ?? '?'}), and its credential no longer authenticates`,
        );
      }
    }
    return found;
  }

  private async replicaStatuses(): Promise<string[]> {
    const regions = this.scenario.replicas?.regions ?? [];
    const described = await this.world.env.stack.client
      .send(new DescribeSecretCommand({ SecretId: this.world.secretArn }))
      .catch(() => undefined);
    return regions.map(
      (region) => described?.ReplicationStatus?.find((replica) => replica.Region === region)?.Status ?? 'missing',
    );
  }

  private client(region: string): SecretsManagerClient {
    let client = this.clients.get(region);
    if (!client) {
      client = new SecretsManagerClient({ endpoint: this.world.env.stack.secretsManager.endpoint, region });
      this.clients.set(region, client);
    }
    return client;
  }

  private arnIn(region: string | undefined): string {
    if (region === undefined) return this.world.secretArn;
    const parts = this.world.secretArn.split(':');
    parts[3] = region;
    return parts.join(':');
  }

  private async read(
    region: string | undefined,
    which: { VersionId?: string; VersionStage?: string },
  ): Promise<{ VersionId?: string; SecretString?: string } | undefined> {
    const client = region === undefined ? this.world.env.stack.client : this.client(region);
    try {
      return await client.send(new GetSecretValueCommand({ SecretId: this.arnIn(region), ...which }));
    } catch {
      return undefined;
    }
  }

  private async currentAuthenticates(versionId: string): Promise<boolean | undefined> {
    const value = await this.valueOf(versionId);
    return value === undefined ? undefined : this.world.authenticates(value);
  }

  private async valueOf(versionId: string): Promise<string | undefined> {
    return (await this.read(undefined, { VersionId: versionId }))?.SecretString;
  }

  /** Each version's labels now, in the primary region or a replica region. */
  private async stagesNow(region?: string): Promise<Map<string, readonly string[]>> {
    const client = region === undefined ? this.world.env.stack.client : this.client(region);
    const stages = new Map<string, readonly string[]>();
    try {
      const listed = await client.send(
        new ListSecretVersionIdsCommand({ SecretId: this.arnIn(region), IncludeDeprecated: true }),
      );
      for (const version of listed.Versions ?? []) {
        if (version.VersionId) stages.set(version.VersionId, version.VersionStages ?? []);
      }
    } catch {
      // The secret (or the replica) is gone: no labels.
    }
    return stages;
  }

  private versionsLabelled(stages: Map<string, readonly string[]>, label: string): string[] | undefined {
    const found = [...stages].filter(([, labels]) => labels.includes(label)).map(([versionId]) => versionId);
    return found.length === 0 ? undefined : found;
  }

  private journal() {
    return this.world.env.stack.secretsManager.labelHistory(this.world.secretArn);
  }

  private holderOf(label: string): string | undefined {
    let holder: string | undefined;
    for (const change of this.journal()) {
      if (change.label !== label) continue;
      if (change.change === 'attached') holder = change.versionId;
      else if (holder === change.versionId) holder = undefined;
    }
    return holder;
  }

  /** Versions that ever carried `label`, in the order they got it. */
  private everLabelled(label: string): string[] {
    return [
      ...new Set(
        this.journal()
          .filter((change) => change.label === label && change.change === 'attached')
          .map((change) => change.versionId),
      ),
    ];
  }
}
