import { ArnFormat, Duration, Names, Stack } from 'aws-cdk-lib';
import * as cw from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { LifecycleMetric, RotationMetric, UNRESOLVED_STRATEGY } from '../../../functions/shared/metric-names';
import { ObservabilityValidationError } from './errors';
import { pendingDeletionUsesMetric } from './kms-pending-deletion';
import {
  DEFAULT_ALARM_STRATEGIES,
  auditCompletenessExpression,
  lifecycleMetric,
  rotationFunctionMetric,
  successRateExpression,
} from './metrics';
import {
  DEFAULT_RUNBOOK_BASE_URL,
  RunbookAnchor,
  type RunbookAnchorName,
  runbookUrl,
  validateRunbookBaseUrl,
} from './runbooks';

/**
 * The SLO targets the alarms enforce. Defaults are the starting targets of the rotation SLIs (M1-M10); tighten or
 * loosen them per deployment.
 */
export interface RotationAlarmThresholds {
  /** [M1] Lowest acceptable share of rotation attempts that succeed, in percent; below 100 (the error budget is the rest). */
  readonly successRatePercent: number;
  /** [M2] Longest acceptable time to rotate (p95 of `RotationDuration` over an hour). */
  readonly timeToRotate: Duration;
  /** [M3] Uses of the old credential after the grace window tolerated per hour (the alarm fires above it). */
  readonly oldCredentialUsesAfterGrace: number;
  /** [M4] Authentication failures after a rotation, per hour, at which the alarm fires. */
  readonly authFailuresPerHour: number;
  /** [M5] Longest acceptable time from revoking the old credential to seeing it rejected. */
  readonly revocationLatency: Duration;
  /** [M7] Lowest acceptable share of expected audit events that reach the audit log, in percent. */
  readonly auditCompletenessPercent: number;
  /** [M10] Longest acceptable time from a failed rotation to the previous credential restored. */
  readonly recoveryTime: Duration;
  /** Managed secrets and policy KMS keys past their rotation interval (or unchecked) tolerated (the alarm fires above it). */
  readonly secretsOverdue: number;
  /** Longest acceptable time for a replica region to serve a rotated secret's new value. @default 5 minutes */
  readonly replicaSyncLag?: Duration;
}

const DEFAULT_REPLICA_SYNC_LAG = Duration.minutes(5);

/** The starting targets: M1 99.9 %, M2 5 min, M3 none after grace, M4 < 5/h, M5 2 min, M7 100 %, M10 15 min. */
export const DEFAULT_ALARM_THRESHOLDS: RotationAlarmThresholds = {
  successRatePercent: 99.9,
  timeToRotate: Duration.minutes(5),
  oldCredentialUsesAfterGrace: 0,
  authFailuresPerHour: 5,
  revocationLatency: Duration.minutes(2),
  auditCompletenessPercent: 100,
  recoveryTime: Duration.minutes(15),
  secretsOverdue: 0,
};

/** How urgently an alarm needs a human. */
export enum AlarmSeverity {
  /** Someone should act now: notifies on ALARM and on OK, to the paging route. */
  PAGE = 'page',
  /** Should be handled within working hours: notifies on ALARM, to the ticket route. */
  TICKET = 'ticket',
}

/** One alarm of {@link RotationAlarms}, with its severity and runbook. */
export interface RotationAlarm {
  readonly alarm: cw.Alarm;
  readonly severity: AlarmSeverity;
  readonly runbook: RunbookAnchorName;
}

/**
 * A state machine to alarm on and chart, with what its failure means. A bare `IStateMachine` gets the defaults: a
 * paging alarm linking the orchestration-errors runbook.
 */
export interface WatchedStateMachine {
  readonly stateMachine: sfn.IStateMachine;

  /**
   * Short name for dashboard titles (`lifecycle`, `emergency`, `fleet`).
   *
   * @default - the state machine's node id
   */
  readonly label?: string;

  /**
   * What a failed or timed-out execution means and what to check first: the start of its alarm's description.
   *
   * @default - a rotation may have stopped half-way; check the failing state and the secret's AWSCURRENT
   */
  readonly failureMeaning?: string;

  /**
   * The runbook its failure alarm links.
   *
   * @default RunbookAnchor.OrchestrationErrors
   */
  readonly failureRunbook?: RunbookAnchorName;

  /**
   * How urgent a failed execution is.
   *
   * @default AlarmSeverity.PAGE
   */
  readonly failureSeverity?: AlarmSeverity;
}

/** `stateMachine` as a {@link WatchedStateMachine}, with its defaults filled in. */
export function watchedStateMachine(
  stateMachine: sfn.IStateMachine | WatchedStateMachine,
): Required<WatchedStateMachine> {
  const watched = isWatched(stateMachine) ? stateMachine : { stateMachine };
  const name = stateMachineNameOf(watched.stateMachine);
  return {
    stateMachine: watched.stateMachine,
    label: watched.label ?? watched.stateMachine.node.id,
    failureMeaning:
      watched.failureMeaning ??
      `An execution of state machine ${name} failed or timed out, so a rotation may have stopped half-way. First: ` +
        "open the failed execution, find the failing state, and check that the secret's AWSCURRENT credential " +
        'still works.',
    failureRunbook: watched.failureRunbook ?? RunbookAnchor.OrchestrationErrors,
    failureSeverity: watched.failureSeverity ?? AlarmSeverity.PAGE,
  };
}

