import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  KMS_ROTATION_TYPE_DIMENSION,
  KmsKeyMetric,
  LifecycleMetric,
  METRICS_NAMESPACE,
  MetricDimension,
  MetricService,
} from '../../../functions/shared/metric-names';
import { lifecycleMetric } from './metrics';

/** The Markdown header of the dashboard's KMS keys row. */
export const KMS_KEYS_SECTION = '# KMS keys: are they rotating?';

/** What the KMS keys row of the dashboard shows (present when the policy has keys). */
export interface KmsKeysRowProps {
  /** The kms-key state machine: one run per key rotation, scheduled or on demand. */
  readonly stateMachine: sfn.IStateMachine;
}

const ONE_HOUR = Duration.hours(1);
const FULL = 24;

/**
 * The KMS keys row, beside the secrets' sections: keyturn's runs of the kms-key state machine, KMS's own rotation
 * and deletion events (the kms-key function counts them, whoever rotated), and the hourly freshness check's verdict
 * on the policy's keys. Hourly periods: key rotations are rare, a finer grain would draw only empty minutes.
 */
export function kmsKeysRow(props: KmsKeysRowProps): cw.IWidget[] {
  const sm = props.stateMachine;
  const sum = (label: string) => ({ period: ONE_HOUR, statistic: cw.Stats.SUM, label });
  const gauge = (metric: (typeof LifecycleMetric)[keyof typeof LifecycleMetric]) =>
    lifecycleMetric(metric, { statistic: cw.Stats.MAXIMUM, period: ONE_HOUR, label: metric });
  return [
    new cw.TextWidget({
      markdown:
        `${KMS_KEYS_SECTION}\n` +
        "keyturn's runs of the kms-key state machine, KMS's own rotation events, and the policy keys the hourly " +
        'freshness check found overdue or could not check (they raise the rotation-overdue alarm).',
      width: FULL,
      height: 2,
      background: cw.TextWidgetBackground.TRANSPARENT,
    }),
    new cw.GraphWidget({
      title: 'kms-key runs: started, succeeded, failed, timed out (per hour)',
      left: [
        sm.metricStarted(sum('Started')),
        sm.metricSucceeded(sum('Succeeded')),
        sm.metricFailed(sum('Failed')),
        sm.metricTimedOut(sum('Timed out')),
      ],
      leftYAxis: { min: 0, showUnits: false },
      width: 8,
      height: 6,
    }),
    new cw.GraphWidget({
      title: "KMS's own events: material rotations by type, keys deleted (per hour)",
      left: [
        new cw.MathExpression({
          expression:
            `SEARCH('{${METRICS_NAMESPACE},${MetricDimension.Service},${KMS_ROTATION_TYPE_DIMENSION}} ` +
            `MetricName="${KmsKeyMetric.MaterialRotations}"', 'Sum', ${ONE_HOUR.toSeconds()})`,
          period: ONE_HOUR,
          label: 'Rotations',
        }),
        new cw.Metric({
          namespace: METRICS_NAMESPACE,
          metricName: KmsKeyMetric.KeysDeleted,
          dimensionsMap: { [MetricDimension.Service]: MetricService.KmsKey },
          ...sum('Keys deleted'),
        }),
      ],
      leftYAxis: { min: 0, showUnits: false },
      width: 8,
      height: 6,
    }),
    new cw.GraphWidget({
      title: 'Policy keys overdue and unchecked; oldest key age (% of allowed)',
      left: [gauge(LifecycleMetric.KeysOverdue), gauge(LifecycleMetric.KeysUnchecked)],
      right: [gauge(LifecycleMetric.OldestKeyAgePercent)],
      rightAnnotations: [{ value: 100, label: 'overdue', color: cw.Color.RED }],
      leftYAxis: { min: 0, showUnits: false },
      rightYAxis: { min: 0, showUnits: false },
      width: 8,
      height: 6,
    }),
  ];
}
