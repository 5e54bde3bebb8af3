import type { RotationRun } from '../shared/lifecycle-contract';
import type { VerifyFailure } from '../strategies/strategy';
import { canaryCandidateOf } from './canary-candidate';
import { readSignalOnce } from './canary-start';
import { nowOf, resolveSecret, type TaskDeps } from './deps';
import { CanaryFailedError } from './errors';

export interface CanaryCheckInput {
  readonly secretArn: string;
  readonly rotation: RotationRun;
  readonly previousVersionId: string;
  readonly canary: { readonly versionId: string; readonly startedAt: string };
}

export interface CanaryCheckOutput {
  readonly checkedAt: string;
  /** Failed logins the entry's signal counted since the canary started; null when it has none (the probe decided). */
  readonly authFailures: number | null;
}

const FAILURE_WORDS: Record<VerifyFailure, string> = {
  rejected: 'does not authenticate',
  privileges: 'cannot do what the current credential can',
  probe: 'fails the entry probe',
};

/**
 * One check of the canary during its hold: AWSCURRENT is still the version pre-flight saw, the candidate still
 * carries its label, authenticates, can do what the current credential can and passes the probe, and the entry's
 * auth-failure signal counted no more than the entry allows since the candidate went live. Any "no" is
 * CanaryFailedError (the state machine then aborts). Changes nothing.
 */
export async function canaryCheck(input: CanaryCheckInput, deps: TaskDeps): Promise<CanaryCheckOutput> {
  const { rotation: run } = input;
  const { description, current, strategy, ctx } = await resolveSecret(deps, input.secretArn, run);
  const arn = description.arn;
  const { settings, versionId } = canaryCandidateOf(run, description, strategy.name);
  if (versionId !== input.canary.versionId) {
    throw new CanaryFailedError(`canary version ${input.canary.versionId} is not rotation ${run.id}'s candidate`);
  }
  if (current.versionId !== input.previousVersionId) {
    throw new CanaryFailedError(
      `AWSCURRENT of secret ${arn} moved to version ${current.versionId} during the canary hold: someone else rotated it`,
    );
  }
  const candidate = await deps.store.getVersion(arn, { versionId, stage: settings.label });
  if (candidate === undefined) {
    throw new CanaryFailedError(
      `canary version ${versionId} of secret ${arn} no longer carries the label ${settings.label}`,
    );
  }
  const verdict = await strategy.verify(candidate, { ...ctx, token: versionId }, { replaces: current, probe: true });
  if (!verdict.ok) {
    throw new CanaryFailedError(
      `the canary candidate of secret ${arn} (version ${versionId}) ${FAILURE_WORDS[verdict.failure]}: ${verdict.reason}`,
    );
  }
  const signal = await readSignalOnce(deps, run, arn, description.tags, new Date(input.canary.startedAt));
  if (signal.observed && signal.failures > settings.maxAuthFailures) {
    throw new CanaryFailedError(
      `${signal.failures} auth failure(s) for secret ${arn} since the canary started at ${input.canary.startedAt} ` +
        `(${signal.source}), more than the ${settings.maxAuthFailures} allowed`,
    );
  }
  const checkedAt = nowOf(deps).toISOString();
  deps.logger.info('canary healthy', {
    candidateVersionId: versionId,
    authFailures: signal.observed ? signal.failures : null,
    ...(signal.observed ? {} : { signal: signal.reason }),
  });
  return { checkedAt, authFailures: signal.observed ? signal.failures : null };
}