function isWatched(value: sfn.IStateMachine | WatchedStateMachine): value is WatchedStateMachine {
  return 'stateMachine' in value;
}

/** Properties of {@link RotationAlarms}. */
export interface RotationAlarmsProps {
  /** Where paging alarms notify, on ALARM and on OK. */
  readonly pageTopic: sns.ITopic;

  /**
   * Where ticket alarms notify, on ALARM.
   *
   * @default - the page topic
   */
  readonly ticketTopic?: sns.ITopic;

  /**
   * SLO targets overriding the defaults.
   *
   * @default DEFAULT_ALARM_THRESHOLDS
   */
  readonly thresholds?: Partial<RotationAlarmThresholds>;

  /**
   * State machines whose failed, timed-out and throttled executions raise alarms (lifecycle, emergency, fleet),
   * each optionally with what its failure means, its runbook and severity.
   *
   * @default - none
   */
  readonly stateMachines?: readonly (sfn.IStateMachine | WatchedStateMachine)[];

  /**
   * Lambda functions whose errors and throttles raise alarms (the rotation function, task handlers).
   *
   * @default - none
   */
  readonly functions?: readonly lambda.IFunction[];

  /**
   * Dead-letter and failure queues: each gets a ticket alarm as soon as it holds a message (a schedule
   * invocation that could not be delivered, a failed asynchronous function invocation).
   *
   * @default - none
   */
  readonly queues?: readonly sqs.IQueue[];

  /**
   * The `Strategy` values that get a rotation-failure alarm each.
   *
   * @default DEFAULT_ALARM_STRATEGIES - every registered strategy, plus `unknown` (a step that failed before its
   * strategy was known)
   */
  readonly strategies?: readonly string[];

  /**
   * Base URL of the runbooks; each alarm description ends with `${runbookBaseUrl}#<anchor>`.
   *
   * @default DEFAULT_RUNBOOK_BASE_URL
   */
  readonly runbookBaseUrl?: string;

  /**
   * Prefix of every alarm name.
   *
   * @default - the stack name and a dash
   */
  readonly alarmNamePrefix?: string;

  /**
   * The account's CloudTrail log group in this Region (a trail delivering to CloudWatch Logs): a metric filter there
   * counts refused uses of KMS keys pending deletion, and the kms-key-pending-deletion-used alarm pages on the first
   * (kms-pending-deletion.ts).
   *
   * @default - no such alarm: the kms-key runs' canary watch (CloudTrail LookupEvents) is the only signal
   */
  readonly cloudTrailLogGroupName?: string;
}

const MAX_DESCRIPTION = 1024;
const FIVE_MINUTES = Duration.minutes(5);
const ONE_HOUR = Duration.hours(1);
const ONE_DAY = Duration.days(1);

interface AlarmSpec {
  readonly id: string;
  readonly name: string;
  readonly metric: cw.IMetric;
  readonly threshold: number;
  readonly comparison: cw.ComparisonOperator;
  readonly treatMissingData: cw.TreatMissingData;
  readonly severity: AlarmSeverity;
  readonly runbook: RunbookAnchorName;
  /** What it means and what to do first; the runbook link is appended. */
  readonly description: string;
}

/**
 * An alarm on events that should not happen at all: one in the period fires it, and no data (nothing
 * happened, or nothing ran) is fine.
 */
function anyOccurrence(spec: Omit<AlarmSpec, 'threshold' | 'comparison' | 'treatMissingData'>): AlarmSpec {
  return {
    ...spec,
    threshold: 1,
    comparison: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cw.TreatMissingData.NOT_BREACHING,
  };
}

