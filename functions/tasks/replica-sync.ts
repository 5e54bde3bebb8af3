import {
  REPLICA_SYNC_CHECK_INTERVAL_SECONDS,
  type ReplicaSyncStatus,
  type RotationRun,
} from '../shared/lifecycle-contract';
import { LifecycleMetric, MetricDimension } from '../shared/metric-names';
import { checkReplicas, type ReplicaCheck } from '../shared/replica-sync';
import type { SecretDescription, SecretVersion } from '../shared/secret-store';
import { AWSCURRENT } from '../shared/stages';
import { nowOf, resolveSecret, type TaskDeps } from './deps';
import { addLifecycleMetric, Milliseconds } from './lifecycle-metrics';

/**
 * After Verify, for a secret replicated to other regions: is the new AWSCURRENT served in every replica region
 * (GetSecretValue there: the rotation's version, labelled AWSCURRENT, with the primary's value)? Verify asks once;
 * the lifecycle's ReplicaWait/ReplicaSync loop asks again until yes or the policy's wait is spent (then the old
 * credential is kept: a region may still hand it out). Each region's replication lag is a metric, published once,
 * at the first check that finds it in sync.
 */

export interface ReplicaSyncInput {
  readonly secretArn: string;
  readonly rotation: RotationRun;
  /** The new AWSCURRENT Verify confirmed. */
  readonly currentVersionId: string;
  /** The previous check's answer (Verify's, or the loop's last one). */
  readonly previous: ReplicaSyncStatus;
}

/** Nothing to wait for: the secret has no replicas. */
export const NOT_REPLICATED: ReplicaSyncStatus = { replicated: false, inSync: true, lagging: [], waitedSeconds: 0 };

/** The `replica-sync` task: one check, after one more interval of the loop. */
export async function replicaSync(input: ReplicaSyncInput, deps: TaskDeps): Promise<ReplicaSyncStatus> {
  const { description, current, strategy } = await resolveSecret(deps, input.secretArn, input.rotation);
  if (current.versionId !== input.currentVersionId) {
    // AWSCURRENT moved again (a rollback, an operator): the replicas must serve what is current now.
    deps.logger.warn('AWSCURRENT moved since Verify: checking the replicas for the version current now', {
      verifiedVersionId: input.currentVersionId,
      currentVersionId: current.versionId,
    });
  }
  return checkReplicaSync(deps, description, current, {
    strategy: strategy.name,
    run: input.rotation,
    previous: input.previous,
    waitedSeconds: input.previous.waitedSeconds + REPLICA_SYNC_CHECK_INTERVAL_SECONDS,
  });
}

/** One check of every replica against `current` (Verify's first, the loop's later ones). */
export async function checkReplicaSync(
  deps: TaskDeps,
  description: SecretDescription,
  current: SecretVersion,
  context: {
    readonly strategy: string;
    readonly run: RotationRun;
    readonly previous?: ReplicaSyncStatus;
    readonly waitedSeconds: number;
  },
): Promise<ReplicaSyncStatus> {
  if (!description.replicas?.length) return NOT_REPLICATED;
  const checks = await checkReplicas(deps.store, description, {
    versionId: current.versionId,
    stage: AWSCURRENT,
    value: current.value,
  });
  publishLag(deps, description, checks, context);
  const lagging = checks.filter((check) => !check.holds).map(laggingLabel);
  deps.logger.info('replicas checked', { inSync: lagging.length === 0, lagging, waitedSeconds: context.waitedSeconds });
  return { replicated: true, inSync: lagging.length === 0, lagging, waitedSeconds: context.waitedSeconds };
}

function laggingLabel(check: ReplicaCheck): string {
  return `${check.region} ${check.status === 'InSync' ? 'InSync (not yet serving the new version)' : check.status}`;
}

/** The lag of each region found in sync for the first time in this run (not in sync at the previous check). */
function publishLag(
  deps: TaskDeps,
  description: SecretDescription,
  checks: readonly ReplicaCheck[],
  context: { readonly strategy: string; readonly run: RotationRun; readonly previous?: ReplicaSyncStatus },
): void {
  const rotatedAt = description.lastRotatedAt?.getTime();
  if (rotatedAt === undefined) return;
  const lagMs = Math.max(0, nowOf(deps).getTime() - rotatedAt);
  const wasLagging = new Set(context.previous?.lagging.map((label) => label.split(' ')[0]));
  for (const check of checks) {
    if (!check.holds || (context.previous !== undefined && !wasLagging.has(check.region))) continue;
    addLifecycleMetric(deps.metrics, context.strategy, LifecycleMetric.ReplicaSyncLag, Milliseconds, lagMs);
    const perRegion = deps.metrics.singleMetric();
    perRegion.addDimension(MetricDimension.Region, check.region);
    perRegion.addMetadata('secretArn', description.arn);
    if (context.run.entryId !== undefined) perRegion.addMetadata('entryId', context.run.entryId);
    perRegion.addMetric(LifecycleMetric.ReplicaSyncLag, Milliseconds, lagMs);
  }
}
