import type { Logger } from '@aws-lambda-powertools/logger';
import type { RewrapAudit } from './audit';
import { RewrapAuditEventType } from './contract';
import type { FailureReportEvent } from './input';

/** The longest error cause an audit event carries (the state machine's Cause can be long: a stack). */
export const MAX_REPORTED_CAUSE_CHARS = 1_000;

/**
 * The state machine's catch-all: a job that stopped on an error (after its retries) is recorded on the
 * audit bus (`RewrapFailed`) with the counts of its last checkpoint, and logged. Items re-wrapped before
 * stay re-wrapped; running the job again starts over and counts them as already current.
 */
export async function reportRewrapFailure(
  event: FailureReportEvent,
  deps: { readonly audit: RewrapAudit; readonly logger: Logger },
): Promise<{ readonly reported: true }> {
  const cause = event.cause?.slice(0, MAX_REPORTED_CAUSE_CHARS);
  const detail = {
    jobId: event.jobId,
    executionArn: event.jobId,
    tableName: event.tableName ?? event.checkpoint?.tableName,
    error: event.error,
    cause,
    counts: event.checkpoint?.counts,
    pass: event.checkpoint?.pass,
    lastEvaluatedKey: event.checkpoint?.lastEvaluatedKey,
  };
  deps.logger.error('re-wrap job failed', { error: event.error, counts: event.checkpoint?.counts });
  const resources = [event.checkpoint?.targetKeyArn].filter((arn): arn is string => arn !== undefined);
  await deps.audit.record(RewrapAuditEventType.Failed, detail, resources);
  return { reported: true };
}
