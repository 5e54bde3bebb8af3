import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';

type Unit = Parameters<Metrics['addMetric']>[1];
import { MetricDimension, UNRESOLVED_STRATEGY } from '../shared/metric-names';

/**
 * Adds a lifecycle metric to this invocation's EMF document, published in the dimension sets
 * `[service, Strategy]` (dashboards) and `[service]` (alarms, which cannot SEARCH).
 */
export function addLifecycleMetric(
  metrics: Metrics,
  strategy: string | undefined,
  name: string,
  unit: Unit,
  value: number,
): void {
  if (!metrics.hasStoredMetrics()) {
    metrics.addDimension(MetricDimension.Strategy, strategy ?? UNRESOLVED_STRATEGY);
    metrics.addDimensions({});
  }
  metrics.addMetric(name, unit, value);
}

export const Count = MetricUnit.Count;
export const Milliseconds = MetricUnit.Milliseconds;
