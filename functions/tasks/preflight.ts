import { versionWithStage } from '../shared/secret-store';
import { AWSCURRENT, AWSPENDING } from '../shared/stages';
import { resolveSecret, stagesOf, type TaskDeps } from './deps';
import { CurrentCredentialBrokenError, RotationInProgressError, RotationNotEnabledError } from './errors';

export interface PreflightInput {
  readonly secretArn: string;
}

/** What the rest of the lifecycle needs to know; no values (it lands in state machine history). */
export interface PreflightSummary {
  readonly secretArn: string;
  readonly strategy: string;
  /** The AWSCURRENT version before rotation: verify, drain, revoke and rollback refer to it. */
  readonly currentVersionId: string;
}

/**
 * Checks that a rotation may start: the secret exists with rotation enabled, no rotation is
 * unfinished (an AWSPENDING on a version that is not AWSCURRENT is reported, never touched),
 * and the current credential authenticates — a rotation must not start from a broken one.
 */
export async function preflight(input: PreflightInput, deps: TaskDeps): Promise<PreflightSummary> {
  const description = await deps.store.describe(input.secretArn);
  const arn = description.arn;
  if (!description.rotationEnabled) {
    throw new RotationNotEnabledError(`rotation is not enabled for secret ${arn}`);
  }
  const pendingVersionId = versionWithStage(description, AWSPENDING);
  if (pendingVersionId !== undefined && !stagesOf(description, pendingVersionId)?.includes(AWSCURRENT)) {
    throw new RotationInProgressError(
      `secret ${arn} has an unfinished rotation: version ${pendingVersionId} holds AWSPENDING; ` +
        'finish it or clean it up before rotating again',
      pendingVersionId,
    );
  }
  const { current, strategy, ctx } = await resolveSecret(deps, arn, description);
  const verdict = await strategy.verify(current, ctx);
  if (!verdict.ok) {
    throw new CurrentCredentialBrokenError(
      `the current credential of secret ${arn} (version ${current.versionId}) does not authenticate: ${verdict.reason}`,
    );
  }
  deps.logger.info('pre-flight passed', { currentVersionId: current.versionId });
  return { secretArn: arn, strategy: strategy.name, currentVersionId: current.versionId };
}
