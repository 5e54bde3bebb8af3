import * as z from 'zod/mini';
import type { AuditEvent, AuditSubject } from '../shared/audit';
import { AuditEventType, LIFECYCLE_TRIGGERS } from '../shared/lifecycle-contract';
import { LifecycleMetric } from '../shared/metric-names';
import type { Alert } from './alerts';
import type { CoordinatorDeps } from './coordinator-deps';
import { auditSubject } from './deps';
import { InvalidTaskInputError } from './errors';
import { parseRotationRun, parseWith } from './input';
import { addLifecycleMetric, Count } from './lifecycle-metrics';

/** How a run ended when it did not end in Rotated. */
/** `revoked`: the old credential was revoked and the watch window after revoke stayed quiet (revoke itself ends unwatched runs). */
export const REPORT_OUTCOMES = ['failed', 'skipped', 'left-in-use', 'replicas-not-in-sync', 'revoked'] as const;
export type ReportOutcome = (typeof REPORT_OUTCOMES)[number];

const stepError = z.object({ Error: z.string(), Cause: z.optional(z.string()) });

/** The parts of the execution state a report reads; every one may be missing, depending on where the run stopped. */
const reportSchema = z.object({
  outcome: z.enum(REPORT_OUTCOMES),
  emergency: z.boolean(),
  executionArn: z.string().check(z.minLength(1)),
  state: z.object({
    secretArn: z.optional(z.string()),
    trigger: z.optional(z.string()),
    alertTopicArn: z.optional(z.string()),
    rotation: z.optional(z.unknown()),
    preflight: z.optional(z.object({ strategy: z.optional(z.string()) })),
    failedStep: z.optional(z.string()),
    failure: z.optional(stepError),
    rollback: z.optional(z.object({ rolledBack: z.boolean() })),
    rollbackFailure: z.optional(stepError),
    reinstate: z.optional(z.object({ status: z.string(), detail: z.string() })),
    reinstateFailure: z.optional(stepError),
    drain: z.optional(z.object({ inUse: z.union([z.boolean(), z.literal('unknown')]) })),
    // Canary cohorts (docs/canary.md): how a failed canary was taken back, or why it could not be.
    canaryAbort: z.optional(z.object({ status: z.string() })),
    canaryAbortFailure: z.optional(stepError),
    verify: z.optional(
      z.object({
        replicas: z.optional(z.object({ lagging: z.array(z.string()), waitedSeconds: z.number() })),
      }),
    ),
    dryRun: z.optional(z.unknown()),
  }),
});
export type ReportInput = z.infer<typeof reportSchema>;

export interface ReportOutput {
  readonly outcome: ReportOutcome;
  readonly alerted: boolean;
}

/** Causes are value-free by construction (keyturn's errors, AWS's messages); trimmed to keep alerts readable. */
const MAX_CAUSE = 1_000;

/**
 * The end of a run that did not rotate cleanly: one audit event (RotationFailed, RotationSkipped, or
 * OldCredentialLeftInUse + RotationCompleted), the lifecycle metrics, and for failures and credentials
 * left in use an alert to the entry's route with the rotation id and the step. A skip alerts nobody:
 * the freshness check alerts if skips make the secret overdue.
 */
