import { versionWithStage } from '../shared/secret-store';
import { AWSCURRENT, AWSPENDING } from '../shared/stages';
import { resolveSecret, stagesOf, type TaskDeps } from './deps';
import { NewCredentialRejectedError, RotationDidNotHappenError, RotationInProgressError } from './errors';

export interface VerifyInput {
  readonly secretArn: string;
  /** The AWSCURRENT version pre-flight saw. */
  readonly previousVersionId: string;
}

export interface VerifyOutput {
  readonly currentVersionId: string;
  readonly previousVersionId: string;
}

/**
 * After RotateSecret: AWSCURRENT moved off the version pre-flight saw, and the new credential
 * authenticates. A rotation still running (AWSPENDING elsewhere, AWSCURRENT not yet moved)
 * is reported as RotationInProgressError, so the state machine can wait and retry.
 */
export async function verifyRotation(input: VerifyInput, deps: TaskDeps): Promise<VerifyOutput> {
  const { description, current, strategy, ctx } = await resolveSecret(deps, input.secretArn);
  const arn = description.arn;
  if (current.versionId === input.previousVersionId) {
    const pendingVersionId = versionWithStage(description, AWSPENDING);
    if (pendingVersionId !== undefined && !stagesOf(description, pendingVersionId)?.includes(AWSCURRENT)) {
      throw new RotationInProgressError(
        `secret ${arn} is still rotating: version ${pendingVersionId} holds AWSPENDING, AWSCURRENT has not moved`,
        pendingVersionId,
      );
    }
    throw new RotationDidNotHappenError(
      `AWSCURRENT of secret ${arn} is still version ${current.versionId}, the one pre-flight saw`,
    );
  }
  const verdict = await strategy.verify(current, ctx);
  if (!verdict.ok) {
    throw new NewCredentialRejectedError(
      `the new AWSCURRENT of secret ${arn} (version ${current.versionId}) does not authenticate: ${verdict.reason}`,
    );
  }
  deps.logger.info('new credential verified', { currentVersionId: current.versionId });
  return { currentVersionId: current.versionId, previousVersionId: input.previousVersionId };
}
