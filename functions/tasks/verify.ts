import { canaryVersionId } from '../shared/canary';
import { releaseCanaryLabels } from './canary-candidate';
import { AuditEventType, type ReplicaSyncStatus, type RotationRun } from '../shared/lifecycle-contract';
import { checkReplicaSync } from './replica-sync';
import { LifecycleMetric } from '../shared/metric-names';
import { versionWithStage, type SecretDescription } from '../shared/secret-store';
import { AWSCURRENT, AWSPENDING } from '../shared/stages';
import { waitBudgetMs } from '../shared/deadline';
import {
  auditSubject,
  deadlineOf,
  nowOf,
  resolveSecret,
  sleepOf,
  stagesOf,
  type ResolvedSecret,
  type TaskDeps,
} from './deps';
import { rotationFailureOf } from '../shared/rotation-failure';
import { PrivilegeParityError, ProbeFailedError } from '../strategies/errors';
import type { VerifyFailure } from '../strategies/strategy';
import {
  NewCredentialRejectedError,
  RotationDidNotHappenError,
  RotationFunctionFailedError,
  RotationInProgressError,
} from './errors';

/** A definite "no" from the target, by kind: each rolls back (the state machine catches these names). */
const VERIFY_ERRORS: Record<VerifyFailure, new (message: string) => Error> = {
  rejected: NewCredentialRejectedError,
  privileges: PrivilegeParityError,
  probe: ProbeFailedError,
};
const VERIFY_FAILURE_WORDS: Record<VerifyFailure, string> = {
  rejected: 'does not authenticate',
  privileges: 'cannot do what the credential it replaced could',
  probe: 'fails the entry probe',
};
import { addLifecycleMetric, Count, Milliseconds } from './lifecycle-metrics';

export interface VerifyInput {
  readonly secretArn: string;
  readonly rotation: RotationRun;
  /** The AWSCURRENT version pre-flight saw. */
  readonly previousVersionId: string;
}

export interface VerifyOutput {
  readonly currentVersionId: string;
  readonly previousVersionId: string;
  /** Replicated secrets: whether every replica region already serves the new AWSCURRENT (docs/replicas.md). */
  readonly replicas: ReplicaSyncStatus;
  /** From the execution's start to the new credential verified current. */
  readonly timeToRotateMs: number;
}

/**
 * How long one verify invocation waits for a running rotation before handing back to the state
 * machine's Retry (which waits without holding a Lambda). A rotation usually completes within
 * a few seconds, so most verifications finish in their first invocation: no extra transitions.
 */
export const ROTATION_POLL = { firstDelayMs: 100, factor: 1.5, maxDelayMs: 2_000, budgetMs: 10_000 } as const;

/**
 * After RotateSecret: waits (polling with backoff, within a budget) until AWSCURRENT has moved
 * off the version pre-flight saw, then checks that the new credential authenticates (the canary).
 * A rotation still running when the budget is spent is RotationInProgressError, for the state
 * machine to retry later.
 */
export async function verifyRotation(input: VerifyInput, deps: TaskDeps): Promise<VerifyOutput> {
  const { rotation: run } = input;
  const resolved = await awaitRotation(input, deps);
  const { description, current, strategy, ctx } = resolved;
  const arn = description.arn;
  await releasePromotedCanary(run, resolved, deps);
  addLifecycleMetric(deps.metrics, strategy.name, LifecycleMetric.CanaryChecks, Count, 1);
  // The new credential must do what the one it replaced could (privileges, the entry's probe), not only log in.
  const replaced = await deps.store.getVersion(arn, { versionId: input.previousVersionId });
  const verdict = await strategy.verify(current, ctx, { ...(replaced ? { replaces: replaced } : {}), probe: true });
  if (!verdict.ok) {
    addLifecycleMetric(deps.metrics, strategy.name, LifecycleMetric.CanaryFailures, Count, 1);
    const ErrorOfFailure = VERIFY_ERRORS[verdict.failure];
    throw new ErrorOfFailure(
      `the new AWSCURRENT of secret ${arn} (version ${current.versionId}) ${VERIFY_FAILURE_WORDS[verdict.failure]}: ${verdict.reason}`,
    );
  }
  const timeToRotateMs = Math.max(0, nowOf(deps).getTime() - new Date(run.startedAt).getTime());
  addLifecycleMetric(deps.metrics, strategy.name, LifecycleMetric.TimeToRotate, Milliseconds, timeToRotateMs);
  await deps.audit.record(auditSubject(run, arn, strategy.name), {
    type: AuditEventType.Verified,
    facts: { currentVersionId: current.versionId, previousVersionId: input.previousVersionId, timeToRotateMs },
  });
  deps.logger.info('new credential verified', { currentVersionId: current.versionId, timeToRotateMs });
  // Each replica region read with GetSecretValue there: the lifecycle waits (ReplicaWait) for those not serving it yet.
  const replicas = await checkReplicaSync(deps, description, current, {
    strategy: strategy.name,
    run,
    waitedSeconds: 0,
  });
  return { currentVersionId: current.versionId, previousVersionId: input.previousVersionId, timeToRotateMs, replicas };
}

