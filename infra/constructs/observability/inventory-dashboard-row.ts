import { Duration } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { LifecycleMetric } from '../../../functions/shared/metric-names';
import { lifecycleMetric } from './metrics';

/** The Markdown header of the dashboard's inventory row. */
export const INVENTORY_SECTION = '# Inventory and drift';

const ONE_HOUR = Duration.hours(1);
const FULL = 24;

type LifecycleMetricName = (typeof LifecycleMetric)[keyof typeof LifecycleMetric];

/**
 * The inventory row: the hourly check's findings (functions/inventory) as gauges, the latest per hour. Secrets that
 * need a rotation (overdue, stuck, rotation off) beside drift between the account and the policy.
 */
export function inventoryRow(): cw.IWidget[] {
  const gauge = (metric: LifecycleMetricName) =>
    lifecycleMetric(metric, { statistic: cw.Stats.MAXIMUM, period: ONE_HOUR, label: metric });
  const graph = (title: string, metrics: readonly LifecycleMetricName[]) =>
    new cw.GraphWidget({
      title,
      left: metrics.map(gauge),
      leftYAxis: { min: 0, showUnits: false },
      width: 12,
      height: 6,
    });
  return [
    new cw.TextWidget({
      markdown:
        `${INVENTORY_SECTION}\n` +
        "The hourly check's findings (what `keyturn inventory` lists): each above 0 has an alarm and a runbook; the " +
        "check's log lines name the secrets. It only reads: a stuck AWSPENDING stays until someone resolves it.",
      width: FULL,
      height: 2,
      background: cw.TextWidgetBackground.TRANSPARENT,
    }),
    graph('Managed secrets: overdue, stuck AWSPENDING, rotation off, unreadable', [
      LifecycleMetric.SecretsOverdue,
      LifecycleMetric.SecretsStuckPending,
      LifecycleMetric.SecretsRotationDisabled,
      LifecycleMetric.SecretsUnreadable,
    ]),
    graph('Drift: policy secrets missing, managed not in policy, unmanaged with keyturn tags, replicas out of sync', [
      LifecycleMetric.PolicySecretsMissing,
      LifecycleMetric.ManagedSecretsNotInPolicy,
      LifecycleMetric.UnmanagedTaggedSecrets,
      LifecycleMetric.ReplicasOutOfSync,
    ]),
  ];
}
