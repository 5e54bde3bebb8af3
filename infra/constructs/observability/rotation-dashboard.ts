import { Duration, Stack } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  LifecycleMetric,
  METRICS_NAMESPACE,
  MetricDimension,
  RotationMetric,
  StepMetric,
} from '../../../functions/shared/metric-names';
import { AUTH_FAILURES_METRIC_PREFIX } from '../../../functions/shared/auth-failure-metric';
import { ObservabilityValidationError } from './errors';
import { inventoryRow } from './inventory-dashboard-row';
import { kmsKeysRow, type KmsKeysRowProps } from './kms-keys-dashboard-row';
import { auditCompletenessExpression, lifecycleMetric, searchExpression, successRateExpression } from './metrics';
import {
  DEFAULT_ALARM_THRESHOLDS,
  type RotationAlarm,
  uniqueStateMachines,
  type WatchedStateMachine,
} from './rotation-alarms';
import {
  DEFAULT_RUNBOOK_BASE_URL,
  RUNBOOK_HEADINGS,
  type RunbookAnchorName,
  runbookUrl,
  validateRunbookBaseUrl,
} from './runbooks';

/** The `Service` values of AWS/Usage API call counts the debug section shows. */
export const USAGE_SERVICE = { SecretsManager: 'Secrets Manager', KMS: 'KMS' } as const;

/** The Markdown headers of the dashboard's three sections, in order. */
export const DASHBOARD_SECTIONS = {
  Executive: '# Executive: is rotation healthy?',
  OnCall: '# On call: what is failing now?',
  Debug: '# Debug: where is it slow or failing?',
} as const;

/** Properties of a {@link RotationDashboard}. */
export interface RotationDashboardProps {
  /**
   * The alarms the on-call section lists with their state.
   *
   * @default - none (the alarm status widget is left out)
   */
  readonly alarms?: readonly RotationAlarm[];

  /**
   * State machines whose executions the on-call and debug sections show (one graph each, titled by label).
   *
   * @default - none
   */
  readonly stateMachines?: readonly (sfn.IStateMachine | WatchedStateMachine)[];

  /**
   * Lambda functions whose errors and throttles the debug section shows.
   *
   * @default - none
   */
  readonly functions?: readonly lambda.IFunction[];

  /**
   * The weekly success-rate target, in percent: the error budget the burn rate is measured against.
   *
   * @default DEFAULT_ALARM_THRESHOLDS.successRatePercent (99.9)
   */
  readonly successRateTarget?: number;

  /**
   * Base URL of the runbooks the on-call section links.
   *
   * @default DEFAULT_RUNBOOK_BASE_URL
   */
  readonly runbookBaseUrl?: string;

  /**
   * Name of the dashboard. Dashboard names are unique per account across regions.
   *
   * @default `<stack name>-rotation-<region>`
   */
  readonly dashboardName?: string;

  /**
   * The KMS keys row (kms-keys-dashboard-row.ts), after the debug section.
   *
   * @default - no KMS keys row (the policy has no keys)
   */
  readonly kmsKeys?: KmsKeysRowProps;
}

const FIVE_MINUTES = Duration.minutes(5);
const ONE_HOUR = Duration.hours(1);
const ONE_DAY = Duration.days(1);
const FULL = 24;

/**
 * One CloudWatch dashboard for keyturn's rotations, in three sections:
 *
 * - **Executive**: success rate over 30 and 90 days, emergency rotations, audit completeness, and the daily error
 *   budget burn rate against the weekly target.
 * - **On call**: rotations started / succeeded / failed by strategy, lifecycle outcomes and rollbacks,
 *   authentication failures after rotation, the runbook links, one graph of executions per state machine
 *   (started, succeeded, failed, timed out, aborted), and the state of every alarm.
 * - **Debug**: per-step durations and failures, old-credential use, Secrets Manager and KMS API calls (AWS/Usage:
 *   Secrets Manager publishes no API metrics of its own), throttles, and Lambda and Step Functions errors.
 *
 * Then the inventory and drift row: the hourly check's findings (inventory-dashboard-row.ts). With `kmsKeys`, a row
 * for the policy's KMS keys follows (kms-keys-dashboard-row.ts).
 *
 * Breakdowns use SEARCH, which dashboards allow (alarms do not).
 */
