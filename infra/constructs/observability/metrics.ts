import type { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import {
  AuditMetric,
  type LifecycleMetric,
  METRICS_NAMESPACE,
  MetricDimension,
  MetricService,
  RotationMetric,
  type StepMetric,
  UNRESOLVED_STRATEGY,
} from '../../../functions/shared/metric-names';
import { STRATEGY_NAMES } from '../../../functions/strategies/strategy';

/**
 * The `Strategy` values the rotation function can emit: every registered strategy, plus the value used when a step
 * fails before its strategy is known.
 */
export const DEFAULT_ALARM_STRATEGIES: readonly string[] = [...STRATEGY_NAMES, UNRESOLVED_STRATEGY];

type RotationMetricName = (typeof RotationMetric)[keyof typeof RotationMetric];
type StepMetricName = (typeof StepMetric)[keyof typeof StepMetric];
type LifecycleMetricName = (typeof LifecycleMetric)[keyof typeof LifecycleMetric];

/** How one metric is aggregated. */
export interface MetricAggregation {
  readonly statistic: string;
  readonly period: Duration;
  readonly label?: string;
}

/**
 * A rotation-function metric. Without `strategy` it is the aggregate dimension set `[service]`; with it,
 * `[service, Strategy]`, the set the function publishes today.
 */
export function rotationFunctionMetric(
  name: RotationMetricName,
  aggregation: MetricAggregation,
  strategy?: string,
): cw.Metric {
  return new cw.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: {
      [MetricDimension.Service]: MetricService.RotateSecret,
      ...(strategy === undefined ? {} : { [MetricDimension.Strategy]: strategy }),
    },
    ...aggregation,
  });
}

/** A lifecycle metric in its aggregate dimension set `[service]`. */
export function lifecycleMetric(name: LifecycleMetricName, aggregation: MetricAggregation): cw.Metric {
  return new cw.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { [MetricDimension.Service]: MetricService.Lifecycle },
    ...aggregation,
  });
}

/** Audit events the lifecycle meant to record. */
export function auditEventsExpectedMetric(aggregation: MetricAggregation): cw.Metric {
  return new cw.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: AuditMetric.Expected,
    dimensionsMap: { [MetricDimension.Service]: MetricService.Lifecycle },
    ...aggregation,
  });
}

/** Audit events that reached the audit log (the audit log group's metric filter; no dimensions). */
export function auditEventsRecordedMetric(aggregation: MetricAggregation): cw.Metric {
  return new cw.Metric({ namespace: METRICS_NAMESPACE, metricName: AuditMetric.Recorded, ...aggregation });
}

/** Percentage of rotation attempts that succeeded; 100 when there were none. */
export function successRateExpression(period: Duration, label = 'Rotation success rate (%)'): cw.MathExpression {
  const sum = { statistic: cw.Stats.SUM, period };
  return new cw.MathExpression({
    expression: 'IF((FILL(ok, 0) + FILL(failed, 0)) > 0, 100 * FILL(ok, 0) / (FILL(ok, 0) + FILL(failed, 0)), 100)',
    usingMetrics: {
      ok: rotationFunctionMetric(RotationMetric.Succeeded, sum),
      failed: rotationFunctionMetric(RotationMetric.Failed, sum),
    },
    period,
    label,
  });
}

/** Percentage of expected audit events that reached the audit log; 100 when none were expected. */
export function auditCompletenessExpression(period: Duration, label = 'Audit completeness (%)'): cw.MathExpression {
  const sum = { statistic: cw.Stats.SUM, period };
  return new cw.MathExpression({
    expression: 'IF(FILL(expected, 0) > 0, 100 * FILL(recorded, 0) / FILL(expected, 0), 100)',
    usingMetrics: { expected: auditEventsExpectedMetric(sum), recorded: auditEventsRecordedMetric(sum) },
    period,
    label,
  });
}

/**
 * A dashboard-only SEARCH over a keyturn metric broken down by `dimensions` (alarms cannot use SEARCH).
 */
export function searchExpression(
  metricName: RotationMetricName | StepMetricName | LifecycleMetricName,
  dimensions: readonly string[],
  statistic: string,
  period: Duration,
  label?: string,
): cw.MathExpression {
  const schema = [METRICS_NAMESPACE, MetricDimension.Service, ...dimensions].join(',');
  return new cw.MathExpression({
    expression: `SEARCH('{${schema}} MetricName="${metricName}"', '${statistic}', ${period.toSeconds()})`,
    period,
    ...(label === undefined ? {} : { label }),
  });
}