export async function report(input: unknown, deps: CoordinatorDeps): Promise<ReportOutput> {
  const parsed = parseWith(reportSchema, input, 'report');
  const { state, outcome } = parsed;
  const run = state.rotation === undefined ? undefined : parseRotationRun(state.rotation);
  // The state machines route dry runs around every report: one reaching here is a definition bug, and records nothing.
  if (run?.dryRun === true || (state.dryRun !== undefined && state.dryRun !== false)) {
    throw new InvalidTaskInputError('a dry run records nothing: the report task never runs in one');
  }
  const secretArn = state.secretArn ?? 'unknown';
  const strategy = state.preflight?.strategy;
  const subject = run ? auditSubject(run, secretArn, strategy) : subjectBeforeBegin(parsed, secretArn);
  const failure = describeFailure(state.failure);

  let events: AuditEvent[];
  let alert: Omit<Alert, 'topicArn' | 'rotationId'> | undefined;
  if (outcome === 'failed') {
    const step = state.failedStep ?? 'Begin';
    const rolledBack = state.rollback?.rolledBack === true;
    addLifecycleMetric(deps.metrics, strategy, LifecycleMetric.Failed, Count, 1);
    addLifecycleMetric(deps.metrics, strategy, LifecycleMetric.OrchestrationErrors, Count, 1);
    const rollbackError = state.rollbackFailure ? describeFailure(state.rollbackFailure) : undefined;
    const canaryAbortError = state.canaryAbortFailure ? describeFailure(state.canaryAbortFailure) : undefined;
    const reinstateError = state.reinstateFailure ? describeFailure(state.reinstateFailure) : undefined;
    events = [
      {
        type: AuditEventType.Failed,
        facts: {
          step,
          error: failure.error,
          cause: failure.cause,
          rolledBack,
          ...(rollbackError ? { rollbackError: rollbackError.error, rollbackCause: rollbackError.cause } : {}),
          ...(state.canaryAbort ? { canaryAbort: state.canaryAbort.status } : {}),
          ...(canaryAbortError ? { canaryAbortError: canaryAbortError.error } : {}),
          ...(state.reinstate ? { reinstate: state.reinstate.status } : {}),
          ...(reinstateError ? { reinstateError: reinstateError.error, reinstateCause: reinstateError.cause } : {}),
        },
      },
    ];
    alert = {
      severity: 'critical',
      subject: `keyturn${parsed.emergency ? ' EMERGENCY' : ''}: rotation failed at ${step} (${nameOf(secretArn)})`,
      message: alertText(subject, [
        `The ${parsed.emergency ? 'emergency ' : ''}rotation failed at step ${step}: ${failure.error}.`,
        failure.cause,
        rolledBack ? 'AWSCURRENT was rolled back to the previous version, which still authenticates.' : '',
        rollbackError
          ? `The rollback failed too (${rollbackError.error}: ${rollbackError.cause}); check AWSCURRENT now.`
          : '',
        state.reinstate
          ? `Old credential after the breach: ${state.reinstate.status} (${state.reinstate.detail}).`
          : '',
        reinstateError
          ? `The old credential could not be reinstated (${reinstateError.error}: ${reinstateError.cause}).`
          : '',
        parsed.emergency ? 'The suspected-leaked credential may still work: act now (see the runbook).' : '',
        state.canaryAbort
          ? `The canary was taken back (candidate ${state.canaryAbort.status}); AWSCURRENT never moved.`
          : '',
        canaryAbortError
          ? `Taking the canary back failed too (${canaryAbortError.error}: ${canaryAbortError.cause}): the candidate ` +
            'may still carry the canary label and work; AWSCURRENT never moved (see docs/canary.md).'
          : '',
      ]),
      step,
    };
  } else if (outcome === 'revoked') {
    addLifecycleMetric(deps.metrics, strategy, LifecycleMetric.Completed, Count, 1);
    events = [{ type: AuditEventType.Completed, facts: { outcome: 'revoked', watchedAfterRevoke: true } }];
  } else if (outcome === 'skipped') {
    events = [{ type: AuditEventType.Skipped, facts: { rule: failure.error, detail: failure.cause } }];
  } else if (outcome === 'replicas-not-in-sync') {
    // Rotated and verified in the primary region; a replica region may still serve the old value: kept working.
    const lagging = state.verify?.replicas?.lagging ?? [];
    const waitedSeconds = state.verify?.replicas?.waitedSeconds ?? 0;
    addLifecycleMetric(deps.metrics, strategy, LifecycleMetric.Completed, Count, 1);
    addLifecycleMetric(deps.metrics, strategy, LifecycleMetric.ReplicasNotInSyncAfterRotation, Count, 1);
    events = [
      { type: AuditEventType.ReplicasNotInSync, facts: { lagging, regions: lagging.length, waitedSeconds } },
      { type: AuditEventType.LeftInUse, facts: { inUse: 'unknown', reason: 'replicas-not-in-sync' } },
      { type: AuditEventType.Completed, facts: { outcome: 'left-in-use', reason: 'replicas-not-in-sync' } },
    ];
    alert = {
      severity: 'warning',
      subject: `keyturn: replicas not in sync after rotation, old credential kept (${nameOf(secretArn)})`,
      message: alertText(subject, [
        `The secret rotated and the new credential is verified, but after ${waitedSeconds} s ${lagging.length} replica`,
        `region(s) did not serve the new AWSCURRENT: ${lagging.join(', ')}. The old credential was not revoked,`,
        'since those regions may still hand it out. Fix replication (see the runbook); the next rotation revokes it.',
      ]),
      step: 'ReplicaSync',
    };
  } else {
    addLifecycleMetric(deps.metrics, strategy, LifecycleMetric.Completed, Count, 1);
    events = [
      { type: AuditEventType.LeftInUse, facts: { inUse: state.drain?.inUse ?? 'unknown' } },
      { type: AuditEventType.Completed, facts: { outcome: 'left-in-use' } },
    ];
    alert = {
      severity: 'warning',
      subject: `keyturn: old credential still in use after rotation (${nameOf(secretArn)})`,
      message: alertText(subject, [
        'The secret rotated and the new credential is verified, but clients still use the old one after the',
        'drain wait, so it was left working as the policy says. Find those clients and move them to AWSCURRENT;',
        'the next rotation revokes it.',
      ]),
      step: 'Drain',
    };
  }

  await deps.audit.record(subject, ...events);
  const topicArn = run?.alertTopicArn ?? state.alertTopicArn ?? deps.defaultAlertTopicArn;
  if (alert && topicArn !== undefined) {
    await deps.alerts.publish({ ...alert, topicArn, rotationId: subject.rotationId });
  } else if (alert) {
    deps.logger.error('no alert topic configured: alert not sent', { subject: alert.subject });
  }
  deps.logger.info('run reported', { outcome, rotationId: subject.rotationId });
  return { outcome, alerted: alert !== undefined && topicArn !== undefined };
}

