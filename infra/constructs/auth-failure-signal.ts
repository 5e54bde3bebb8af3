import { Duration, Stack } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { describeAuthFailureMetric } from '../../functions/shared/auth-failure-metric';
import type { ResolvedAuthFailures } from '../policy/auth-failure-signal';
import { DEFAULT_RUNBOOK_BASE_URL, RunbookAnchor, runbookUrl } from './observability/runbooks';

/** Properties of {@link AuthFailureSignal}. */
export interface AuthFailureSignalProps {
  readonly entryId: string;
  /** The entry's resolved `authFailures`. */
  readonly signal: ResolvedAuthFailures;
  /** Where the alarm pages, on ALARM and OK: the entry's alert route. */
  readonly alertTopic: sns.ITopic;
  /**
   * Base URL of the runbooks.
   *
   * @default DEFAULT_RUNBOOK_BASE_URL
   */
  readonly runbookBaseUrl?: string;
}

/**
 * An entry's auth-failure signal (M4): for database kinds, the metric filter on the server's log export that counts
 * its users' failed logins into keyturn's namespace; for Redis kinds, ElastiCache's own metric. The lifecycle's
 * watch windows read the same metric (the secret's `keyturn:auth-failures-*` tags name it), and an alarm pages
 * when a window's worth of failures passes the entry's threshold, whether a rotation is running or not.
 */
export class AuthFailureSignal extends Construct {
  /** Failed logins per minute (Sum). */
  public readonly metric: cw.Metric;
  public readonly alarm: cw.Alarm;

  constructor(scope: Construct, id: string, props: AuthFailureSignalProps) {
    super(scope, id);
    const { signal } = props;
    const { namespace, metricName, dimensions } = signal.metric;
    // One filter per user, each one exact phrase into the same metric (an OR of `?"…"` terms would do the same in
    // one filter; single phrases read plainer). `"… for user \"app\""` cannot match `app_clone`: the closing quote.
    signal.logFilter?.phrases.forEach((phrase, index) => {
      new logs.MetricFilter(this, `FailedLogins${index}`, {
        logGroup: this.serverLog(signal.logFilter?.logGroupName ?? ''),
        filterPattern: logs.FilterPattern.allTerms(phrase),
        metricNamespace: namespace,
        metricName,
        metricValue: '1',
        unit: cw.Unit.COUNT,
      });
    });
    this.metric = new cw.Metric({
      namespace,
      metricName,
      dimensionsMap: { ...dimensions },
      statistic: cw.Stats.SUM,
      period: Duration.minutes(1),
      label: `Failed logins (${props.entryId})`,
    });
    // One period the length of the watch window (whole minutes; CloudWatch allows up to a day per period).
    const windowMinutes = Math.max(1, Math.ceil(signal.windowSeconds / 60));
    const runbook = runbookUrl(props.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL, RunbookAnchor.EntryAuthFailures);
    this.alarm = new cw.Alarm(this, 'Alarm', {
      alarmName: `${Stack.of(this).stackName}-auth-failures-${props.entryId}`,
      alarmDescription:
        `keyturn: more than ${signal.threshold} failed logins of entry ${props.entryId} within ${windowMinutes} ` +
        `minute(s) (${describeAuthFailureMetric(signal.metric)}): a consumer uses a credential the target rejects. ` +
        'During a rotation the lifecycle rolls back or reinstates on its own; otherwise find the consumer. ' +
        `Runbook: ${runbook}`,
      metric: this.metric.with({ period: Duration.minutes(windowMinutes) }),
      threshold: signal.threshold,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // A metric filter publishes only on a match: no data is no failed login.
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
    });
    const action = new SnsAction(props.alertTopic);
    this.alarm.addAlarmAction(action);
    this.alarm.addOkAction(action);
  }

  private serverLog(logGroupName: string): logs.ILogGroup {
    return (
      (this.node.tryFindChild('ServerLog') as logs.ILogGroup | undefined) ??
      logs.LogGroup.fromLogGroupName(this, 'ServerLog', logGroupName)
    );
  }
}
