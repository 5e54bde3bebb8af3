import type { Logger } from '@aws-lambda-powertools/logger';
import type { AlertPublisher } from '../tasks/alerts';
import {
  FAILED_SAMPLE_SIZE,
  FleetAuditEventType,
  MAX_PAGES_PER_EXECUTION,
  type FleetDryRunSummary,
  type FleetOutcome,
  type FleetOutcomeStatus,
  type FleetProgress,
  type FleetSummary,
  type FleetTotals,
} from './contract';
import { FLEET_TOLERANCE_EXCEEDED } from './errors';
import type { FleetAudit } from './audit';
import type { SummarizeInput } from './input';

export interface SummarizeDeps {
  readonly audit: FleetAudit;
  readonly alerts: AlertPublisher;
  readonly logger: Logger;
  /** The functions' default alert topic (TaskEnvironment.defaultAlertTopicArn). */
  readonly defaultAlertTopicArn: string | undefined;
}

const round = (value: number): number => Math.round(value * 100) / 100;

/**
 * Records one rotated page (a log line and an audit event with every secret's outcome), adds it
 * to the fleet's totals, and says what the state machine does next: another page, a fresh
 * execution, or the end. At the end it alerts once if any rotation failed, and judges the
 * failures against the tolerated percentage. A dry run records nothing (no audit event, no alert) and ends
 * with a {@link FleetDryRunSummary} instead, never failing the execution.
 */
export async function summarizePage(input: SummarizeInput, deps: SummarizeDeps): Promise<FleetProgress> {
  const { request, progress, page, outcomes, fleetExecutionArn } = input;
  const dryRun = request.dryRun === true;
  const count = (...statuses: FleetOutcomeStatus[]) =>
    outcomes.filter((outcome) => statuses.includes(outcome.status)).length;
  // A dry run's sample names every secret it would not rotate, skipped ones too.
  const sampledStatuses: FleetOutcomeStatus[] = dryRun ? ['failed', 'skipped'] : ['failed'];
  const sampledHere = outcomes.filter((outcome) => sampledStatuses.includes(outcome.status));
  const pageCounts = {
    succeeded: count('rotated', 'left-in-use'),
    leftInUse: count('left-in-use'),
    skipped: count('skipped'),
    failed: count('failed'),
    excluded: page.excluded,
    wouldRotate: count('would-rotate'),
  };
  const pageNumber = progress.pages + 1;
  const totals: FleetTotals = {
    selected: progress.selected + outcomes.length,
    succeeded: progress.succeeded + pageCounts.succeeded,
    leftInUse: progress.leftInUse + pageCounts.leftInUse,
    skipped: progress.skipped + pageCounts.skipped,
    failed: progress.failed + pageCounts.failed,
    excluded: progress.excluded + pageCounts.excluded,
    wouldRotate: progress.wouldRotate + pageCounts.wouldRotate,
  };
  const failedSample: FleetOutcome[] = [...progress.failedSample, ...sampledHere].slice(0, FAILED_SAMPLE_SIZE);

  deps.logger.info(dryRun ? 'fleet page dry run (nothing recorded)' : 'fleet page rotated', {
    fleetId: progress.fleetId,
    fleetExecutionArn,
    page: pageNumber,
    ...pageCounts,
    outcomes,
  });
  if (!dryRun) {
    await deps.audit.record(
      FleetAuditEventType.PageRotated,
      {
        fleetId: progress.fleetId,
        fleetExecutionArn,
        page: pageNumber,
        trigger: 'fleet',
        ...(request.reason === undefined ? {} : { reason: request.reason }),
        ...pageCounts,
        outcomes,
      },
      outcomes.map((outcome) => outcome.secretArn),
    );
  }

  const pagesThisExecution = progress.pagesThisExecution + 1;
  const done = page.nextToken === null;
  const continueAsNew = !done && pagesThisExecution >= MAX_PAGES_PER_EXECUTION;
  const carried = { fleetId: progress.fleetId, pages: pageNumber, nextToken: page.nextToken, ...totals, failedSample };
  const next = { ...carried, pagesThisExecution, done, continueAsNew, toleranceExceeded: false };
  if (continueAsNew) return { ...next, continuation: { ...request, continuation: carried } };
  if (!done) return next;

  const tolerated = request.toleratedFailurePercentage ?? 0;
  const failurePercentage = totals.selected === 0 ? 0 : round((totals.failed / totals.selected) * 100);
  if (dryRun) {
    const summary = dryRunSummary(progress.fleetId, pageNumber, totals, failedSample, failurePercentage, tolerated);
    deps.logger.info('fleet dry run completed (nothing recorded)', { ...summary });
    return { ...next, summary };
  }
  const toleranceExceeded = failurePercentage > tolerated;
  const summary: FleetSummary = {
    fleetId: progress.fleetId,
    pages: pageNumber,
    selected: totals.selected,
    succeeded: totals.succeeded,
    leftInUse: totals.leftInUse,
    skipped: totals.skipped,
    failed: totals.failed,
    excluded: totals.excluded,
    failurePercentage,
    toleratedFailurePercentage: tolerated,
  };
  deps.logger.info('fleet rotation completed', { ...summary, toleranceExceeded });
  await deps.audit.record(FleetAuditEventType.Completed, { ...summary, toleranceExceeded, trigger: 'fleet' }, [
    progress.fleetId,
  ]);
  if (totals.failed > 0) await alert(summary, failedSample, toleranceExceeded, request.alertTopicArn, deps);
  const verdict = toleranceExceeded
    ? {
        error: FLEET_TOLERANCE_EXCEEDED,
        cause:
          `${totals.failed} of ${totals.selected} rotations failed (${failurePercentage}%), ` +
          `above the tolerated ${tolerated}% (fleet ${progress.fleetId})`,
      }
    : undefined;
  return { ...next, toleranceExceeded, summary, ...(verdict ? { verdict } : {}) };
}

