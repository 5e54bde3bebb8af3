import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { MetricDimension, RotationMetric, StepMetric, UNRESOLVED_STRATEGY } from '../shared/metric-names';
import { describeError } from '../shared/errors';
import { formatRotationFailure, ROTATION_FAILURE_TAG } from '../shared/rotation-failure';
import { parseRotationEvent, type RotationEvent } from './event';
import { runRotationStep, type RotationStepDeps } from './rotation';

export interface ObservedStepDeps extends RotationStepDeps {
  readonly metrics: Metrics;
  /** Milliseconds this step's writes have waited for the write pacer so far. */
  readonly writeQuotaWaitMs?: () => number;
}

/**
 * Parses the event, runs the step, and reports it: one log context (rotation id, secret,
 * step, strategy) on every line, step metrics by Strategy and Step, rotation metrics by
 * Strategy. Errors are logged and re-thrown unchanged so Secrets Manager sees the failure.
 */
export async function runObservedRotationStep(input: unknown, deps: ObservedStepDeps): Promise<void> {
  const { logger, metrics } = deps;
  const clock = deps.now ?? (() => new Date());
  const startedAt = clock().getTime();
  let strategy: string = UNRESOLVED_STRATEGY;
  let step = 'unknown';
  let event: RotationEvent | undefined;
  // Only a failure of a rotation keyturn runs is recorded on the secret: never on one another service owns.
  const seen = { ownRotation: false };
  try {
    event = parseRotationEvent(input);
    step = event.Step;
    logger.appendKeys({ rotationId: event.ClientRequestToken, secretArn: event.SecretId, step });
    stepStarted(deps, step);
    const outcome = await runRotationStep(
      event,
      deps,
      (s) => {
        strategy = s.name;
      },
      () => {
        seen.ownRotation = true;
      },
    );
    if (outcome.rotationStarted) rotationMetric(deps, strategy, RotationMetric.Started, 1);
    if (outcome.rotationCompletedAfterMs !== undefined) {
      rotationMetric(deps, strategy, RotationMetric.Succeeded, 1);
      metrics.addMetric(RotationMetric.Duration, MetricUnit.Milliseconds, outcome.rotationCompletedAfterMs);
    }
    stepMetric(deps, strategy, step, StepMetric.Succeeded, clock().getTime() - startedAt);
  } catch (error) {
    logger.error('rotation step failed', error as Error);
    rotationMetric(deps, strategy, RotationMetric.Failed, 1);
    stepMetric(deps, strategy, step, StepMetric.Failed, clock().getTime() - startedAt);
    if (event && seen.ownRotation) await recordFailure(deps, event, error, clock());
    throw error;
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    logger.resetKeys();
  }
}

/**
 * Rotation-level metrics share one EMF document per invocation, published in two dimension
 * sets: `[service, Strategy]` for dashboards and `[service]` for alarms, which cannot SEARCH
 * across strategies (infra/constructs/observability).
 */
function rotationMetric(deps: ObservedStepDeps, strategy: string, name: string, value: number): void {
  if (!deps.metrics.hasStoredMetrics()) {
    deps.metrics.addDimension(MetricDimension.Strategy, strategy);
    deps.metrics.addDimensions({}); // the aggregate set: `service` alone
  }
  deps.metrics.addMetric(name, MetricUnit.Count, value);
}

/** Flushed at once (a single metric), so it survives a step the Lambda timeout kills. */
function stepStarted(deps: ObservedStepDeps, step: string): void {
  const single = deps.metrics.singleMetric();
  single.addDimension(MetricDimension.Step, step);
  single.addMetric(StepMetric.Started, MetricUnit.Count, 1);
}

function stepMetric(deps: ObservedStepDeps, strategy: string, step: string, result: string, durationMs: number): void {
  const single = deps.metrics.singleMetric();
  single.addDimension(MetricDimension.Strategy, strategy);
  single.addDimension(MetricDimension.Step, step);
  single.addMetric(result, MetricUnit.Count, 1);
  single.addMetric(StepMetric.Duration, MetricUnit.Milliseconds, durationMs);
  if (deps.writeQuotaWaitMs) {
    single.addMetric(StepMetric.WriteQuotaWait, MetricUnit.Milliseconds, deps.writeQuotaWaitMs());
  }
}

/**
 * Leaves the failure on the secret (rotation-failure.ts) for the lifecycle's Verify to report at
 * once. Best effort: a failure to record it is logged and never replaces the step's own error.
 */
async function recordFailure(deps: ObservedStepDeps, event: RotationEvent, error: unknown, at: Date): Promise<void> {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : describeError(error);
  try {
    await deps.store.tag(
      event.SecretId,
      ROTATION_FAILURE_TAG,
      formatRotationFailure({ token: event.ClientRequestToken, step: event.Step, errorName: name, at, message }),
    );
  } catch (tagError) {
    deps.logger.warn('could not record the failed step on the secret', { reason: describeError(tagError) });
  }
}
