import { ProbeFailedError } from '../strategies/errors';
import { AuditEventType, type LifecycleSettings, type RotationRun } from '../shared/lifecycle-contract';
import { LifecycleMetric } from '../shared/metric-names';
import { versionWithStage } from '../shared/secret-store';
import { AWSCURRENT, AWSPENDING } from '../shared/stages';
import { auditSubject, nowOf, resolveSecret, stagesOf, type TaskDeps } from './deps';
import { CurrentCredentialBrokenError, RotationInProgressError, RotationNotEnabledError } from './errors';
import { addLifecycleMetric, Count } from './lifecycle-metrics';
import { assertRotatableByKeyturn } from '../strategies/database/rds-managed';
import { assertRotationAllowed } from './policy-gate';
import { readLifecycleSettings } from './settings';
import { assertKindCanCanary } from './canary-candidate';

export interface PreflightInput {
  readonly secretArn: string;
  readonly rotation: RotationRun;
}

/** What the rest of the lifecycle needs to know; no values (it lands in state machine history). */
export interface PreflightSummary {
  readonly secretArn: string;
  readonly strategy: string;
  /** The AWSCURRENT version before rotation: verify, drain, revoke and rollback refer to it. */
  readonly currentVersionId: string;
  /** Whether it authenticates (and passes the probe); only an emergency goes ahead when it does not. */
  readonly currentCredentialAuthenticates: boolean;
  /** The secret's lifecycle settings (grace, drain, revocation), from its tags. */
  readonly settings: LifecycleSettings;
}

/**
 * Checks that a rotation may start: rotation is enabled, the policy allows it now (window,
 * blackouts, minimum interval), no rotation is unfinished (an AWSPENDING on a version that is
 * not AWSCURRENT is reported, never touched), and the current credential authenticates — a
 * rotation must not start from a broken one. An emergency rotation skips the policy rules and
 * goes ahead from a broken credential (the audit event says so): the leak matters more.
 * A dry run checks the same, then records nothing (no audit event, no metric) and prepares nothing.
 */
export async function preflight(input: PreflightInput, deps: TaskDeps): Promise<PreflightSummary> {
  const { rotation: run } = input;
  const description = await deps.store.describe(input.secretArn);
  // A secret RDS (or another service) manages is that service's to rotate: refused before any rule.
  assertRotatableByKeyturn(description);
  const arn = description.arn;
  if (!description.rotationEnabled) {
    throw new RotationNotEnabledError(`rotation is not enabled for secret ${arn}`);
  }
  const tagged = readLifecycleSettings(description.tags);
  // The replica regions travel with the settings, for the dry-run plan (docs/replicas.md).
  const withReplicas: LifecycleSettings = description.replicas?.length
    ? {
        ...tagged,
        replicaSync: { ...tagged.replicaSync, replicaRegions: description.replicas.map((replica) => replica.region) },
      }
    : tagged;
  // An emergency skips the canary: the current value is suspected leaked, nobody waits on a cohort. It keeps the
  // consumers: they are told and refreshed right after the revoke (docs/consumers.md).
  const settings: LifecycleSettings = run.emergency
    ? {
        graceSeconds: withReplicas.graceSeconds,
        minIntervalSeconds: withReplicas.minIntervalSeconds,
        revocation: withReplicas.revocation,
        replicaSync: withReplicas.replicaSync,
        ...(withReplicas.consumers ? { consumers: withReplicas.consumers } : {}),
      }
    : withReplicas;
  assertRotationAllowed(run, description, settings, deps.blackouts ?? [], nowOf(deps));
  const pendingVersionId = versionWithStage(description, AWSPENDING);
  if (pendingVersionId !== undefined && !stagesOf(description, pendingVersionId)?.includes(AWSCURRENT)) {
    throw new RotationInProgressError(
      `secret ${arn} has an unfinished rotation: version ${pendingVersionId} holds AWSPENDING; ` +
        'finish it or clean it up before rotating again',
      pendingVersionId,
    );
  }
  // A canary holding (another run's candidate carries the label): a second one would set up its own candidate on
  // the same user and break the first; the label left by a run that died is resolved like a stuck AWSPENDING.
  const heldCanary = settings.canary === undefined ? undefined : versionWithStage(description, settings.canary.label);
  if (heldCanary !== undefined) {
    throw new RotationInProgressError(
      `secret ${arn} has a canary in progress: version ${heldCanary} carries ${settings.canary?.label ?? ''}; ` +
        'let its run finish, or remove the label (docs/canary.md) before rotating again',
      heldCanary,
    );
  }
  const { current, strategy, ctx } = await resolveSecret(deps, arn, run, description);
  // Tags can be edited after the policy's synth-time check: a kind that cannot canary is refused here too.
  if (settings.canary !== undefined) assertKindCanCanary(strategy.name, arn, run.entryId);
  // The probe too: one the current credential already fails would fail every rotation's testSecret and Verify.
  const verdict = await strategy.verify(current, ctx, { probe: true });
  if (!verdict.ok && !run.emergency) {
    if (verdict.failure === 'probe') {
      throw new ProbeFailedError(
        `the entry probe fails with the current credential of secret ${arn} (version ${current.versionId}), before anything changed: ` +
          `${verdict.reason}; fix the probe or the grants, then rotate`,
      );
    }
    throw new CurrentCredentialBrokenError(
      `the current credential of secret ${arn} (version ${current.versionId}) does not authenticate: ${verdict.reason}`,
    );
  }
  const summary: PreflightSummary = {
    secretArn: arn,
    strategy: strategy.name,
    currentVersionId: current.versionId,
    currentCredentialAuthenticates: verdict.ok,
    settings,
  };
  if (run.dryRun === true) {
    deps.logger.info('pre-flight passed (dry run: nothing recorded)', { currentVersionId: current.versionId });
    return summary;
  }
  // A leak goes ahead from states a scheduled rotation refuses (an IAM key someone already deactivated).
  if (run.emergency) await strategy.prepareEmergencyRotation?.(current, ctx);
  addLifecycleMetric(deps.metrics, strategy.name, LifecycleMetric.Started, Count, 1);
  if (run.emergency) addLifecycleMetric(deps.metrics, strategy.name, LifecycleMetric.EmergencyRotations, Count, 1);
  await deps.audit.record(auditSubject(run, arn, strategy.name), {
    type: AuditEventType.Started,
    facts: {
      previousVersionId: current.versionId,
      currentCredentialAuthenticates: verdict.ok,
      ...(run.reason !== undefined ? { reason: run.reason } : {}),
      ...(run.fleetExecutionArn !== undefined ? { fleetExecutionArn: run.fleetExecutionArn } : {}),
    },
  });
  deps.logger.info('pre-flight passed', { currentVersionId: current.versionId });
  return summary;
}