/**
 * CloudWatch alarms on keyturn's rotation SLIs, each with a description saying what it means, what to do first,
 * and a runbook link.
 *
 * | alarm | metric | fires when (default) | severity |
 * | --- | --- | --- | --- |
 * | rotation-failed-<strategy> | `RotationFailed` by strategy | ≥ 1 in 5 min | page |
 * | rotation-success-rate | `RotationSucceeded` / (`RotationSucceeded` + `RotationFailed`) | < 99.9 % over a day | ticket |
 * | time-to-rotate | p95 `RotationDuration` | > 5 min over an hour | ticket |
 * | rotation-overdue | max `SecretsOverdue` + `KeysOverdue` + `KeysUnchecked` (missing data breaches) | > 0 over an hour | ticket |
 * | stuck-awspending | max `SecretsStuckPending` | > 0 over an hour | ticket |
 * | rotation-disabled | max `SecretsRotationDisabled` | > 0 over an hour | ticket |
 * | unmanaged-tagged-secrets | max `UnmanagedTaggedSecrets` | > 0 over an hour | ticket |
 * | policy-secrets-missing | max `PolicySecretsMissing` | > 0 over an hour | page |
 * | managed-secrets-not-in-policy | max `ManagedSecretsNotInPolicy` | > 0 over an hour | ticket |
 * | replicas-out-of-sync | max `ReplicasOutOfSync` | > 0 over an hour | ticket |
 * | old-credential-in-use | `OldCredentialInUse` | > 0 in an hour | ticket |
 * | auth-failures-after-rotation | `AuthFailuresAfterRotation` | ≥ 5 in an hour | page |
 * | revocation-latency | max `RevocationLatency` | > 2 min over an hour | ticket |
 * | replica-sync-lag | max `ReplicaSyncLag` | > 5 min over an hour | ticket |
 * | replicas-not-in-sync-after-rotation | `ReplicasNotInSyncAfterRotation` | ≥ 1 in an hour | ticket |
 * | audit-completeness | `AuditEventsRecorded` / `AuditEventsExpected` | < 100 % over an hour | ticket |
 * | recovery-time | max `RecoveryTime` | > 15 min over an hour | ticket |
 * | state-machine-failed-<name> | `ExecutionsFailed` + `ExecutionsTimedOut` | ≥ 1 in 5 min | page |
 * | state-machine-throttled-<name> | `ExecutionThrottled` | ≥ 1 in 5 min | ticket |
 * | lambda-errors-<name> | `Errors` | ≥ 1 in 5 min | page |
 * | lambda-throttles-<name> | `Throttles` | ≥ 1 in 5 min | ticket |
 * | dead-letters-<queue> | max `ApproximateNumberOfMessagesVisible` | ≥ 1 in 5 min | ticket |
 * | kms-key-pending-deletion-used (with `cloudTrailLogGroupName`) | `KmsKeyPendingDeletionUses` (CloudTrail metric filter) | ≥ 1 in 5 min | page |
 *
 * The success rate is checked over one day, not a week: a CloudWatch alarm's period is at most one day. A day
 * below the weekly target is an error budget burning faster than the week allows (burn rate above 1), so the
 * daily check warns before the weekly SLO is missed; the dashboard shows the 30- and 90-day rates.
 *
 * Alarms on aggregate metrics (success rate, time to rotate) need the rotation function to publish
 * `RotationSucceeded`, `RotationFailed` and `RotationDuration` in the dimension set `[service]` too, and the lifecycle
 * alarms need the lifecycle state machine's metrics: until those are published the alarms stay in
 * INSUFFICIENT_DATA or OK (see `functions/shared/metric-names.ts`).
 */
export class RotationAlarms extends Construct {
  /** Every alarm, with its severity and runbook anchor. */
  public readonly alarms: readonly RotationAlarm[];

  /** The thresholds in force (defaults merged with overrides). */
  public readonly thresholds: RotationAlarmThresholds;

  private readonly runbookBaseUrl: string;
  private readonly prefix: string;
  private readonly pageTopic: sns.ITopic;
  private readonly ticketTopic: sns.ITopic;
  private readonly created: RotationAlarm[] = [];

