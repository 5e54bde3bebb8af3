import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import {
  METRICS_NAMESPACE,
  MetricDimension,
  MetricService,
  RewrapMetric,
} from '../../../functions/shared/metric-names';

/**
 * The dashboard's KMS re-wrap row (functions/kms-rewrap/metrics.ts publishes the metrics, in `[service, Table]` and
 * `[service]`): per table, how far the job is and when it should finish; for all jobs, what they re-wrapped and
 * refused, and the KMS throttles and lost conditional writes that say the pace is too high. Its own module: the
 * rows of the rotation dashboard are built apart, so each can change without touching the others.
 */

/** The Markdown header of the row. */
export const REWRAP_ROW_HEADER = '## KMS re-wrap: progress, time left, throttles';

const FIVE_MINUTES = Duration.minutes(5);

type RewrapMetricName = (typeof RewrapMetric)[keyof typeof RewrapMetric];

function rewrapMetric(name: RewrapMetricName, statistic: string, label: string, table?: string): cw.Metric {
  return new cw.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: {
      [MetricDimension.Service]: MetricService.Lifecycle,
      ...(table === undefined ? {} : { [MetricDimension.Table]: table }),
    },
    statistic,
    period: FIVE_MINUTES,
    label,
  });
}

/** The row's widgets for the jobs' `tables` (names, each once): a header, then four graphs across the width. */
export function rewrapDashboardRow(tables: readonly string[]): cw.IWidget[] {
  const perTable = (name: RewrapMetricName, statistic: string) =>
    [...new Set(tables)].map((table) => rewrapMetric(name, statistic, table, table));
  return [
    new cw.TextWidget({
      markdown:
        `${REWRAP_ROW_HEADER}\n` +
        "Jobs run after a key's material changed (docs/kms-rewrap.md). Throttles mean the applications need more " +
        "of the account's KMS quota than the jobs left them: lower `fraction`.",
      width: 24,
      height: 2,
    }),
    new cw.GraphWidget({
      title: 'Re-wrap progress by table (% scanned)',
      left: perTable(RewrapMetric.PercentComplete, cw.Stats.MAXIMUM),
      leftYAxis: { min: 0, max: 100, showUnits: false },
      width: 6,
    }),
    new cw.GraphWidget({
      title: 'Estimated time left by table (seconds)',
      left: perTable(RewrapMetric.EstimatedSecondsLeft, cw.Stats.MINIMUM),
      leftYAxis: { min: 0, showUnits: false },
      width: 6,
    }),
    new cw.GraphWidget({
      title: 'Items re-wrapped and refused',
      left: [
        rewrapMetric(RewrapMetric.ItemsRewrapped, cw.Stats.SUM, 'Re-wrapped'),
        rewrapMetric(RewrapMetric.ItemsProcessed, cw.Stats.SUM, 'Settled'),
      ],
      right: [rewrapMetric(RewrapMetric.ItemsRefused, cw.Stats.SUM, 'Refused')],
      width: 6,
    }),
    new cw.GraphWidget({
      title: 'KMS throttles and lost conditional writes',
      left: [
        rewrapMetric(RewrapMetric.KmsThrottles, cw.Stats.SUM, 'ReEncrypt throttled'),
        rewrapMetric(RewrapMetric.Conflicts, cw.Stats.SUM, 'Application write won'),
      ],
      width: 6,
    }),
  ];
}
