import { waitBudgetMs } from '../shared/deadline';
import { canaryVersionId } from '../shared/canary';
import { AuditEventType, type RotationRun } from '../shared/lifecycle-contract';
import { AWSCURRENT, AWSPENDING } from '../shared/stages';
import { releaseCanaryLabels } from './canary-candidate';
import { auditSubject, deadlineOf, nowOf, resolveSecret, sleepOf, type TaskDeps } from './deps';
import { RevocationIneffectiveError } from './errors';
import { REVOCATION_CHECK } from './revoke';

export interface CanaryAbortInput {
  readonly secretArn: string;
  readonly rotation: RotationRun;
  readonly previousVersionId: string;
  /** End the candidate's open sessions too (the entry's revocation setting). @default false */
  readonly terminateSessions?: boolean;
  /** The error that failed the canary (Step Functions' Catch output): its name goes into the audit event. */
  readonly failure?: { readonly Error?: string };
}

export interface CanaryAbortOutput {
  readonly candidateVersionId: string;
  /** 'revoked': the candidate no longer authenticates; 'not-applicable': no target holds it; 'not-stored': there was none; 'left': not revoked (see detail). */
  readonly status: 'revoked' | 'not-applicable' | 'not-stored' | 'left';
  readonly labelsRemoved: readonly string[];
  readonly detail: string;
}

/**
 * Takes a failed canary back (docs/canary.md): first every label off the candidate, so its cohort falls back to
 * AWSCURRENT, then the strategy's revoke with the candidate as the old credential and AWSCURRENT as the replacement
 * (revoke never touches the replacement), checked until the target rejects it. AWSCURRENT never moves. The
 * candidate is found by its derived id, so any retry, or an abort after a start that failed half-way, finds it.
 * When AWSCURRENT is no longer the version pre-flight saw, or holds the candidate's value, nothing is revoked.
 */
export async function canaryAbort(input: CanaryAbortInput, deps: TaskDeps): Promise<CanaryAbortOutput> {
  const { rotation: run } = input;
  const { description, current, strategy, ctx } = await resolveSecret(deps, input.secretArn, run);
  const arn = description.arn;
  const versionId = canaryVersionId(run.id);
  const candidate = await deps.store.getVersion(arn, { versionId });
  const labelsRemoved = candidate ? await releaseCanaryLabels(deps.store, arn, versionId) : [];
  let outcome: Omit<CanaryAbortOutput, 'candidateVersionId' | 'labelsRemoved'>;
  let terminatedSessions = 0;
  if (candidate === undefined) {
    outcome = { status: 'not-stored', detail: 'the canary never stored a candidate: nothing to take back' };
  } else if (
    current.versionId !== input.previousVersionId ||
    current.value === candidate.value ||
    candidate.stages.some((stage) => stage === AWSCURRENT || stage === AWSPENDING)
  ) {
    outcome = {
      status: 'left',
      detail:
        `AWSCURRENT of secret ${arn} is version ${current.versionId}, not the ${input.previousVersionId} pre-flight saw, ` +
        'or holds the candidate: the candidate is not revoked (an operator decides)',
    };
  } else {
    const candidateCtx = { ...ctx, token: versionId };
    const result = await strategy.revoke(candidate, current, candidateCtx, {
      terminateSessions: input.terminateSessions ?? false,
    });
    terminatedSessions = result.terminatedSessions ?? 0;
    if (result.status === 'revoked' && !result.confirmedRejected) {
      const startedAt = nowOf(deps).getTime();
      const budgetMs = Math.min(REVOCATION_CHECK.budgetMs, waitBudgetMs(deadlineOf(deps)));
      while ((await strategy.verify(candidate, candidateCtx)).ok) {
        if (nowOf(deps).getTime() - startedAt > budgetMs) {
          throw new RevocationIneffectiveError(
            `the canary candidate of secret ${arn} (version ${versionId}) still authenticates ${budgetMs} ms after it was revoked`,
          );
        }
        await sleepOf(deps)(REVOCATION_CHECK.delayMs);
      }
    }
    outcome = { status: result.status, detail: result.detail };
  }
  await deps.audit.record(auditSubject(run, arn, strategy.name), {
    type: AuditEventType.CanaryAborted,
    facts: {
      candidateVersionId: versionId,
      currentVersionId: current.versionId,
      status: outcome.status,
      detail: outcome.detail,
      labelsRemoved,
      terminatedSessions,
      ...(input.failure?.Error !== undefined ? { error: input.failure.Error } : {}),
    },
  });
  deps.logger.info('canary aborted', { candidateVersionId: versionId, status: outcome.status, labelsRemoved });
  return { candidateVersionId: versionId, labelsRemoved, ...outcome };
}