  constructor(scope: Construct, id: string, props: RotationAlarmsProps) {
    super(scope, id);

    this.thresholds = { ...DEFAULT_ALARM_THRESHOLDS, ...definedOnly(props.thresholds ?? {}) };
    validateThresholds(this, this.thresholds);
    this.runbookBaseUrl = props.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL;
    validateRunbookBaseUrl(this, this.runbookBaseUrl);
    this.prefix = props.alarmNamePrefix ?? `${Stack.of(this).stackName}-`;
    this.pageTopic = props.pageTopic;
    this.ticketTopic = props.ticketTopic ?? props.pageTopic;
    const strategies = props.strategies ?? DEFAULT_ALARM_STRATEGIES;
    validateStrategies(this, strategies);
    const t = this.thresholds;

    // Missing data, rotation-function alarms: the function publishes these only when a rotation step runs, so no
    // data means no rotation, which is no evidence of a problem (notBreaching). A silent fleet is caught by the
    // overdue alarm instead.
    for (const strategy of strategies) {
      const what =
        strategy === UNRESOLVED_STRATEGY
          ? 'A rotation step failed before its strategy was known (not a rotation event, secret or version missing, or no strategy tag).'
          : `A rotation step of a "${strategy}" secret failed.`;
      this.add(
        anyOccurrence({
          id: `RotationFailed-${strategy}`,
          name: `rotation-failed-${strategy}`,
          metric: rotationFunctionMetric(
            RotationMetric.Failed,
            { statistic: cw.Stats.SUM, period: FIVE_MINUTES, label: `RotationFailed (${strategy})` },
            strategy,
          ),
          severity: AlarmSeverity.PAGE,
          runbook: RunbookAnchor.RotationFailed,
          description:
            `${what} AWSCURRENT still holds the previous, working value and Secrets Manager retries the rotation. ` +
            "First: find the error name in the rotation function's logs (field strategy) and follow the Errors table.",
        }),
      );
    }

    this.add({
      id: 'RotationSuccessRate',
      name: 'rotation-success-rate',
      metric: successRateExpression(ONE_DAY),
      threshold: t.successRatePercent,
      comparison: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
      // No rotation in the day: the expression is 100 or absent; neither is a breach.
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      severity: AlarmSeverity.TICKET,
      runbook: RunbookAnchor.SuccessRate,
      description:
        `Fewer than ${t.successRatePercent} % of rotation attempts succeeded over the last day: the error budget ` +
        'is burning faster than the weekly target allows. First: list the failures by strategy on the dashboard and ' +
        'fix the most frequent error.',
    });

    this.add({
      id: 'TimeToRotate',
      name: 'time-to-rotate',
      metric: rotationFunctionMetric(RotationMetric.Duration, {
        statistic: cw.Stats.p(95),
        period: ONE_HOUR,
        label: 'RotationDuration p95',
      }),
      threshold: t.timeToRotate.toMilliseconds(),
      comparison: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Published once per completed rotation: no data means nothing completed, not that rotations were slow.
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      severity: AlarmSeverity.TICKET,
      runbook: RunbookAnchor.TimeToRotate,
      description:
        `Rotations took longer than ${t.timeToRotate.toHumanString()} (p95 over an hour), from the pending version ` +
        'to finishSecret; retried rotations count their whole duration. First: read the per-step durations on the ' +
        'dashboard to find the slow step.',
    });

    this.add({
      id: 'RotationOverdue',
      name: 'rotation-overdue',
      metric: overdueExpression(),
      threshold: t.secretsOverdue,
      comparison: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Gauges the freshness check (FreshnessCheck) publishes every hour, 0 included. Missing data is
      // BREACHING: without the scan nobody knows whether secrets and keys are overdue, so a scan that stopped
      // (schedule deleted or disabled, function failing before it publishes) must raise this alarm too; the
      // expression has no datapoint when SecretsOverdue has none. CloudWatch applies the missing-data treatment only
      // when its whole evaluation range (several periods) holds no datapoint, so one late or skipped run does not fire it.
      treatMissingData: cw.TreatMissingData.BREACHING,
      severity: AlarmSeverity.TICKET,
      runbook: RunbookAnchor.RotationOverdue,
      description:
        `${atLeastOneMoreThan(t.secretsOverdue, 'managed secret or KMS key is', 'managed secrets and KMS keys are')} ` +
        'past the rotation interval, or a policy key could not be checked. No data counts as overdue too: the hourly ' +
        "freshness check stopped reporting. First: if the metric has no recent data, check the freshness check function's " +
        'errors and its schedule; otherwise its log lines "secret is overdue for rotation", "KMS key is overdue for ' +
        'rotation" and "KMS key could not be checked" name them: check whether their rotation is failing or disabled.',
    });

    for (const spec of INVENTORY_ALARMS) {
      this.add({
        id: spec.id,
        name: spec.name,
        metric: lifecycleMetric(spec.metric, { statistic: cw.Stats.MAXIMUM, period: ONE_HOUR, label: spec.metric }),
        threshold: 0,
        comparison: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // Gauges of the same hourly check: a check that stopped is the rotation-overdue alarm's to catch (missing
        // data breaches there); here, no data is no finding (a check deployed before the inventory publishes none).
        treatMissingData: cw.TreatMissingData.NOT_BREACHING,
        severity: spec.severity,
        runbook: spec.runbook,
        description: spec.description,
      });
    }

    this.add({
      id: 'OldCredentialInUse',
      name: 'old-credential-in-use',
      metric: lifecycleMetric(LifecycleMetric.OldCredentialInUse, {
        statistic: cw.Stats.SUM,
        period: ONE_HOUR,
        label: 'OldCredentialInUse',
      }),
      threshold: t.oldCredentialUsesAfterGrace,
      comparison: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Published by each drain check: no check, no evidence of use.
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      severity: AlarmSeverity.TICKET,
      runbook: RunbookAnchor.OldCredentialInUse,
      description:
        'The previous credential is still in use after its grace window, so it cannot be revoked safely (a ' +
        'consumer caches it). First: find the client from the drain evidence in the audit log and make it reload ' +
        'the secret.',
    });

    this.add({
      id: 'AuthFailuresAfterRotation',
      name: 'auth-failures-after-rotation',
      metric: lifecycleMetric(LifecycleMetric.AuthFailuresAfterRotation, {
        statistic: cw.Stats.SUM,
        period: ONE_HOUR,
        label: 'AuthFailuresAfterRotation',
      }),
      threshold: t.authFailuresPerHour,
      comparison: cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // Published by the post-rotation watch: no watch running, no failures attributed.
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      severity: AlarmSeverity.PAGE,
      runbook: RunbookAnchor.AuthFailuresAfterRotation,
      description:
        `${t.authFailuresPerHour} or more authentication failures within an hour after a rotation: consumers are ` +
        'using a credential the target no longer accepts. First: if the previous credential is not yet revoked, ' +
        'roll back (move AWSCURRENT back); then find the consumer that did not pick up the new value.',
    });

    this.add({
      id: 'RevocationLatency',
      name: 'revocation-latency',
      metric: lifecycleMetric(LifecycleMetric.RevocationLatency, {
        statistic: cw.Stats.MAXIMUM,
        period: ONE_HOUR,
        label: 'RevocationLatency max',
      }),
      threshold: t.revocationLatency.toMilliseconds(),
      comparison: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Published once per revocation: no revocation, nothing late.
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      severity: AlarmSeverity.TICKET,
      runbook: RunbookAnchor.RevocationLatency,
      description:
        `A revoked credential kept working for more than ${t.revocationLatency.toHumanString()}: the target or a ` +
        'cache in front of it enforces revocation late. First: confirm the old credential is rejected now; if not, ' +
        'revoke it by hand.',
    });

    // Replicated secrets (docs/replicas.md): a region slow to serve the new value, or never within the wait.
    this.add({
      id: 'ReplicaSyncLag',
      name: 'replica-sync-lag',
      metric: lifecycleMetric(LifecycleMetric.ReplicaSyncLag, {
        statistic: cw.Stats.MAXIMUM,
        period: ONE_HOUR,
        label: 'ReplicaSyncLag max',
      }),
      threshold: (t.replicaSyncLag ?? DEFAULT_REPLICA_SYNC_LAG).toMilliseconds(),
      comparison: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Published once per replica region and rotation: no replicated rotation, nothing late.
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      severity: AlarmSeverity.TICKET,
      runbook: RunbookAnchor.ReplicasNotInSyncAfterRotation,
      description:
        `A replica region took more than ${(t.replicaSyncLag ?? DEFAULT_REPLICA_SYNC_LAG).toHumanString()} to ` +
        "serve a rotated secret's new value: consumers there read the old one meanwhile. First: the metric's " +
        'Region dimension and the replica-sync log lines name the region; check its ReplicationStatus.',
    });
    this.add(
      anyOccurrence({
        id: 'ReplicasNotInSyncAfterRotation',
        name: 'replicas-not-in-sync-after-rotation',
        metric: lifecycleMetric(LifecycleMetric.ReplicasNotInSyncAfterRotation, {
          statistic: cw.Stats.SUM,
          period: ONE_HOUR,
          label: 'ReplicasNotInSyncAfterRotation',
        }),
        severity: AlarmSeverity.TICKET,
        runbook: RunbookAnchor.ReplicasNotInSyncAfterRotation,
        description:
          "A rotated secret's replicas did not all serve the new value within the replica-sync wait: the old " +
          'credential was kept (not revoked), since a region may still hand it out. First: the ReplicasNotInSync ' +
          'audit event and alert name the regions and statuses; fix replication, then rotate again.',
      }),
    );

    this.add({
      id: 'AuditCompleteness',
      name: 'audit-completeness',
      metric: auditCompletenessExpression(ONE_HOUR),
      threshold: t.auditCompletenessPercent,
      comparison: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
      // No audit event expected in the hour: the expression is 100 or absent; neither is a gap.
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      severity: AlarmSeverity.TICKET,
      runbook: RunbookAnchor.AuditCompleteness,
      description:
        `Fewer than ${t.auditCompletenessPercent} % of the audit events keyturn put on its audit bus reached the ` +
        'audit log over the last hour. First: check the audit rule for FailedInvocations and replay the gap from ' +
        'the bus archive.',
    });

    this.add({
      id: 'RecoveryTime',
      name: 'recovery-time',
      metric: lifecycleMetric(LifecycleMetric.RecoveryTime, {
        statistic: cw.Stats.MAXIMUM,
        period: ONE_HOUR,
        label: 'RecoveryTime max',
      }),
      threshold: t.recoveryTime.toMilliseconds(),
      comparison: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // Published once per rollback: no rollback, nothing slow.
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      severity: AlarmSeverity.TICKET,
      runbook: RunbookAnchor.RecoveryTime,
      description:
        `Restoring the previous credential after a failed rotation took longer than ` +
        `${t.recoveryTime.toHumanString()}. First: read the rollback steps of that execution in the state machine ` +
        'history to find what was slow.',
    });

    if (props.cloudTrailLogGroupName !== undefined) {
      this.add(
        anyOccurrence({
          id: 'KmsKeyPendingDeletionUsed',
          name: 'kms-key-pending-deletion-used',
          metric: pendingDeletionUsesMetric(this, props.cloudTrailLogGroupName, {
            period: FIVE_MINUTES,
            statistic: cw.Stats.SUM,
          }),
          severity: AlarmSeverity.PAGE,
          runbook: RunbookAnchor.KmsKeyPendingDeletionUsed,
          description:
            'Someone tried to use a KMS key that is pending deletion (CloudTrail: a KMS request refused with "... is ' +
            'pending deletion."). Once its waiting period ends, whatever still needs the key is lost for good. ' +
            'First: find the event in CloudTrail (its key ARN and caller), cancel the deletion (aws kms ' +
            'cancel-key-deletion; the key stays disabled) and move that consumer to the alias.',
        }),
      );
    }

    // Step Functions and Lambda publish these only when executions or invocations happen: no data, no failure.
    for (const watched of uniqueStateMachines(props.stateMachines ?? [])) {
      const { stateMachine } = watched;
      const key = Names.nodeUniqueId(stateMachine.node);
      const stateMachineName = stateMachineNameOf(stateMachine);
      const failed = new cw.MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0)',
        usingMetrics: {
          failed: stateMachine.metricFailed({ period: FIVE_MINUTES, statistic: cw.Stats.SUM }),
          timedOut: stateMachine.metricTimedOut({ period: FIVE_MINUTES, statistic: cw.Stats.SUM }),
        },
        period: FIVE_MINUTES,
        label: 'ExecutionsFailed + ExecutionsTimedOut',
      });
      this.add(
        anyOccurrence({
          id: `StateMachineFailed-${key}`,
          name: `state-machine-failed-${stateMachineName}`,
          metric: failed,
          severity: watched.failureSeverity,
          runbook: watched.failureRunbook,
          description: watched.failureMeaning,
        }),
      );
      this.add(
        anyOccurrence({
          id: `StateMachineThrottled-${key}`,
          name: `state-machine-throttled-${stateMachineName}`,
          metric: stateMachine.metricThrottled({ period: FIVE_MINUTES, statistic: cw.Stats.SUM }),
          severity: AlarmSeverity.TICKET,
          runbook: RunbookAnchor.Throttling,
          description:
            `Step Functions throttled state machine ${stateMachineName}: too many executions or state ` +
            'transitions at once. First: check whether a fleet rotation started too many executions and lower its ' +
            'concurrency.',
        }),
      );
    }

    for (const fn of unique(props.functions ?? [])) {
      const key = Names.nodeUniqueId(fn.node);
      this.add(
        anyOccurrence({
          id: `LambdaErrors-${key}`,
          name: `lambda-errors-${fn.functionName}`,
          metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: cw.Stats.SUM }),
          severity: AlarmSeverity.PAGE,
          runbook: RunbookAnchor.OrchestrationErrors,
          description:
            `Lambda function ${fn.functionName} returned errors (including crashes and timeouts, which publish no ` +
            'keyturn metric). First: read its log group for the error name, or the Task timed out line.',
        }),
      );
      this.add(
        anyOccurrence({
          id: `LambdaThrottles-${key}`,
          name: `lambda-throttles-${fn.functionName}`,
          metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: cw.Stats.SUM }),
          severity: AlarmSeverity.TICKET,
          runbook: RunbookAnchor.Throttling,
          description:
            `Lambda throttled function ${fn.functionName}: the account or the function ran out of concurrency. ` +
            'First: check the account concurrency and any reserved concurrency on the function.',
        }),
      );
    }

    for (const queue of unique(props.queues ?? [])) {
      this.add(queueAlarmSpec(queue));
    }

    this.alarms = this.created;
  }

  /** Every alarm, paging and ticket alike. */
  public get all(): cw.Alarm[] {
    return this.alarms.map((a) => a.alarm);
  }

  /** The alarms of one severity. */
  public withSeverity(severity: AlarmSeverity): cw.Alarm[] {
    return this.alarms.filter((a) => a.severity === severity).map((a) => a.alarm);
  }

  private add(spec: AlarmSpec): void {
    this.created.push(
      createAlarm(this, spec, {
        prefix: this.prefix,
        runbookBaseUrl: this.runbookBaseUrl,
        pageTopic: this.pageTopic,
        ticketTopic: this.ticketTopic,
      }),
    );
  }
}

