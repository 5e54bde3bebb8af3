import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  AUDIT_EVENT_SOURCE,
  AuditMetric,
  METRICS_NAMESPACE,
  SECRETS_MANAGER_EVENT_DIMENSION,
  SecretsManagerEventMetric,
} from '../../../functions/shared/metric-names';
import { ObservabilityValidationError } from './errors';
import { DEFAULT_RUNBOOK_BASE_URL, RunbookAnchor, runbookUrl, validateRunbookBaseUrl } from './runbooks';

/** The retention periods CloudWatch Logs accepts, in days (PutRetentionPolicy). Anything else is rejected at deploy. */
export const CLOUDWATCH_LOGS_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** The rotation events Secrets Manager itself reports through CloudTrail (no trail needed: they are service events). */
export const SECRETS_MANAGER_ROTATION_EVENTS = [
  'RotationStarted',
  'RotationSucceeded',
  'RotationFailed',
  'RotationAbandoned',
] as const;

/** Of {@link SECRETS_MANAGER_ROTATION_EVENTS}, those that notify the alert topic. */
export const SECRETS_MANAGER_ROTATION_FAILURE_EVENTS = ['RotationFailed', 'RotationAbandoned'] as const;

const DEFAULT_RETENTION_DAYS = 365;
const LOG_GROUP_NAME_PATTERN = /^[.\-_/#A-Za-z0-9]{1,512}$/;

/**
 * Where keyturn's functions put their audit events: a bus and the grant to put on it. {@link AuditTrail} is
 * one; constructs take this interface so a test (or another stack's import) can stand in for it.
 */
export interface AuditEventBus {
  /** The bus; functions find it by name (`KEYTURN_AUDIT_BUS_NAME`). */
  readonly bus: events.IEventBus;
  /** Lets `grantee` put keyturn audit events on the bus, and nothing else. */
  grantPutEvents(grantee: iam.IGrantable): iam.Grant;
}

/** Properties of an {@link AuditTrail}. */
export interface AuditTrailProps {
  /**
   * How many days the audit log group keeps events. Must be one of the values CloudWatch Logs accepts
   * ({@link CLOUDWATCH_LOGS_RETENTION_DAYS}: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
   * 1827, 2192, 2557, 2922, 3288 or 3653). Audit logs expire on purpose, so there is no "never expire".
   *
   * @default 365
   */
  readonly retentionDays?: number;

  /**
   * How long the event bus archive keeps keyturn's audit events (they can be replayed from it). Whole days, at least one.
   *
   * @default - the log group's retention
   */
  readonly archiveRetention?: Duration;

  /**
   * Where Secrets Manager's own `RotationFailed` and `RotationAbandoned` events are announced.
   *
   * @default - they are only logged
   */
  readonly alertTopic?: sns.ITopic;

  /**
   * Base URL of the runbooks; the failure notification links `${runbookBaseUrl}#runbook-rotation-failed`.
   *
   * @default DEFAULT_RUNBOOK_BASE_URL
   */
  readonly runbookBaseUrl?: string;

  /**
   * Name of the audit log group. The name is fixed at synthesis so the key policy can allow CloudWatch Logs to use
   * the key for this log group only.
   *
   * @default `/keyturn/<stack name>/rotation-audit`
   */
  readonly logGroupName?: string;

  /**
   * The customer managed key encrypting the log group. Its policy gets a statement letting CloudWatch Logs use it
   * for this log group, so it must be a key this stack owns.
   *
   * @default - a new key, with automatic key rotation
   */
  readonly key?: kms.Key;

  /**
   * What happens to the log group when it is removed from the stack.
   *
   * @default RemovalPolicy.RETAIN - the audit record outlives the stack
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * keyturn's audit trail.
 *
 * - A custom EventBridge bus for keyturn's rotation audit events (source {@link AUDIT_EVENT_SOURCE}); publishers
 *   are allowed through {@link grantPutEvents}, which only admits that source.
 * - An archive of the bus, so audit events can be replayed.
 * - A CloudWatch Logs log group, encrypted with a customer managed key, holding every audit event (one rule on the
 *   audit bus) and every rotation event Secrets Manager itself reports through CloudTrail (one rule on the default
 *   bus: `RotationStarted`, `RotationSucceeded`, `RotationFailed`, `RotationAbandoned`).
 * - A metric filter counting the audit events that reached the log ({@link AuditMetric.Recorded}), the numerator of
 *   the audit-completeness SLI.
 * - Optionally, a readable notification to an alert topic for Secrets Manager's `RotationFailed` and
 *   `RotationAbandoned` events: event name, secret ARN, account, region, time and Secrets Manager's reason, never a
 *   secret value (those events carry none).
 *
 * EventBridge writes to the log group under a resource policy on the log group (`AWS::Logs::ResourcePolicy`,
 * one per log group). aws-cdk-lib's `targets.CloudWatchLogGroup` would write that policy through a custom resource
 * (a Lambda function with an AWS managed policy and `logs:PutResourcePolicy` on `*`); the native resource needs
 * neither.
 */
export class AuditTrail extends Construct implements AuditEventBus {
  /** The bus keyturn's audit events are put on. */
  public readonly bus: events.EventBus;

  /** The archive of the audit bus. */
  public readonly archive: events.Archive;

  /** The log group holding keyturn's audit events and Secrets Manager's rotation events. */
  public readonly logGroup: logs.LogGroup;

  /** The key encrypting the log group. */
  public readonly key: kms.Key;

  /** The rule sending the audit bus's events to the log group. */
  public readonly auditRule: events.Rule;

  /** The rule on the default bus sending Secrets Manager's rotation events to the log group. */
  public readonly secretsManagerRule: events.Rule;

  /** The rule on the default bus announcing Secrets Manager's rotation failures, if an alert topic was given. */
  public readonly secretsManagerFailureRule?: events.Rule;

  /** How many days the log group keeps events. */
  public readonly retentionDays: number;

  constructor(scope: Construct, id: string, props: AuditTrailProps = {}) {
    super(scope, id);

    const stack = Stack.of(this);
    const retentionDays = props.retentionDays ?? DEFAULT_RETENTION_DAYS;
    validateRetentionDays(this, retentionDays);
    this.retentionDays = retentionDays;
    const archiveRetention = props.archiveRetention ?? Duration.days(retentionDays);
    validateArchiveRetention(this, archiveRetention);
    const runbookBaseUrl = props.runbookBaseUrl ?? DEFAULT_RUNBOOK_BASE_URL;
    validateRunbookBaseUrl(this, runbookBaseUrl);
    const logGroupName = props.logGroupName ?? `/keyturn/${stack.stackName}/rotation-audit`;
    if (!Token.isUnresolved(logGroupName) && !LOG_GROUP_NAME_PATTERN.test(logGroupName)) {
      throw new ObservabilityValidationError(
        this,
        `logGroupName must be 1-512 characters of letters, digits and . - _ / #, got "${logGroupName}"`,
      );
    }

    this.bus = new events.EventBus(this, 'Bus', {
      description: `keyturn: rotation audit events (source ${AUDIT_EVENT_SOURCE})`,
    });
    this.archive = this.bus.archive('Archive', {
      description: 'keyturn: replayable copy of the rotation audit events',
      eventPattern: { source: [AUDIT_EVENT_SOURCE] },
      retention: archiveRetention,
    });

    const logGroupArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      resourceName: logGroupName,
    });
    this.key =
      props.key ??
      new kms.Key(this, 'Key', {
        description: 'keyturn: encrypts the rotation audit log group',
        enableKeyRotation: true,
      });
    // What CloudWatch Logs needs to encrypt a log group with a customer managed key, for this log group only.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogsEncryptsTheAuditLogGroup',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn } },
      }),
    );

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName,
      retention: toRetentionDays(retentionDays),
      encryptionKey: this.key,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    // EventBridge writes to CloudWatch Logs under the log group's resource policy (it never uses a role for this
    // target). No condition: EventBridge does not document passing aws:SourceArn to CloudWatch Logs, and the
    // statement already names this log group only.
    this.logGroup.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeWritesAuditEvents',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    const logTarget = new LogGroupTarget(this.logGroup, logGroupArn);

    this.auditRule = new events.Rule(this, 'AuditEventsToLog', {
      description: 'keyturn: every rotation audit event into the audit log group',
      eventBus: this.bus,
      eventPattern: { source: [AUDIT_EVENT_SOURCE] },
      targets: [logTarget],
    });

    this.secretsManagerRule = new events.Rule(this, 'SecretsManagerRotationEventsToLog', {
      description: "keyturn: Secrets Manager's own rotation events (via CloudTrail) into the audit log group",
      eventPattern: secretsManagerRotationPattern(SECRETS_MANAGER_ROTATION_EVENTS),
      targets: [logTarget],
    });

    this.logGroup.addMetricFilter('AuditEventsRecorded', {
      filterPattern: logs.FilterPattern.stringValue('$.source', '=', AUDIT_EVENT_SOURCE),
      metricNamespace: METRICS_NAMESPACE,
      metricName: AuditMetric.Recorded,
      metricValue: '1',
    });

    this.logGroup.addMetricFilter('SecretsManagerRotationEvents', {
      filterPattern: logs.FilterPattern.stringValue('$.source', '=', 'aws.secretsmanager'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: SecretsManagerEventMetric.RotationEvents,
      metricValue: '1',
      dimensions: { [SECRETS_MANAGER_EVENT_DIMENSION]: '$.detail.eventName' },
    });

    if (props.alertTopic) {
      const field = (path: string): string => events.EventField.fromPath(path);
      const message = events.RuleTargetInput.fromText(
        `keyturn: Secrets Manager reported ${field('$.detail.eventName')} for secret ` +
          `${field('$.detail.additionalEventData.SecretId')} (account ${field('$.account')}, ` +
          `${field('$.region')}, ${field('$.time')}). Secrets Manager's reason is in the audit log group ` +
          `${logGroupName}. Runbook: ${runbookUrl(runbookBaseUrl, RunbookAnchor.RotationFailed)}`,
      );
      this.secretsManagerFailureRule = new events.Rule(this, 'SecretsManagerRotationFailuresToAlerts', {
        description: 'keyturn: announce Secrets Manager RotationFailed / RotationAbandoned on the alert topic',
        eventPattern: secretsManagerRotationPattern(SECRETS_MANAGER_ROTATION_FAILURE_EVENTS),
        targets: [new targets.SnsTopic(props.alertTopic, { message })],
      });
    }
  }

  /**
   * Lets `grantee` put keyturn audit events on the audit bus: `events:PutEvents` on this bus, only for events
   * whose source is {@link AUDIT_EVENT_SOURCE}.
   */
  public grantPutEvents(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['events:PutEvents'],
      resourceArns: [this.bus.eventBusArn],
      conditions: { StringEquals: { 'events:source': AUDIT_EVENT_SOURCE } },
    });
  }
}

