import { AuditEventType, type RotationRun } from '../shared/lifecycle-contract';
import { LifecycleMetric } from '../shared/metric-names';
import { AWSCURRENT } from '../shared/stages';
import { auditSubject, nowOf, resolveSecret, type TaskDeps } from './deps';
import { RollbackRefusedError, RollbackUnsafeError } from './errors';
import { addLifecycleMetric, Count, Milliseconds } from './lifecycle-metrics';

export interface RollbackInput {
  readonly secretArn: string;
  readonly rotation: RotationRun;
  /** The version to restore as AWSCURRENT (pre-flight's currentVersionId). */
  readonly previousVersionId: string;
}

export interface RollbackOutput {
  /** Whether this call moved AWSCURRENT; false when it already was on the previous version. */
  readonly rolledBack: boolean;
  readonly currentVersionId: string;
}

/**
 * Moves AWSCURRENT back to the previous version, but only if the previous credential still
 * authenticates (alternating users, before revoke): otherwise clients would be handed a dead
 * credential. Never in an emergency: the previous credential is the one suspected leaked.
 * Idempotent: AWSCURRENT already on the previous version is success.
 */
export async function rollback(input: RollbackInput, deps: TaskDeps): Promise<RollbackOutput> {
  const { rotation: run } = input;
  if (run.emergency) {
    throw new RollbackRefusedError(
      `emergency rotation ${run.id}: version ${input.previousVersionId} is suspected leaked and is never restored`,
    );
  }
  const startedAt = nowOf(deps).getTime();
  const { description, current, strategy, ctx } = await resolveSecret(deps, input.secretArn, run);
  const arn = description.arn;
  if (current.versionId === input.previousVersionId) {
    deps.logger.info('AWSCURRENT is already on the previous version: nothing to roll back');
    return { rolledBack: false, currentVersionId: current.versionId };
  }
  const previous = await deps.store.requireVersion(arn, { versionId: input.previousVersionId });
  // A credential whose revoke is still reversible (a deactivated IAM key) is made to work again first.
  const reinstated =
    strategy.rollbackReinstates === true && ((await strategy.reinstate?.(previous, current, ctx)) ?? false);
  if (reinstated) deps.logger.info('previous credential reinstated for the rollback');
  const verdict = await strategy.verify(previous, ctx);
  if (!verdict.ok) {
    throw new RollbackUnsafeError(
      `the previous credential of secret ${arn} (version ${previous.versionId}) no longer authenticates ` +
        `(${verdict.reason}): AWSCURRENT stays on version ${current.versionId}`,
    );
  }
  await deps.store.promoteToCurrent(arn, previous.versionId, current.versionId);
  addLifecycleMetric(deps.metrics, strategy.name, LifecycleMetric.RolledBack, Count, 1);
  addLifecycleMetric(
    deps.metrics,
    strategy.name,
    LifecycleMetric.RecoveryTime,
    Milliseconds,
    nowOf(deps).getTime() - startedAt,
  );
  await deps.audit.record(auditSubject(run, arn, strategy.name), {
    type: AuditEventType.RolledBack,
    facts: { restoredVersionId: previous.versionId, replacedVersionId: current.versionId },
  });
  deps.logger.info('AWSCURRENT moved back to the previous version', {
    currentVersionId: previous.versionId,
    replacedVersionId: current.versionId,
    stage: AWSCURRENT,
  });
  return { rolledBack: true, currentVersionId: previous.versionId };
}
