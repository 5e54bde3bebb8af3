import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { AlertTopic, type AlertRoute } from './alert-topic';
import { AuditTrail } from './audit-trail';
import { ObservabilityValidationError } from './errors';
import { RotationAlarms, type RotationAlarmThresholds, type WatchedStateMachine } from './rotation-alarms';
import type { KmsKeysRowProps } from './kms-keys-dashboard-row';
import { RotationDashboard } from './rotation-dashboard';

export * from './alert-topic';
export * from './audit-trail';
export * from './errors';
export * from './inventory-dashboard-row';
export * from './kms-keys-dashboard-row';
export * from './kms-pending-deletion';
export * from './metrics';
export * from './rotation-alarms';
export * from './rotation-dashboard';
export * from './runbooks';

/** Properties of {@link KeyturnObservability}. */
export interface KeyturnObservabilityProps {
  /** The named alert routes of the policy file; one encrypted SNS topic each. */
  readonly routes: readonly AlertRoute[];

  /** The route taking every alert not routed elsewhere; must be one of `routes`. */
  readonly defaultRoute: string;

  /**
   * Alert topics made elsewhere, for a stack whose other constructs publish to them too (the orchestration's
   * coordinator sends each entry's alerts to its route). Must hold `routes` and `defaultRoute`.
   *
   * @default - an AlertTopic built here from `routes`
   */
  readonly alerts?: AlertTopic;

  /**
   * The route paging alarms notify (on ALARM and OK).
   *
   * @default - the default route
   */
  readonly pageRoute?: string;

  /**
   * The route ticket alarms notify (on ALARM).
   *
   * @default - the default route
   */
  readonly ticketRoute?: string;

  /**
   * Days the audit log keeps events (and the audit bus archive keeps them for replay). One of CloudWatch Logs'
   * retention values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
   * 3288, 3653.
   *
   * @default 365
   */
  readonly auditRetentionDays?: number;

  /**
   * State machines to alarm on and chart (lifecycle, emergency, fleet), each optionally with what its failure
   * means, its runbook, severity and dashboard label.
   *
   * @default - none
   */
  readonly stateMachines?: readonly (sfn.IStateMachine | WatchedStateMachine)[];

  /**
   * Lambda functions to alarm on and chart (the rotation function, task handlers).
   *
   * @default - none
   */
  readonly functions?: readonly lambda.IFunction[];

  /**
   * Dead-letter and failure queues to alarm on: a ticket as soon as one holds a message.
   *
   * @default - none
   */
  readonly queues?: readonly sqs.IQueue[];

  /**
   * Base URL of the runbooks that alarm descriptions, the dashboard and failure notifications link to.
   *
   * @default DEFAULT_RUNBOOK_BASE_URL
   */
  readonly runbookBaseUrl?: string;

  /**
   * SLO targets overriding the starting targets.
   *
   * @default DEFAULT_ALARM_THRESHOLDS
   */
  readonly thresholds?: Partial<RotationAlarmThresholds>;

  /**
   * The `Strategy` values that get a rotation-failure alarm each.
   *
   * @default DEFAULT_ALARM_STRATEGIES
   */
  readonly strategies?: readonly string[];

  /**
   * The account's CloudTrail log group in this Region: alarm on uses of KMS keys pending deletion (RotationAlarms).
   *
   * @default - no such alarm
   */
  readonly cloudTrailLogGroupName?: string;

  /**
   * The policy's KMS keys on the dashboard: a row of their own.
   *
   * @default - no KMS keys row
   */
  readonly kmsKeys?: KmsKeysRowProps;
}

/**
 * Everything keyturn needs to be observed in one account and region: alert routes (encrypted SNS topics), the audit
 * trail (event bus, archive, encrypted log group, Secrets Manager rotation events), alarms on the rotation SLIs,
 * and the rotation dashboard.
 */
export class KeyturnObservability extends Construct {
  /** The alert routes. */
  public readonly alerts: AlertTopic;

  /** The audit trail. */
  public readonly auditTrail: AuditTrail;

  /** The SLI alarms. */
  public readonly alarms: RotationAlarms;

  /** The rotation dashboard. */
  public readonly dashboard: RotationDashboard;

  constructor(scope: Construct, id: string, props: KeyturnObservabilityProps) {
    super(scope, id);

    const routeIds = props.routes.map((r) => r.id);
    for (const [name, route] of [
      ['pageRoute', props.pageRoute],
      ['ticketRoute', props.ticketRoute],
    ] as const) {
      if (route !== undefined && !routeIds.includes(route)) {
        throw new ObservabilityValidationError(
          this,
          `${name} must be the id of one of the routes (${routeIds.map((r) => `"${r}"`).join(', ')}), got "${route}"`,
        );
      }
    }

    this.alerts =
      props.alerts ?? new AlertTopic(this, 'Alerts', { routes: props.routes, defaultRoute: props.defaultRoute });

    this.auditTrail = new AuditTrail(this, 'Audit', {
      retentionDays: props.auditRetentionDays,
      alertTopic: this.alerts.defaultTopic,
      runbookBaseUrl: props.runbookBaseUrl,
    });

    this.alarms = new RotationAlarms(this, 'Alarms', {
      pageTopic: this.alerts.topic(props.pageRoute ?? props.defaultRoute),
      ticketTopic: this.alerts.topic(props.ticketRoute ?? props.defaultRoute),
      thresholds: props.thresholds,
      stateMachines: props.stateMachines,
      functions: props.functions,
      queues: props.queues,
      strategies: props.strategies,
      runbookBaseUrl: props.runbookBaseUrl,
      cloudTrailLogGroupName: props.cloudTrailLogGroupName,
    });

    this.dashboard = new RotationDashboard(this, 'Dashboard', {
      alarms: this.alarms.alarms,
      successRateTarget: this.alarms.thresholds.successRatePercent,
      stateMachines: props.stateMachines,
      functions: props.functions,
      runbookBaseUrl: props.runbookBaseUrl,
      kmsKeys: props.kmsKeys,
    });
  }

  /** The topic of alert route `routeId`; throws, listing the routes there are, if there is none. */
  public topic(routeId: string): sns.ITopic {
    return this.alerts.topic(routeId);
  }

  /** The bus keyturn's audit events go to. */
  public get auditBus(): events.IEventBus {
    return this.auditTrail.bus;
  }

  /** Lets `grantee` put keyturn audit events (source `keyturn.rotation`) on the audit bus. */
  public grantPutAuditEvents(grantee: iam.IGrantable): iam.Grant {
    return this.auditTrail.grantPutEvents(grantee);
  }
}