export class RotationDashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cw.Dashboard;

  constructor(scope: Construct, id: string, props: RotationDashboardProps = {}) {
    super(scope, id);

    const runbookBaseUrl = props.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL;
    validateRunbookBaseUrl(this, runbookBaseUrl);
    const target = props.successRateTarget ?? DEFAULT_ALARM_THRESHOLDS.successRatePercent;
    if (!(target > 0 && target < 100)) {
      throw new ObservabilityValidationError(
        this,
        `successRateTarget must be a percentage above 0 and below 100 (the error budget is the rest), got ${target}`,
      );
    }
    const watched = uniqueStateMachines(props.stateMachines ?? []);
    const stateMachines = watched.map((w) => w.stateMachine);
    const functions = props.functions ?? [];

    this.dashboard = new cw.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `${Stack.of(this).stackName}-rotation-${Stack.of(this).region}`,
      defaultInterval: Duration.days(7),
    });

    this.dashboard.addWidgets(...this.executiveSection(target));
    this.dashboard.addWidgets(...this.onCallSection(props.alarms ?? [], watched, runbookBaseUrl));
    this.dashboard.addWidgets(...this.debugSection(stateMachines, functions));
    this.dashboard.addWidgets(...inventoryRow());
    if (props.kmsKeys) this.dashboard.addWidgets(...kmsKeysRow(props.kmsKeys));
  }

  private executiveSection(target: number): cw.IWidget[] {
    // Rounded: 100 - 99.9 is 0.09999999999999432 in floating point.
    const budget = Number((100 - target).toFixed(6));
    const rateOver = (days: number): cw.SingleValueWidget =>
      new cw.SingleValueWidget({
        title: `Rotation success rate, ${days} days (target ${target} %)`,
        metrics: [successRateExpression(Duration.days(days), `Success rate, ${days} days (%)`)],
        start: `-P${days}D`,
        setPeriodToTimeRange: true,
        width: 6,
        height: 4,
      });
    const daily = successRateExpression(ONE_DAY, 'Success rate, daily (%)');
    return [
      header(
        `${DASHBOARD_SECTIONS.Executive}\n` +
          `Share of rotation attempts that succeeded, emergency rotations, and whether every rotation left an audit ` +
          `record. The weekly target is ${target} %; a burn rate above 1 spends the error budget faster than a week allows.`,
      ),
      rateOver(30),
      rateOver(90),
      new cw.SingleValueWidget({
        title: 'Emergency rotations, 30 days',
        metrics: [lifecycleMetric(LifecycleMetric.EmergencyRotations, { statistic: cw.Stats.SUM, period: ONE_DAY })],
        start: '-P30D',
        setPeriodToTimeRange: true,
        width: 6,
        height: 4,
      }),
      new cw.SingleValueWidget({
        title: 'Audit completeness, 30 days (target 100 %)',
        metrics: [auditCompletenessExpression(Duration.days(30), 'Audit completeness (%)')],
        start: '-P30D',
        setPeriodToTimeRange: true,
        width: 6,
        height: 4,
      }),
      new cw.GraphWidget({
        title: 'Daily success rate',
        left: [daily],
        leftAnnotations: [{ value: target, label: `target ${target} %`, color: cw.Color.RED }],
        leftYAxis: { min: 0, max: 100, showUnits: false },
        start: '-P30D',
        width: 12,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'SLO burn rate (error budget spent per day, 1 = on budget)',
        left: [
          new cw.MathExpression({
            expression: `(100 - rate) / ${budget}`,
            usingMetrics: { rate: daily },
            period: ONE_DAY,
            label: 'Burn rate',
          }),
        ],
        leftAnnotations: [{ value: 1, label: 'budget pace', color: cw.Color.ORANGE }],
        leftYAxis: { min: 0, showUnits: false },
        start: '-P30D',
        width: 12,
        height: 6,
      }),
    ];
  }

  private onCallSection(
    alarms: readonly RotationAlarm[],
    stateMachines: readonly Required<WatchedStateMachine>[],
    runbookBaseUrl: string,
  ): cw.IWidget[] {
    const byStrategy = (name: (typeof RotationMetric)[keyof typeof RotationMetric], label: string) =>
      searchExpression(name, [MetricDimension.Strategy], cw.Stats.SUM, FIVE_MINUTES, label);
    const lifecycleSum = (name: (typeof LifecycleMetric)[keyof typeof LifecycleMetric], period = FIVE_MINUTES) =>
      lifecycleMetric(name, { statistic: cw.Stats.SUM, period, label: name });

    const runbooks = (Object.entries(RUNBOOK_HEADINGS) as [RunbookAnchorName, string][])
      .map(([anchor, heading]) => `- [${heading.replace(/^Runbook: /, '')}](${runbookUrl(runbookBaseUrl, anchor)})`)
      .join('\n');

    const widgets: cw.IWidget[] = [
      header(
        `${DASHBOARD_SECTIONS.OnCall}\n` +
          'Rotations in flight and failing, authentication failures after a rotation, rollbacks. Every alarm links ' +
          'its runbook; start from the alarm.',
      ),
      new cw.GraphWidget({
        title: 'Rotations by strategy: started, succeeded, failed (rotation function)',
        left: [
          byStrategy(RotationMetric.Started, 'Started'),
          byStrategy(RotationMetric.Succeeded, 'Succeeded'),
          byStrategy(RotationMetric.Failed, 'Failed'),
        ],
        width: 12,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'Lifecycle executions: started, completed, failed, rolled back',
        left: [
          lifecycleSum(LifecycleMetric.Started),
          lifecycleSum(LifecycleMetric.Completed),
          lifecycleSum(LifecycleMetric.Failed),
          lifecycleSum(LifecycleMetric.RolledBack),
        ],
        width: 12,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'Authentication failures after rotation (per hour)',
        left: [lifecycleSum(LifecycleMetric.AuthFailuresAfterRotation, ONE_HOUR)],
        leftAnnotations: [
          { value: DEFAULT_ALARM_THRESHOLDS.authFailuresPerHour, label: 'starting target', color: cw.Color.RED },
        ],
        // The signals the watch windows read (docs/auth-failure-signals.md): each entry's metric filter metric
        // (keyturn's namespace, no dimensions), and ElastiCache's own count per node.
        right: [
          new cw.MathExpression({
            expression: `SEARCH('{${METRICS_NAMESPACE}} ${AUTH_FAILURES_METRIC_PREFIX.replace(/-$/, '')}', 'Sum', 3600)`,
            label: 'Failed logins per entry',
            period: ONE_HOUR,
          }),
          new cw.MathExpression({
            expression: `SEARCH('{AWS/ElastiCache,CacheClusterId} MetricName="AuthenticationFailures"', 'Sum', 3600)`,
            label: 'ElastiCache AuthenticationFailures',
            period: ONE_HOUR,
          }),
        ],
        width: 8,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'Rollbacks and recovery time',
        left: [lifecycleSum(LifecycleMetric.RolledBack, ONE_HOUR)],
        right: [
          lifecycleMetric(LifecycleMetric.RecoveryTime, {
            statistic: cw.Stats.MAXIMUM,
            period: ONE_HOUR,
            label: 'RecoveryTime max (ms)',
          }),
        ],
        width: 8,
        height: 6,
      }),
      new cw.TextWidget({ markdown: `## Runbooks\n${runbooks}`, width: 8, height: 6 }),
      ...stateMachines.map((w) => executionsWidget(w, FULL / Math.min(Math.max(stateMachines.length, 1), 3))),
    ];
    if (alarms.length > 0) {
      widgets.push(
        new cw.AlarmStatusWidget({
          title: 'Alarms',
          alarms: alarms.map((a) => a.alarm),
          sortBy: cw.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
          width: FULL,
          height: Math.min(2 + Math.ceil(alarms.length / 4), 12),
        }),
      );
    }
    return widgets;
  }

  private debugSection(
    stateMachines: readonly sfn.IStateMachine[],
    functions: readonly lambda.IFunction[],
  ): cw.IWidget[] {
    const usage = (service: string, label: string) =>
      new cw.MathExpression({
        expression:
          `SEARCH('{AWS/Usage,Class,Resource,Service,Type} MetricName="CallCount" ` +
          `Service="${service}" Type="API"', 'Sum', 60)`,
        period: Duration.minutes(1),
        label,
      });
    const perMinute = { period: Duration.minutes(1), statistic: cw.Stats.SUM };
    return [
      header(
        `${DASHBOARD_SECTIONS.Debug}\n` +
          'Per-step durations and failures, old-credential use, Secrets Manager and KMS API calls (AWS/Usage ' +
          'CallCount per operation), throttles, Lambda and Step Functions errors.',
      ),
      new cw.GraphWidget({
        title: 'Rotation step duration p95, by strategy and step (ms)',
        left: [
          searchExpression(
            StepMetric.Duration,
            [MetricDimension.Step, MetricDimension.Strategy],
            'p95',
            FIVE_MINUTES,
            'p95',
          ),
        ],
        width: 12,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'Rotation step failures and starts, by step',
        left: [
          searchExpression(
            StepMetric.Failed,
            [MetricDimension.Step, MetricDimension.Strategy],
            cw.Stats.SUM,
            FIVE_MINUTES,
            'Failed',
          ),
          searchExpression(StepMetric.Started, [MetricDimension.Step], cw.Stats.SUM, FIVE_MINUTES, 'Started'),
        ],
        width: 12,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'Time to rotate p95, by strategy (ms)',
        left: [
          searchExpression(
            RotationMetric.Duration,
            [MetricDimension.Strategy],
            'p95',
            ONE_HOUR,
            'RotationDuration p95',
          ),
        ],
        leftAnnotations: [
          {
            value: DEFAULT_ALARM_THRESHOLDS.timeToRotate.toMilliseconds(),
            label: 'starting target',
            color: cw.Color.RED,
          },
        ],
        width: 8,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'Old credential still in use after grace, by strategy',
        left: [
          searchExpression(
            LifecycleMetric.OldCredentialInUse,
            [MetricDimension.Strategy],
            cw.Stats.SUM,
            ONE_HOUR,
            'OldCredentialInUse',
          ),
        ],
        width: 8,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'Canary checks of the new credential: run and failed',
        left: [
          lifecycleMetric(LifecycleMetric.CanaryChecks, { statistic: cw.Stats.SUM, period: ONE_HOUR, label: 'Checks' }),
          lifecycleMetric(LifecycleMetric.CanaryFailures, {
            statistic: cw.Stats.SUM,
            period: ONE_HOUR,
            label: 'Failures',
          }),
        ],
        width: 8,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'Secrets Manager API calls per minute (AWS/Usage)',
        left: [usage(USAGE_SERVICE.SecretsManager, 'Secrets Manager')],
        leftAnnotations: [
          // PutSecretValue + UpdateSecret + UpdateSecretVersionStage share 50 requests/s per region.
          { value: 3000, label: 'shared write quota, 50/s', color: cw.Color.RED },
        ],
        width: 8,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'KMS API calls per minute (AWS/Usage)',
        left: [usage(USAGE_SERVICE.KMS, 'KMS')],
        width: 8,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'Throttles: AWS APIs seen by keyturn, Lambda, Step Functions',
        left: [
          searchExpression(
            LifecycleMetric.ApiThrottles,
            [MetricDimension.AwsService],
            cw.Stats.SUM,
            FIVE_MINUTES,
            'ApiThrottles',
          ),
          ...functions.map((fn) => fn.metricThrottles(perMinute)),
          ...stateMachines.map((sm) => sm.metricThrottled(perMinute)),
        ],
        width: 8,
        height: 6,
      }),
      new cw.GraphWidget({
        title: 'Errors: Lambda functions, state machine executions failed / timed out',
        left: [
          ...functions.map((fn) => fn.metricErrors(perMinute)),
          ...stateMachines.flatMap((sm) => [sm.metricFailed(perMinute), sm.metricTimedOut(perMinute)]),
          lifecycleMetric(LifecycleMetric.OrchestrationErrors, { ...perMinute, label: 'OrchestrationErrors' }),
        ],
        width: FULL,
        height: 6,
      }),
    ];
  }
}

/** Executions of one state machine per 5 minutes: started, succeeded, failed, timed out, aborted. */
function executionsWidget(watched: Required<WatchedStateMachine>, width: number): cw.GraphWidget {
  const sm = watched.stateMachine;
  const sum = (label: string) => ({ period: FIVE_MINUTES, statistic: cw.Stats.SUM, label });
  return new cw.GraphWidget({
    title: `Executions: ${watched.label}`,
    left: [
      sm.metricStarted(sum('Started')),
      sm.metricSucceeded(sum('Succeeded')),
      sm.metricFailed(sum('Failed')),
      sm.metricTimedOut(sum('Timed out')),
      sm.metricAborted(sum('Aborted')),
    ],
    leftYAxis: { min: 0, showUnits: false },
    width: Math.floor(width),
    height: 6,
  });
}

function header(markdown: string): cw.TextWidget {
  return new cw.TextWidget({ markdown, width: FULL, height: 2, background: cw.TextWidgetBackground.TRANSPARENT });
}