/** Properties of {@link QueueAlarms}. */
export interface QueueAlarmsProps {
  /** The dead-letter and failure queues to watch: one ticket alarm each. */
  readonly queues: readonly sqs.IQueue[];

  /** Where the alarms notify, on ALARM. */
  readonly topic: sns.ITopic;

  /**
   * Base URL of the runbooks; each alarm description ends with `${runbookBaseUrl}#runbook-dead-letter-queue`.
   *
   * @default DEFAULT_RUNBOOK_BASE_URL
   */
  readonly runbookBaseUrl?: string;

  /**
   * Prefix of every alarm name.
   *
   * @default - the stack name and a dash
   */
  readonly alarmNamePrefix?: string;
}

/**
 * The queue alarms of {@link RotationAlarms} on their own: a ticket alarm per queue as soon as it holds a message,
 * for queues that live in another stack than keyturn's observability (a stack that depends on the core can watch
 * its own queues and notify the core's topic; the core cannot reference them).
 */
export class QueueAlarms extends Construct {
  /** One alarm per queue. */
  public readonly alarms: readonly RotationAlarm[];

  constructor(scope: Construct, id: string, props: QueueAlarmsProps) {
    super(scope, id);
    const runbookBaseUrl = props.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL;
    validateRunbookBaseUrl(this, runbookBaseUrl);
    if (props.queues.length === 0) {
      throw new ObservabilityValidationError(this, 'queues must name at least one queue, got none');
    }
    const options: AlarmOptions = {
      prefix: props.alarmNamePrefix ?? `${Stack.of(this).stackName}-`,
      runbookBaseUrl,
      pageTopic: props.topic,
      ticketTopic: props.topic,
    };
    this.alarms = unique(props.queues).map((queue) => createAlarm(this, queueAlarmSpec(queue), options));
  }
}

