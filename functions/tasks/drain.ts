import { AWSCURRENT } from '../shared/stages';
import { resolveSecret, stagesOf, type TaskDeps } from './deps';
import { PreviousVersionIsCurrentError } from './errors';

export interface DrainInput {
  readonly secretArn: string;
  /** The version whose credential is being retired (pre-flight's currentVersionId). */
  readonly previousVersionId: string;
}

export interface DrainOutput {
  /** 'unknown' when the target cannot tell the old credential's use apart. */
  readonly inUse: boolean | 'unknown';
  readonly activeSessions?: number;
  /** What was checked and what it showed (value-free, from the strategy). */
  readonly evidence: string;
  /** When the check ran (ISO 8601), for the drain loop's audit trail. */
  readonly checkedAt: string;
}

/** Whether clients still use the old credential now that the new one is AWSCURRENT. Changes nothing. */
export async function drain(input: DrainInput, deps: TaskDeps): Promise<DrainOutput> {
  const { description, current, strategy, ctx } = await resolveSecret(deps, input.secretArn);
  if (stagesOf(description, input.previousVersionId)?.includes(AWSCURRENT)) {
    throw new PreviousVersionIsCurrentError(
      `version ${input.previousVersionId} of secret ${description.arn} is AWSCURRENT: there is no old credential to drain`,
    );
  }
  const previous = await deps.store.requireVersion(description.arn, { versionId: input.previousVersionId });
  const report = await strategy.usage(previous, current, ctx);
  const checkedAt = (deps.now?.() ?? new Date()).toISOString();
  deps.logger.info('usage of the previous credential checked', {
    inUse: report.inUse,
    activeSessions: report.activeSessions,
  });
  return {
    inUse: report.inUse,
    ...(report.activeSessions !== undefined ? { activeSessions: report.activeSessions } : {}),
    evidence: report.evidence,
    checkedAt,
  };
}