/** A run that failed before `begin` has no rotation id yet: the execution's name stands in for it. */
function subjectBeforeBegin(input: ReportInput, secretArn: string): AuditSubject {
  const trigger = LIFECYCLE_TRIGGERS.find((t) => t === input.state.trigger) ?? 'on-demand';
  return {
    rotationId: input.executionArn.split(':').at(-1) ?? input.executionArn,
    executionArn: input.executionArn,
    secretArn,
    trigger: input.emergency ? 'emergency' : trigger,
    emergency: input.emergency,
  };
}

/**
 * A caught error as Step Functions hands it over: `Cause` is the Lambda error document
 * (`{"errorType","errorMessage",...}`) for function errors, plain text for service errors.
 */
function describeFailure(failure: { Error: string; Cause?: string } | undefined): { error: string; cause: string } {
  if (!failure) return { error: 'Unknown', cause: '' };
  let cause = failure.Cause ?? '';
  try {
    const document = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof document.errorMessage === 'string') cause = document.errorMessage;
  } catch {
    // plain text
  }
  return { error: failure.Error, cause: cause.length > MAX_CAUSE ? `${cause.slice(0, MAX_CAUSE)}...` : cause };
}

function nameOf(secretArn: string): string {
  // arn:aws:secretsmanager:region:account:secret:name-AbCdEf
  return secretArn.split(':secret:')[1]?.replace(/-[A-Za-z0-9]{6}$/, '') ?? secretArn;
}

function alertText(subject: AuditSubject, lines: string[]): string {
  return [
    ...lines.filter((line) => line !== ''),
    '',
    `Secret: ${subject.secretArn}`,
    `Rotation id: ${subject.rotationId}`,
    `Execution: ${subject.executionArn}`,
    `Trigger: ${subject.trigger}${subject.entryId ? ` (policy entry ${subject.entryId})` : ''}`,
  ].join('\n');
}
