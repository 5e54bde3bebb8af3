import type { Duration } from 'aws-cdk-lib';
import type * as cw from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { KmsKeyMetric, METRICS_NAMESPACE } from '../../../functions/shared/metric-names';
import { ObservabilityValidationError } from './errors';

/**
 * Attempts to use a KMS key that is pending deletion, as the KMS developer guide detects them ("Create an alarm that
 * detects use of a KMS key pending deletion"): a trail delivers CloudTrail's events to a CloudWatch Logs log group,
 * and a metric filter there counts KMS requests refused with the error message "<key ARN> is pending deletion.".
 * Operations KMS allows on such a key (DescribeKey, CancelKeyDeletion, …) do not answer that message, so only uses
 * count. keyturn does not create the trail: the account has one (or none), and this only reads its log group.
 */

/** The developer guide's filter pattern, verbatim. */
export const PENDING_DELETION_FILTER_PATTERN = '{ $.eventSource = kms* && $.errorMessage = "* is pending deletion."}';

/** CloudWatch Logs log group names: 1 to 512 of letters, digits, `_ - / . #`. */
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;

/**
 * The metric filter on `logGroupName` (in the stack's account and Region), and its metric: one per refused use of a
 * key pending deletion, no dimensions, no datapoint when nothing matched.
 */
export function pendingDeletionUsesMetric(
  scope: Construct,
  logGroupName: string,
  aggregation: { readonly period: Duration; readonly statistic: string },
): cw.Metric {
  if (!LOG_GROUP_NAME.test(logGroupName)) {
    throw new ObservabilityValidationError(
      scope,
      `cloudTrailLogGroupName must be a CloudWatch Logs log group name (letters, digits, _ - / . #), got "${logGroupName}"`,
    );
  }
  const logGroup = logs.LogGroup.fromLogGroupName(scope, 'CloudTrailLogGroup', logGroupName);
  const filter = new logs.MetricFilter(scope, 'KmsPendingDeletionUses', {
    logGroup,
    filterPattern: logs.FilterPattern.literal(PENDING_DELETION_FILTER_PATTERN),
    metricNamespace: METRICS_NAMESPACE,
    metricName: KmsKeyMetric.PendingDeletionUses,
    metricValue: '1',
  });
  return filter.metric({ ...aggregation, label: KmsKeyMetric.PendingDeletionUses });
}
