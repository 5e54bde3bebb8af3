import { AuditEventType, type RotationRun } from '../shared/lifecycle-contract';
import { LifecycleMetric } from '../shared/metric-names';
import { checkReplicas, describeLagging, ReplicasNotInSyncError } from '../shared/replica-sync';
import type { SecretDescription, SecretVersion } from '../shared/secret-store';
import { AWSCURRENT } from '../shared/stages';
import { waitBudgetMs } from '../shared/deadline';
import { auditSubject, deadlineOf, nowOf, resolveSecret, sleepOf, stagesOf, type TaskDeps } from './deps';
import { RevocationIneffectiveError, RevokeWouldCutCurrentError } from './errors';
import { addLifecycleMetric, Count, Milliseconds } from './lifecycle-metrics';

export interface RevokeInput {
  readonly secretArn: string;
  readonly rotation: RotationRun;
  /** The version whose credential is retired (pre-flight's currentVersionId). */
  readonly previousVersionId: string;
  /** Also end sessions still open with the old credential. @default false */
  readonly terminateSessions?: boolean;
  /** The run's settings: with an auth-failure signal, the watch window after revoke ends the run, not revoke. */
  readonly settings?: { readonly authFailures?: { readonly windowSeconds: number } };
}

export interface RevokeOutput {
  readonly status: 'revoked' | 'not-applicable';
  readonly terminatedSessions: number;
  readonly detail: string;
  /** From the revoke call to the old credential observed rejected; absent when not applicable. */
  readonly revocationLatencyMs?: number;
  /** Emergency runs: the staging labels taken off the leaked version (AWSPREVIOUS, custom ones). */
  readonly labelsRemoved?: readonly string[];
}

/**
 * Takes every staging label off `versionId` (never AWSCURRENT: revoke refused that earlier) and
 * says which. Reads the labels afresh: a label moved since the run began is not this version's.
 */
async function unlabel(deps: TaskDeps, arn: string, versionId: string): Promise<string[]> {
  const labels = (await deps.store.describe(arn)).versionStages[versionId] ?? [];
  const removable = labels.filter((label) => label !== AWSCURRENT);
  for (const label of removable) await deps.store.removeStage(arn, label, versionId);
  return removable;
}

/**
 * Never revoke while a replica region may still hand out the old credential: every replica must serve the new
 * AWSCURRENT (the lifecycle waited for that after Verify; a replica may have failed since). An emergency revokes
 * anyway, after its own bounded wait (docs/replicas.md): a leaked credential left working is the greater harm.
 */
async function assertReplicasServeCurrent(
  deps: TaskDeps,
  description: SecretDescription,
  current: SecretVersion,
  run: RotationRun,
): Promise<void> {
  if (!description.replicas?.length) return;
  const checks = await checkReplicas(deps.store, description, {
    versionId: current.versionId,
    stage: AWSCURRENT,
    value: current.value,
  });
  if (checks.every((check) => check.holds)) return;
  if (run.emergency) {
    deps.logger.warn('emergency: revoking although replicas do not serve the new AWSCURRENT yet', {
      lagging: describeLagging(checks),
    });
    return;
  }
  throw new ReplicasNotInSyncError(
    `not revoking the old credential of secret ${description.arn}: replicas do not serve the new AWSCURRENT ` +
      `(version ${current.versionId}) yet: ${describeLagging(checks)}`,
  );
}

/** How long to watch for the target to start rejecting a revoked credential (replicas may lag). */
export const REVOCATION_CHECK = { delayMs: 200, budgetMs: 5_000 } as const;

/**
 * Makes the previous credential stop working; never the one in AWSCURRENT. Refuses when the
 * version given as previous is AWSCURRENT again (a rollback happened, or the input is wrong).
 * A revoked credential is then checked until the target rejects it: the revocation-latency SLI,
 * and proof, not trust, that it is gone. Ends the rotation (RotationCompleted) unless a watch window after revoke
 * follows: then its end reports the completion, so every run still ends with exactly one of Completed and Failed.
 */
export async function revoke(input: RevokeInput, deps: TaskDeps): Promise<RevokeOutput> {
  const { rotation: run } = input;
  const { description, current, strategy, ctx } = await resolveSecret(deps, input.secretArn, run);
  if (
    current.versionId === input.previousVersionId ||
    stagesOf(description, input.previousVersionId)?.includes(AWSCURRENT)
  ) {
    throw new RevokeWouldCutCurrentError(
      `version ${input.previousVersionId} of secret ${description.arn} is AWSCURRENT: revoking it would cut off every client`,
    );
  }
  const previous = await deps.store.requireVersion(description.arn, { versionId: input.previousVersionId });
  await assertReplicasServeCurrent(deps, description, current, run);
  const startedAt = nowOf(deps).getTime();
  const result = await strategy.revoke(previous, current, ctx, {
    terminateSessions: input.terminateSessions ?? false,
    emergency: run.emergency,
  });
  let revocationLatencyMs: number | undefined;
  if (result.status === 'revoked') {
    const sleep = sleepOf(deps);
    while (!result.confirmedRejected && (await strategy.verify(previous, ctx)).ok) {
      if (nowOf(deps).getTime() - startedAt > Math.min(REVOCATION_CHECK.budgetMs, waitBudgetMs(deadlineOf(deps)))) {
        throw new RevocationIneffectiveError(
          `the old credential of secret ${description.arn} (version ${previous.versionId}) still authenticates ` +
            `${REVOCATION_CHECK.budgetMs} ms after it was revoked`,
        );
      }
      await sleep(REVOCATION_CHECK.delayMs);
    }
    revocationLatencyMs = nowOf(deps).getTime() - startedAt;
    addLifecycleMetric(
      deps.metrics,
      strategy.name,
      LifecycleMetric.RevocationLatency,
      Milliseconds,
      revocationLatencyMs,
    );
  }
  // A suspected leak: consumers that accept current-or-previous must stop accepting the leaked value too,
  // whether or not a target held it (an API key lives only here). The version itself is kept.
  const labelsRemoved = run.emergency ? await unlabel(deps, description.arn, previous.versionId) : [];
  const watchFollows = input.settings?.authFailures !== undefined && !run.emergency;
  if (!watchFollows) addLifecycleMetric(deps.metrics, strategy.name, LifecycleMetric.Completed, Count, 1);
  const terminatedSessions = result.terminatedSessions ?? 0;
  await deps.audit.record(
    auditSubject(run, description.arn, strategy.name),
    {
      type: AuditEventType.Revoked,
      facts: {
        previousVersionId: previous.versionId,
        status: result.status,
        terminatedSessions,
        detail: result.detail,
        ...(revocationLatencyMs !== undefined ? { revocationLatencyMs } : {}),
        ...(run.emergency ? { labelsRemoved, leakedVersionLabelled: false } : {}),
      },
    },
    ...(watchFollows
      ? []
      : [{ type: AuditEventType.Completed, facts: { outcome: 'revoked', currentVersionId: current.versionId } }]),
  );
  deps.logger.info('previous credential revoked', {
    status: result.status,
    terminatedSessions,
    revocationLatencyMs,
    labelsRemoved,
  });
  return {
    status: result.status,
    terminatedSessions,
    detail: result.detail,
    ...(run.emergency ? { labelsRemoved } : {}),
    ...(revocationLatencyMs !== undefined ? { revocationLatencyMs } : {}),
  };
}
