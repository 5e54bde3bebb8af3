import { buildRotationVersions } from '../rotate-secret/rotation';
import type { AuthFailureCount } from '../shared/auth-failure-signal';
import { AuditEventType, type RotationRun } from '../shared/lifecycle-contract';
import { versionWithStage, type SecretVersion } from '../shared/secret-store';
import type { StrategyContext } from '../strategies/strategy';
import { canaryCandidateOf } from './canary-candidate';
import { auditSubject, nowOf, resolveSecret, type TaskDeps } from './deps';
import { CanaryFailedError } from './errors';

export interface CanaryStartInput {
  readonly secretArn: string;
  readonly rotation: RotationRun;
  /** The AWSCURRENT version pre-flight saw: the canary never moves it. */
  readonly previousVersionId: string;
}

/** The hold's state in the execution (value-free); the state machine adds to `waited`. */
export interface CanaryState {
  readonly versionId: string;
  readonly label: string;
  /** ISO 8601: when the candidate was stored; the auth-failure signal is read from then on. */
  readonly startedAt: string;
  readonly waited: { readonly seconds: number };
}

/**
 * Sets up the run's canary candidate (docs/canary.md): a version whose id derives from the rotation id, carrying
 * only the canary label, its value from the strategy; then the strategy's setSecret and testSecret with it as the
 * pending value. AWSCURRENT never moves and no AWSPENDING is left (a later RotateSecret must not find one).
 * Idempotent: a retry or a twin finds the same version (by id) and re-applies the same value, which the steps
 * take as done.
 */
export async function canaryStart(input: CanaryStartInput, deps: TaskDeps): Promise<CanaryState> {
  const { rotation: run } = input;
  const { description, current, strategy, ctx } = await resolveSecret(deps, input.secretArn, run);
  const arn = description.arn;
  const { settings, versionId } = canaryCandidateOf(run, description, strategy.name);
  if (current.versionId !== input.previousVersionId) {
    throw new CanaryFailedError(
      `AWSCURRENT of secret ${arn} moved from version ${input.previousVersionId} to ${current.versionId} since pre-flight: ` +
        'the canary does not start on a secret someone else is rotating',
    );
  }
  const candidateCtx: StrategyContext = { ...ctx, token: versionId };
  let candidate = await deps.store.getVersion(arn, { versionId });
  if (candidate === undefined) {
    candidate = await storeCandidate(
      deps,
      arn,
      versionId,
      settings.label,
      await strategy.createPendingValue(current, candidateCtx),
    );
  } else if (!candidate.stages.includes(settings.label)) {
    // Same value again is a no-op in Secrets Manager, labels included: an attempt that lost its label gets it back.
    await deps.store.moveStage(arn, settings.label, versionId, versionWithStage(description, settings.label));
  }
  const versions = await buildRotationVersions(deps.store, arn, candidate, current);
  await strategy.setSecret(versions, candidateCtx);
  await strategy.testSecret(versions, candidateCtx);
  const startedAt = (candidate.createdAt ?? nowOf(deps)).toISOString();
  const signal = await readSignalOnce(deps, run, arn, description.tags, new Date(startedAt));
  await deps.audit.record(auditSubject(run, arn, strategy.name), {
    type: AuditEventType.CanaryStarted,
    facts: {
      candidateVersionId: versionId,
      label: settings.label,
      currentVersionId: current.versionId,
      windowSeconds: settings.windowSeconds,
      checkEverySeconds: settings.checkEverySeconds,
      maxAuthFailures: settings.maxAuthFailures,
      watching: signal.observed
        ? `auth failures (${signal.source}) and the probe`
        : `the probe alone (${signal.reason})`,
    },
  });
  deps.logger.info('canary candidate live under its label', { candidateVersionId: versionId, label: settings.label });
  return { versionId, label: settings.label, startedAt, waited: { seconds: 0 } };
}

/** Stores the candidate; a twin that stored first wins, and its value is the candidate. */
async function storeCandidate(
  deps: TaskDeps,
  arn: string,
  versionId: string,
  label: string,
  value: string,
): Promise<SecretVersion> {
  try {
    await deps.store.putLabelledVersion(arn, versionId, value, label);
  } catch (error) {
    if ((error as { name?: unknown }).name !== 'ResourceExistsException') throw error;
    deps.logger.info('a concurrent attempt stored the canary candidate first: kept', { candidateVersionId: versionId });
  }
  return deps.store.requireVersion(arn, { versionId });
}

/** The entry's auth-failure signal over [since, now], or why there is none (no reader given). */
export async function readSignalOnce(
  deps: TaskDeps,
  run: RotationRun,
  secretArn: string,
  tags: Readonly<Record<string, string>>,
  since: Date,
): Promise<AuthFailureCount> {
  if (deps.authFailures === undefined) {
    return { observed: false, reason: 'no auth-failure signal is wired to the rotation function' };
  }
  return deps.authFailures({
    secretArn,
    ...(run.entryId !== undefined ? { entryId: run.entryId } : {}),
    tags,
    since,
    until: nowOf(deps),
  });
}
