import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { deadlineIn, invocationDeadline } from '../shared/deadline';
import { eventBridgePutEvents } from '../shared/event-bus';
import { TaskEnvironment } from '../shared/lifecycle-contract';
import { MetricService } from '../shared/metric-names';
import { createObservability } from '../shared/observability';
import { createRewrapAudit } from './audit';
import { rewrapDynamoDbClient, rewrapKmsClient } from './clients';
import { DEFAULT_REWRAP_FUNCTION_TIMEOUT_SECONDS, type RewrapProgress } from './contract';
import { parseRewrapEvent } from './input';
import { reportRewrapFailure } from './report';
import { runRewrapSlice, type RewrapDeps } from './slice';

/** What a Lambda context gives the job: its remaining time. */
export interface RewrapContext {
  readonly getRemainingTimeInMillis?: () => number;
}

export type RewrapHandler = (event: unknown, context?: RewrapContext) => Promise<RewrapProgress | { reported: true }>;

/** Everything of RewrapDeps but the invocation's deadline, which each invocation brings. */
export type RewrapFunctionDeps = Omit<RewrapDeps, 'deadline'>;

/**
 * The re-wrap function: `slice` works through the table until its time is nearly up and answers with the
 * next checkpoint; `report-failure` records a failed job. Errors are logged (value-free) and re-thrown by
 * name for the state machine's Retry and Catch.
 */
export function createRewrapHandler(deps: RewrapFunctionDeps): RewrapHandler {
  return async (event, context) => {
    try {
      const parsed = parseRewrapEvent(event);
      if (parsed.task === 'report-failure') return await reportRewrapFailure(parsed, deps);
      const deadline =
        typeof context?.getRemainingTimeInMillis === 'function'
          ? invocationDeadline(context)
          : deadlineIn(DEFAULT_REWRAP_FUNCTION_TIMEOUT_SECONDS * 1000);
      return await runRewrapSlice(parsed, { ...deps, deadline });
    } catch (error) {
      deps.logger.error('re-wrap task failed', error as Error);
      throw error;
    } finally {
      if (deps.metrics.hasStoredMetrics()) deps.metrics.publishStoredMetrics();
      deps.logger.resetKeys();
    }
  };
}

/** The deployed function's dependencies, built once per cold start. */
export function defaultRewrapDeps(observability: { logger: Logger; metrics: Metrics }): RewrapFunctionDeps {
  const { logger, metrics } = observability;
  return {
    dynamodb: rewrapDynamoDbClient(),
    kms: rewrapKmsClient(),
    logger,
    metrics,
    audit: createRewrapAudit({
      putEvents: eventBridgePutEvents(),
      busName: process.env[TaskEnvironment.auditBusName],
      logger,
      metrics,
    }),
  };
}

// Built once per cold start; the metrics belong to the state machine functions' family (as the fleet's do).
export const handler: RewrapHandler = createRewrapHandler(
  defaultRewrapDeps(createObservability(MetricService.Lifecycle)),
);