/** Secrets Manager rotation events delivered by CloudTrail to the default bus. */
function secretsManagerRotationPattern(eventNames: readonly string[]): events.EventPattern {
  return {
    source: ['aws.secretsmanager'],
    detailType: ['AWS Service Event via CloudTrail'],
    detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: [...eventNames] },
  };
}

/** A log group as a rule target; the log group's resource policy grants EventBridge access (see {@link AuditTrail}). */
class LogGroupTarget implements events.IRuleTarget {
  constructor(
    private readonly logGroup: logs.ILogGroup,
    private readonly arn: string,
  ) {}

  public bind(): events.RuleTargetConfig {
    return { arn: this.arn, targetResource: this.logGroup };
  }
}

function validateRetentionDays(scope: Construct, days: number): void {
  if (!CLOUDWATCH_LOGS_RETENTION_DAYS.includes(days)) {
    throw new ObservabilityValidationError(
      scope,
      `audit log retention must be one of CloudWatch Logs' retention values in days ` +
        `(${CLOUDWATCH_LOGS_RETENTION_DAYS.join(', ')}), got ${days}`,
    );
  }
}

/** The `RetentionDays` member for a validated number of days. */
function toRetentionDays(days: number): logs.RetentionDays {
  const member = (Object.values(logs.RetentionDays) as unknown[]).find((v): v is logs.RetentionDays => v === days);
  if (member === undefined) throw new Error(`aws-cdk-lib has no RetentionDays member for ${days} days`);
  return member;
}

function validateArchiveRetention(scope: Construct, retention: Duration): void {
  if (retention.isUnresolved()) return;
  const millis = retention.toMilliseconds();
  const dayMillis = Duration.days(1).toMilliseconds();
  if (millis < dayMillis || millis % dayMillis !== 0) {
    throw new ObservabilityValidationError(
      scope,
      `archiveRetention must be a whole number of days, at least one, got ${retention.toHumanString()}`,
    );
  }
}