/**
 * A queue that holds a message is work keyturn could not do. SQS publishes its metrics every 5 minutes while the
 * queue is active; an empty queue idle for 6 hours publishes none, which is no evidence of a problem.
 */
function queueAlarmSpec(queue: sqs.IQueue): AlarmSpec {
  return anyOccurrence({
    id: `QueueMessages-${Names.nodeUniqueId(queue.node)}`,
    name: `dead-letters-${queue.queueName}`,
    metric: queue.metricApproximateNumberOfMessagesVisible({
      period: FIVE_MINUTES,
      statistic: cw.Stats.MAXIMUM,
      label: 'Messages visible',
    }),
    severity: AlarmSeverity.TICKET,
    runbook: RunbookAnchor.DeadLetterQueue,
    description:
      `Queue ${queue.queueName} holds work keyturn could not do: a schedule invocation EventBridge Scheduler ` +
      'could not deliver after its retries, or an asynchronous function invocation that failed. The alarm stays ' +
      'in ALARM (no new notification) until the queue is empty. First: receive a message and read its error ' +
      '(Scheduler: attributes ERROR_CODE and ERROR_MESSAGE; Lambda: requestContext.condition and ' +
      'responsePayload in the body), fix the cause, then redrive or delete the messages.',
  });
}

interface AlarmOptions {
  readonly prefix: string;
  readonly runbookBaseUrl: string;
  readonly pageTopic: sns.ITopic;
  readonly ticketTopic: sns.ITopic;
}

