import { AuditEventType, type RotationRun } from '../shared/lifecycle-contract';
import { LifecycleMetric } from '../shared/metric-names';
import { AWSCURRENT } from '../shared/stages';
import { auditSubject, nowOf, resolveSecret, stagesOf, type TaskDeps } from './deps';
import { PreviousVersionIsCurrentError } from './errors';
import { addLifecycleMetric, Count } from './lifecycle-metrics';

export interface DrainInput {
  readonly secretArn: string;
  readonly rotation: RotationRun;
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
  const { description, current, strategy, ctx } = await resolveSecret(deps, input.secretArn, input.rotation);
  if (stagesOf(description, input.previousVersionId)?.includes(AWSCURRENT)) {
    throw new PreviousVersionIsCurrentError(
      `version ${input.previousVersionId} of secret ${description.arn} is AWSCURRENT: there is no old credential to drain`,
    );
  }
  const previous = await deps.store.requireVersion(description.arn, { versionId: input.previousVersionId });
  const report = await strategy.usage(previous, current, ctx);
  const checkedAt = nowOf(deps).toISOString();
  const uses = report.activeSessions ?? (report.inUse === true ? 1 : 0);
  addLifecycleMetric(deps.metrics, strategy.name, LifecycleMetric.OldCredentialInUse, Count, uses);
  await deps.audit.record(auditSubject(input.rotation, description.arn, strategy.name), {
    type: AuditEventType.UsageChecked,
    facts: {
      previousVersionId: input.previousVersionId,
      inUse: report.inUse,
      ...(report.activeSessions !== undefined ? { activeSessions: report.activeSessions } : {}),
      evidence: report.evidence,
      waitedSeconds: input.rotation.drainWaited.seconds,
    },
  });
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