/** A dry run's output: what a real run would do; its refusals judged against the tolerance, never failing it. */
function dryRunSummary(
  fleetId: string,
  pages: number,
  totals: FleetTotals,
  refusals: readonly FleetOutcome[],
  refusedPercentage: number,
  tolerated: number,
): FleetDryRunSummary {
  return {
    dryRun: true,
    fleetId,
    pages,
    selected: totals.selected,
    wouldRotate: totals.wouldRotate,
    wouldSkip: totals.skipped,
    refused: totals.failed,
    excluded: totals.excluded,
    refusals,
    refusedPercentage,
    toleratedFailurePercentage: tolerated,
    wouldExceedTolerance: refusedPercentage > tolerated,
  };
}

async function alert(
  summary: FleetSummary,
  failedSample: readonly FleetOutcome[],
  toleranceExceeded: boolean,
  requestedTopic: string | undefined,
  deps: SummarizeDeps,
): Promise<void> {
  const topicArn = requestedTopic ?? deps.defaultAlertTopicArn;
  if (topicArn === undefined) {
    deps.logger.error('fleet rotations failed but no alert topic is configured', { fleetId: summary.fleetId });
    return;
  }
  const lines = [
    `${summary.failed} of ${summary.selected} rotations of fleet run ${summary.fleetId} failed ` +
      `(${summary.failurePercentage}%; tolerated ${summary.toleratedFailurePercentage}%).`,
    toleranceExceeded
      ? 'The fleet execution failed: more rotations failed than tolerated.'
      : 'Within tolerance: the fleet execution succeeded; the failed secrets keep their current credential.',
    '',
    `First ${failedSample.length} failures (secret, error, lifecycle execution):`,
    ...failedSample.map(
      (outcome) =>
        `- ${outcome.secretArn}: ${outcome.error ?? 'unknown error'} ${outcome.executionArn ?? '(not started)'}`,
    ),
    '',
    'Every outcome is in the FleetPageRotated audit events of this fleet run.',
  ];
  try {
    await deps.alerts.publish({
      topicArn,
      subject: `keyturn: ${summary.failed} of ${summary.selected} fleet rotations failed`,
      message: lines.join('\n'),
      severity: toleranceExceeded ? 'critical' : 'warning',
      rotationId: summary.fleetId,
    });
  } catch (error) {
    // The audit events and logs hold every outcome; a lost alert must not fail the fleet's verdict.
    deps.logger.error('fleet alert not published', { fleetId: summary.fleetId, error: (error as Error).name });
  }
}