/** The alarm of `spec` in `scope`: its description ends with the runbook link, its actions follow its severity. */
function createAlarm(scope: Construct, spec: AlarmSpec, options: AlarmOptions): RotationAlarm {
  const description = `keyturn: ${spec.description} Runbook: ${runbookUrl(options.runbookBaseUrl, spec.runbook)}`;
  if (description.length > MAX_DESCRIPTION) {
    throw new ObservabilityValidationError(
      scope,
      `the description of alarm ${spec.name} would be ${description.length} characters, over CloudWatch's ` +
        `${MAX_DESCRIPTION}: shorten runbookBaseUrl (${options.runbookBaseUrl.length} characters)`,
    );
  }
  const alarm = new cw.Alarm(scope, spec.id, {
    alarmName: `${options.prefix}${spec.name}`,
    alarmDescription: description,
    metric: spec.metric,
    threshold: spec.threshold,
    comparisonOperator: spec.comparison,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: spec.treatMissingData,
  });
  if (spec.severity === AlarmSeverity.PAGE) {
    const action = new SnsAction(options.pageTopic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
  } else {
    alarm.addAlarmAction(new SnsAction(options.ticketTopic));
  }
  return { alarm, severity: spec.severity, runbook: spec.runbook };
}

/** The state machine's name, from its ARN (`arn:<partition>:states:<region>:<account>:stateMachine:<name>`). */
function stateMachineNameOf(stateMachine: sfn.IStateMachine): string {
  const name = Stack.of(stateMachine).splitArn(
    stateMachine.stateMachineArn,
    ArnFormat.COLON_RESOURCE_NAME,
  ).resourceName;
  return name ?? stateMachine.node.id;
}

/** One alarm on a gauge of the hourly inventory: fires when the gauge is above 0 for the hour. */
interface InventoryAlarmSpec {
  readonly id: string;
  readonly name: string;
  readonly metric: (typeof LifecycleMetric)[keyof typeof LifecycleMetric];
  readonly severity: AlarmSeverity;
  readonly runbook: RunbookAnchorName;
  readonly description: string;
}

/**
 * The inventory's findings that need a person (functions/inventory). A policy secret missing pages: consumers may
 * already fail, and a secret scheduled for deletion is lost at the end of its recovery window. The rest are drift that
 * waits for working hours. Each description names the check's log line that lists the secrets.
 */
const INVENTORY_ALARMS: readonly InventoryAlarmSpec[] = [
  {
    id: 'StuckPending',
    name: 'stuck-awspending',
    metric: LifecycleMetric.SecretsStuckPending,
    severity: AlarmSeverity.TICKET,
    runbook: RunbookAnchor.StuckPending,
    description:
      'A managed secret has a version holding AWSPENDING without AWSCURRENT for over an hour: its rotation stopped ' +
      'half-way and Secrets Manager refuses new ones until it is resolved. AWSCURRENT still works. The check never ' +
      'changes it. First: its log line "AWSPENDING is stuck on a version that is not current" names the secret and ' +
      'version: finish the rotation with that token, or remove the label.',
  },
  {
    id: 'RotationDisabled',
    name: 'rotation-disabled',
    metric: LifecycleMetric.SecretsRotationDisabled,
    severity: AlarmSeverity.TICKET,
    runbook: RunbookAnchor.RotationDisabled,
    description:
      'Rotation is turned off on a managed secret (keyturn:managed=true): it will become overdue. First: its log line ' +
      '"rotation is turned off for a managed secret" names it; deploy its secrets stack again, or retire its entry.',
  },
  {
    id: 'UnmanagedTaggedSecrets',
    name: 'unmanaged-tagged-secrets',
    metric: LifecycleMetric.UnmanagedTaggedSecrets,
    severity: AlarmSeverity.TICKET,
    runbook: RunbookAnchor.UnmanagedTaggedSecrets,
    description:
      'A secret carries keyturn: tags but not keyturn:managed=true: someone meant keyturn to rotate it, and nothing ' +
      'does. First: its log line "a secret carries keyturn tags but is not managed" names it; adopt it in the ' +
      'policy or remove the tags.',
  },
  {
    id: 'PolicySecretsMissing',
    name: 'policy-secrets-missing',
    metric: LifecycleMetric.PolicySecretsMissing,
    severity: AlarmSeverity.PAGE,
    runbook: RunbookAnchor.PolicySecretMissing,
    description:
      "A policy entry's secret is not in the account, is scheduled for deletion, or lost its keyturn:managed tag " +
      '(or the check could not load the policy). Consumers may be failing, and a scheduled deletion becomes final at ' +
      'the end of its recovery window. First: the log line "a policy entry\'s secret is missing" names the entry; ' +
      'restore the secret if it was deleted by mistake.',
  },
  {
    id: 'ManagedSecretsNotInPolicy',
    name: 'managed-secrets-not-in-policy',
    metric: LifecycleMetric.ManagedSecretsNotInPolicy,
    severity: AlarmSeverity.TICKET,
    runbook: RunbookAnchor.ManagedSecretNotInPolicy,
    description:
      'A secret tagged keyturn:managed=true names no entry of the deployed policy (keyturn:entry): it rotates on an ' +
      'entry nobody maintains. First: the log line "a managed secret is not in the policy" names it; add the entry ' +
      'back or retire the secret.',
  },
  {
    id: 'ReplicasOutOfSync',
    name: 'replicas-out-of-sync',
    metric: LifecycleMetric.ReplicasOutOfSync,
    severity: AlarmSeverity.TICKET,
    runbook: RunbookAnchor.ReplicaOutOfSync,
    description:
      'A replica of a managed secret in another region is not InSync: consumers there may read an older value or ' +
      'none. First: the log line "a replica of a managed secret is not in sync" names the secret, region and status.',
  },
];

/**
 * What the rotation-overdue alarm counts: overdue secrets, overdue keys and keys the check could not judge (nobody
 * knows those are fresh). The key gauges are filled with 0 (a check deployed before keys were checked publishes
 * none); SecretsOverdue is not, so a check that stopped publishing leaves no datapoint and the alarm's missing-data
 * treatment (breaching) applies.
 */
function overdueExpression(): cw.MathExpression {
  const max = (metric: (typeof LifecycleMetric)[keyof typeof LifecycleMetric]) =>
    lifecycleMetric(metric, { statistic: cw.Stats.MAXIMUM, period: ONE_HOUR, label: metric });
  return new cw.MathExpression({
    expression: 'secrets + FILL(keys, 0) + FILL(unchecked, 0)',
    usingMetrics: {
      secrets: max(LifecycleMetric.SecretsOverdue),
      keys: max(LifecycleMetric.KeysOverdue),
      unchecked: max(LifecycleMetric.KeysUnchecked),
    },
    period: ONE_HOUR,
    label: 'SecretsOverdue + KeysOverdue + KeysUnchecked',
  });
}

/** "A managed secret is" for 0, "More than 3 managed secrets are" otherwise. */
function atLeastOneMoreThan(threshold: number, one: string, many: string): string {
  return threshold === 0 ? `A ${one}` : `More than ${threshold} ${many}`;
}

function definedOnly<T extends object>(partial: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** The state machines with their defaults, each once (the first entry for a machine wins). */
export function uniqueStateMachines(
  stateMachines: readonly (sfn.IStateMachine | WatchedStateMachine)[],
): Required<WatchedStateMachine>[] {
  const seen = new Set<sfn.IStateMachine>();
  return stateMachines.map(watchedStateMachine).filter((w) => {
    if (seen.has(w.stateMachine)) return false;
    seen.add(w.stateMachine);
    return true;
  });
}

function validateThresholds(scope: Construct, t: RotationAlarmThresholds): void {
  const percent = (name: keyof RotationAlarmThresholds, value: number, max: number): void => {
    if (!Number.isFinite(value) || value <= 0 || value > max) {
      const limit = max === 100 ? 'at most 100' : `below 100 (a 100 % target leaves no error budget)`;
      throw new ObservabilityValidationError(
        scope,
        `thresholds.${name} must be a percentage above 0 and ${limit}, got ${value}`,
      );
    }
  };
  const count = (name: keyof RotationAlarmThresholds, value: number, min: number): void => {
    if (!Number.isInteger(value) || value < min) {
      throw new ObservabilityValidationError(
        scope,
        `thresholds.${name} must be an integer of at least ${min}, got ${value}`,
      );
    }
  };
  const duration = (name: keyof RotationAlarmThresholds, value: Duration): void => {
    if (value.isUnresolved() || value.toMilliseconds() <= 0) {
      throw new ObservabilityValidationError(
        scope,
        `thresholds.${name} must be a positive, concrete duration, got ${value.toHumanString()}`,
      );
    }
  };
  percent('successRatePercent', t.successRatePercent, 99.999);
  percent('auditCompletenessPercent', t.auditCompletenessPercent, 100);
  count('oldCredentialUsesAfterGrace', t.oldCredentialUsesAfterGrace, 0);
  count('authFailuresPerHour', t.authFailuresPerHour, 1);
  count('secretsOverdue', t.secretsOverdue, 0);
  duration('timeToRotate', t.timeToRotate);
  duration('revocationLatency', t.revocationLatency);
  duration('recoveryTime', t.recoveryTime);
}

const STRATEGY_VALUE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

function validateStrategies(scope: Construct, strategies: readonly string[]): void {
  for (const strategy of strategies) {
    if (!STRATEGY_VALUE_PATTERN.test(strategy)) {
      throw new ObservabilityValidationError(
        scope,
        `strategies must be 1-64 letters, digits, ".", "-" or "_" (a Strategy dimension value), got "${strategy}"`,
      );
    }
  }
  const duplicate = strategies.find((s, i) => strategies.indexOf(s) !== i);
  if (duplicate !== undefined) {
    throw new ObservabilityValidationError(scope, `strategy "${duplicate}" is listed twice`);
  }
}
