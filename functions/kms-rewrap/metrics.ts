import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { MetricDimension, RewrapMetric } from '../shared/metric-names';
import type { RewrapCounts, RewrapEstimate } from './contract';

/**
 * The job's progress as CloudWatch metrics (EMF through Powertools), in the dimension sets `[service, Table]`
 * (a dashboard per job) and `[service]` (alarms): counts since the last publication, and the estimate's
 * gauges. Keys and counts only.
 */
export function publishRewrapProgress(
  metrics: Metrics,
  tableName: string,
  delta: RewrapCounts,
  estimate: RewrapEstimate,
): void {
  if (!metrics.hasStoredMetrics()) {
    metrics.addDimension(MetricDimension.Table, tableName);
    metrics.addDimensions({});
  }
  metrics.addMetric(RewrapMetric.ItemsProcessed, MetricUnit.Count, delta.scanned);
  metrics.addMetric(RewrapMetric.ItemsRewrapped, MetricUnit.Count, delta.rewrapped);
  metrics.addMetric(RewrapMetric.ItemsRefused, MetricUnit.Count, delta.refused);
  metrics.addMetric(RewrapMetric.KmsThrottles, MetricUnit.Count, delta.throttled);
  metrics.addMetric(RewrapMetric.Conflicts, MetricUnit.Count, delta.conflictsRetried);
  metrics.addMetric(RewrapMetric.ItemsRemaining, MetricUnit.Count, estimate.itemsRemaining);
  metrics.addMetric(RewrapMetric.PercentComplete, MetricUnit.Percent, estimate.percentComplete);
  if (estimate.secondsLeft !== null) {
    metrics.addMetric(RewrapMetric.EstimatedSecondsLeft, MetricUnit.Seconds, estimate.secondsLeft);
  }
  metrics.publishStoredMetrics();
}