/**
 * A canary's candidate (docs/canary.md) gives up its label once AWSCURRENT has moved: its cohort falls back to
 * AWSCURRENT, which holds the same value (createSecret took it from the candidate), or, if Verify then rolls back,
 * to the restored one. The candidate version is kept (unlabelled, and older than AWSCURRENT's, so
 * abandoned-rotations.ts never counts it abandoned).
 */
async function releasePromotedCanary(run: RotationRun, resolved: ResolvedSecret, deps: TaskDeps): Promise<void> {
  const candidateId = canaryVersionId(run.id);
  const { description, current, strategy } = resolved;
  if ((description.versionStages[candidateId] ?? []).length === 0) return;
  const candidate = await deps.store.getVersion(description.arn, { versionId: candidateId });
  if (candidate?.value === current.value) {
    // Recorded before the labels go: a crash in between records it again on the retry rather than never.
    await deps.audit.record(auditSubject(run, description.arn, strategy.name), {
      type: AuditEventType.CanaryPromoted,
      facts: { candidateVersionId: candidateId, currentVersionId: current.versionId, labels: candidate.stages },
    });
  } else {
    deps.logger.warn('the canary candidate is not what became AWSCURRENT: its label is released, nothing promoted', {
      candidateVersionId: candidateId,
      currentVersionId: current.versionId,
    });
  }
  await releaseCanaryLabels(deps.store, description.arn, candidateId);
}

/** The secret once AWSCURRENT has moved, polling while a rotation is visibly running. */
async function awaitRotation(input: VerifyInput, deps: TaskDeps): Promise<ResolvedSecret> {
  const sleep = sleepOf(deps);
  const deadline = nowOf(deps).getTime() + Math.min(ROTATION_POLL.budgetMs, waitBudgetMs(deadlineOf(deps)));
  let delay: number = ROTATION_POLL.firstDelayMs;
  for (;;) {
    const resolved = await resolveSecret(deps, input.secretArn, input.rotation);
    if (resolved.current.versionId !== input.previousVersionId) {
      // finishSecret moves AWSCURRENT, then takes AWSPENDING off: wait for the second half too, so a run
      // that reports success leaves no AWSPENDING behind (one still there when the wait is spent is left
      // to the next finishSecret, which tidies it: the rotation itself is complete).
      const settled = !stagesOf(resolved.description, resolved.current.versionId)?.includes(AWSPENDING);
      if (settled || nowOf(deps).getTime() + delay > deadline) return resolved;
      await sleep(delay);
      delay = Math.min(delay * ROTATION_POLL.factor, ROTATION_POLL.maxDelayMs);
      continue;
    }
    const pendingVersionId = runningRotation(resolved.description);
    const failed = rotationFailureOf(resolved.description.tags);
    if (
      pendingVersionId !== undefined &&
      failed?.token === pendingVersionId &&
      pendingVersionId === input.rotation.id
    ) {
      throw new RotationFunctionFailedError(
        `the rotation function failed at ${failed.step} of rotation ${failed.token} (secret ${resolved.description.arn}) ` +
          `at ${failed.at.toISOString()} with ${failed.errorName}: ${failed.message}; AWSCURRENT did not move, ` +
          `and version ${pendingVersionId} still holds AWSPENDING (see the rotation function's log)`,
      );
    }
    if (nowOf(deps).getTime() + delay > deadline) {
      // No AWSPENDING anywhere for the whole budget: the rotation never started, or was cleaned up.
      if (pendingVersionId === undefined) {
        throw new RotationDidNotHappenError(
          `AWSCURRENT of secret ${resolved.description.arn} is still version ${resolved.current.versionId}, the one pre-flight saw, and no rotation is running`,
        );
      }
      throw new RotationInProgressError(
        `secret ${resolved.description.arn} is still rotating: version ${pendingVersionId} holds AWSPENDING, AWSCURRENT has not moved`,
        pendingVersionId,
      );
    }
    await sleep(delay);
    delay = Math.min(delay * ROTATION_POLL.factor, ROTATION_POLL.maxDelayMs);
  }
}

function runningRotation(description: SecretDescription): string | undefined {
  const pendingVersionId = versionWithStage(description, AWSPENDING);
  if (pendingVersionId === undefined || stagesOf(description, pendingVersionId)?.includes(AWSCURRENT)) return undefined;
  return pendingVersionId;
}
