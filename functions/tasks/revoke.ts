import { AWSCURRENT } from '../shared/stages';
import { resolveSecret, stagesOf, type TaskDeps } from './deps';
import { RevokeWouldCutCurrentError } from './errors';

export interface RevokeInput {
  readonly secretArn: string;
  /** The version whose credential is retired (pre-flight's currentVersionId). */
  readonly previousVersionId: string;
  /** Also end sessions still open with the old credential. @default false */
  readonly terminateSessions?: boolean;
}

export interface RevokeOutput {
  readonly status: 'revoked' | 'not-applicable';
  readonly terminatedSessions: number;
  readonly detail: string;
}

/**
 * Makes the previous credential stop working; never the one in AWSCURRENT. Refuses when the
 * version given as previous is AWSCURRENT again (a rollback happened, or the input is wrong).
 */
export async function revoke(input: RevokeInput, deps: TaskDeps): Promise<RevokeOutput> {
  const { description, current, strategy, ctx } = await resolveSecret(deps, input.secretArn);
  if (
    current.versionId === input.previousVersionId ||
    stagesOf(description, input.previousVersionId)?.includes(AWSCURRENT)
  ) {
    throw new RevokeWouldCutCurrentError(
      `version ${input.previousVersionId} of secret ${description.arn} is AWSCURRENT: revoking it would cut off every client`,
    );
  }
  const previous = await deps.store.requireVersion(description.arn, { versionId: input.previousVersionId });
  const result = await strategy.revoke(previous, current, ctx, { terminateSessions: input.terminateSessions ?? false });
  deps.logger.info('previous credential revoked', {
    status: result.status,
    terminatedSessions: result.terminatedSessions ?? 0,
  });
  return { status: result.status, terminatedSessions: result.terminatedSessions ?? 0, detail: result.detail };
}
