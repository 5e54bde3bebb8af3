import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { allowCloudWatchLogs } from '../constructs/encryption';
import { FreshnessCheck, type FreshnessCheckedKey } from '../constructs/freshness-check';
import { stateMachineSchedulerRole } from '../constructs/rotation-schedule';
import { AlertTopic } from '../constructs/observability/alert-topic';
import { KeyturnObservability } from '../constructs/observability';
import { KmsKeyRotation } from '../constructs/kms-keys/kms-key-rotation';
import type { RotatedKey } from '../constructs/kms-keys/rotated-keys';
import { KmsRewrap } from '../constructs/kms-rewrap/kms-rewrap';
import { rewrapDashboardRow } from '../constructs/observability/rewrap-dashboard-row';
import { InvocableRotationFunctions } from '../constructs/orchestration/invocable-rotation-functions';
import {
  LifecycleOrchestration,
  type LifecycleOrchestrationProps,
  lifecycleTimeoutFor,
} from '../constructs/orchestration/lifecycle-orchestration';
import { RotatableSecrets } from '../constructs/orchestration/rotatable-secrets';
import { WritePacerTable } from '../constructs/write-pacer-table';
import type { ResolvedPolicy } from '../policy/defaults';
import { keyMaxAgeSeconds } from '../policy/max-age';
import { ManagementTag } from '../policy/strategy-tags';
import { policySecretsOf } from '../policy/inventory-references';
import { consumerRefreshOf } from '../policy/schema';

/** Properties of the {@link KeyturnStack}. */
export interface KeyturnStackProps extends StackProps {
  /** The policy, defaults applied: alert routes, audit retention, and the consumers of created secrets. */
  readonly policy: ResolvedPolicy;

  /**
   * Name of the EventBridge Scheduler schedule group holding every entry's schedule and the freshness check's
   * (one per account and region: two keyturn apps side by side need different names).
   *
   * @default 'keyturn'
   */
  readonly scheduleGroupName?: string;

  /**
   * Names of the rotation functions of the secrets stacks: the lifecycle and emergency state machines may invoke
   * exactly these (for the tasks that reach a secret's target), and alarms and the dashboard watch them. Passed
   * by name, not as objects: the secrets stacks depend on this stack, so it cannot reference theirs.
   *
   * @default - none: the state machines may invoke any function tagged `keyturn:managed=true` (every
   * `RotationFunction` carries it)
   */
  readonly rotationFunctionNames?: readonly string[];

  /**
   * Orchestration settings for tests and tools: where the definitions are, prebuilt function code, timeouts.
   *
   * @default - `statemachines/`, bundled functions, the lifecycle timeout from the policy's longest grace and drain
   */
  readonly orchestration?: Pick<
    LifecycleOrchestrationProps,
    'definitionsDir' | 'code' | 'lifecycleTimeout' | 'emergencyTimeout' | 'fleetTimeout'
  >;
}

/**
 * keyturn's core: what every secrets stack shares, once per account and region.
 *
 * - `secretsKey`: the customer managed KMS key of every secret keyturn creates (rotated yearly, retained);
 *   consumers of created secrets may decrypt through Secrets Manager.
 * - `dataKey`: the key of keyturn's own data: log groups and the dead-letter queue.
 * - `deadLetterQueue`: where schedule invocations and asynchronous invocations of keyturn's functions (the
 *   rotation functions, the freshness check, the orchestration's functions) go after their retries
 *   (KMS-encrypted, TLS only, 14 days); a ticket alarm fires as soon as it holds a message.
 * - `scheduleGroup` and `schedulerRole`: the group of the per-entry schedules, and the one role they use,
 *   which may only start the lifecycle state machine and write to the dead-letter queue.
 * - `orchestration`: the lifecycle, emergency and fleet state machines and their coordinator and fleet functions
 *   ({@link LifecycleOrchestration}). They act only on secrets tagged `keyturn:managed=true` — every managed
 *   secret, created or adopted, carries that tag — so their policies stay the same size however many secrets
 *   there are, and this stack needs to know none of them (secrets stacks depend on this one, never the
 *   reverse). The state machines invoke the secrets stacks' rotation functions by the names the app gives them.
 *   Their ARNs are outputs: start emergency and fleet runs with `aws stepfunctions start-execution`.
 * - `freshnessCheck`: the hourly scan of the managed secrets' ages and the policy keys' last rotations
 *   ({@link FreshnessCheck}), scheduled in the same group, failing into the same queue; it feeds the
 *   rotation-overdue alarm.
 * - `writePacer`: the region's schedule of Secrets Manager writes ({@link WritePacerTable}): every secrets stack's
 *   rotation function reserves a slot there before each write, so keyturn keeps to the policy's share of the
 *   region's write quota however many rotations run at once.
 * - `kmsKeys`: only when the policy has `keys` ({@link KmsKeyRotation}): the KMS keys keyturn creates or adopts, the
 *   kms-key function (granted exactly what a run calls on those keys and their replacements), the kms-key state
 *   machine and a schedule per key in the same group; its state machine's and its function role's ARNs are outputs.
 * - `kmsRewrap`: only when a key has `rewrap` jobs ({@link KmsRewrap}): the re-wrap function (granted the jobs' tables
 *   and keys only), the re-wrap state machine, its starter, and the rules that start the jobs when a key's material
 *   changed (KMS's rotation event, keyturn's own on the audit bus); the re-wrap row of the dashboard.
 * - `observability`: alert topics per route, SLI alarms (including failures of the three state machines, errors
 *   and throttles of the freshness check, the rotation and orchestration functions, and the dead-letter queue),
 *   the dashboard and the audit bus (the orchestration's functions and the rotation functions put events there).
 */
export class KeyturnStack extends Stack {
  public readonly secretsKey: kms.Key;
  public readonly dataKey: kms.Key;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly scheduleGroup: scheduler.ScheduleGroup;
  public readonly schedulerRole: iam.Role;
  public readonly orchestration: LifecycleOrchestration;

  /** One SNS topic per alert route of the policy: alarms and the lifecycle publish to them. */
  public readonly alerts: AlertTopic;
  public readonly freshnessCheck: FreshnessCheck;
  public readonly observability: KeyturnObservability;
  public readonly writePacer: WritePacerTable;

  /**
   * The rotation of the policy's KMS keys (`keys`): the keys, the kms-key function and state machine, the keys'
   * schedules. Undefined when the policy has no keys: then nothing of it is in the stack.
   */
  public readonly kmsKeys?: KmsKeyRotation;

  /**
   * The re-wrap jobs of the policy's keys (`rewrap`): the function, the re-wrap and starter state machines, and the
   * rules that start them when a key's material changed. Undefined when no key has jobs.
   */
  public readonly kmsRewrap?: KmsRewrap;

  constructor(scope: Construct, id: string, props: KeyturnStackProps) {
    super(scope, id, {
      description: 'keyturn: automated, observable, zero-downtime secret rotation (core)',
      ...props,
    });

    this.secretsKey = new kms.Key(this, 'SecretsKey', {
      description: 'keyturn: encrypts the secrets keyturn creates',
      enableKeyRotation: true,
      // Retained secrets stay encrypted with it: the key must outlive the stack too.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.allowConsumersToDecrypt(props.policy);

    this.dataKey = new kms.Key(this, 'DataKey', {
      description: "keyturn: encrypts keyturn's logs and dead-letter queue",
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    allowCloudWatchLogs(this.dataKey);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.dataKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue.node.defaultChild as CfnQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue: of every lifecycle schedule and of the freshness check schedule ' +
        '(EventBridge Scheduler), and of the asynchronous invocations of every keyturn function (rotation, ' +
        'freshness check, coordinator, fleet). It is where undeliverable work ends for an operator to inspect ' +
        '(a ticket alarm fires on its first message); a dead-letter queue of its own would only move it.',
    });

    this.writePacer = new WritePacerTable(this, 'WritePacer', {
      writesPerSecond: props.policy.writePace.writesPerSecond,
      quotaPerSecond: props.policy.writePace.quotaPerSecond,
    });

    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'ScheduleGroup', {
      scheduleGroupName: props.scheduleGroupName ?? 'keyturn',
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Made before the orchestration, which sends each entry's alerts to its route, and shared with the alarms.
    this.alerts = new AlertTopic(this, 'Alerts', {
      routes: Object.entries(props.policy.alerts.routes).map(([routeId, route]) => ({
        id: routeId,
        emails: route.emails,
      })),
      defaultRoute: props.policy.alerts.defaultRoute,
    });

    const rotationFunctionNames = props.rotationFunctionNames ?? [];
    this.orchestration = new LifecycleOrchestration(this, 'Orchestration', {
      secrets: RotatableSecrets.taggedWith(ManagementTag.managed, 'true'),
      // By name where the app names them (exact ARNs, no wildcard); by tag otherwise.
      rotationFunctions:
        rotationFunctionNames.length > 0
          ? InvocableRotationFunctions.named(...rotationFunctionNames)
          : InvocableRotationFunctions.taggedWith(ManagementTag.managed, 'true'),
      alerts: this.alerts,
      logEncryptionKey: this.dataKey,
      failureQueue: this.deadLetterQueue,
      ...props.orchestration,
      lifecycleTimeout: props.orchestration?.lifecycleTimeout ?? lifecycleTimeoutFor(props.policy.entries),
    });
    // The consumers' ECS services and Lambda functions the coordinator refreshes after a verified rotation.
    this.orchestration.coordinator.grantConsumerRefresh(
      props.policy.entries.flatMap((entry) => entry.consumers.map((c) => consumerRefreshOf(c).target)),
    );

    this.schedulerRole = stateMachineSchedulerRole(this, 'SchedulerRole', {
      description: 'keyturn: lets the lifecycle schedules start the lifecycle state machine, nothing else',
      group: this.scheduleGroup,
      stateMachine: this.lifecycleStateMachine,
      deadLetterQueue: this.deadLetterQueue,
    });

    if (props.policy.keys.length > 0) {
      this.kmsKeys = new KmsKeyRotation(this, 'KmsKeys', {
        keys: props.policy.keys,
        alerts: this.alerts,
        scheduleGroup: this.scheduleGroup,
        deadLetterQueue: this.deadLetterQueue,
        logEncryptionKey: this.dataKey,
      });
      new CfnOutput(this, 'KmsKeyStateMachineArn', {
        description:
          'keyturn: start a rotation of one KMS key with aws stepfunctions start-execution --state-machine-arn <this> (see docs/kms-keys.md)',
        value: this.kmsKeys.stateMachine.stateMachine.stateMachineArn,
      });
      new CfnOutput(this, 'KmsKeyFunctionRoleArn', {
        description: "keyturn: the kms-key function's role: an adopted key's key policy must let it use the key",
        value: this.kmsKeys.function.role.roleArn,
      });
      if (props.policy.keys.some((key) => key.rewrap.length > 0)) {
        this.kmsRewrap = new KmsRewrap(this, 'KmsRewrap', {
          keys: this.kmsKeys.keys,
          logEncryptionKey: this.dataKey,
          deadLetterQueue: this.deadLetterQueue,
          scheduleGroup: this.scheduleGroup,
        });
        new CfnOutput(this, 'KmsRewrapStateMachineArn', {
          description:
            'keyturn: run one re-wrap job by hand with aws stepfunctions start-execution --state-machine-arn <this> (see docs/kms-rewrap.md)',
          value: this.kmsRewrap.stateMachine.stateMachine.stateMachineArn,
        });
        new CfnOutput(this, 'KmsRewrapFunctionRoleArn', {
          description: "keyturn: the re-wrap function's role: an adopted key's key policy must let it re-encrypt",
          value: this.kmsRewrap.function.role.roleArn,
        });
      }
    }

    this.freshnessCheck = new FreshnessCheck(this, 'FreshnessCheck', {
      scheduleGroup: this.scheduleGroup,
      deadLetterQueue: this.deadLetterQueue,
      logEncryptionKey: this.dataKey,
      keys: freshnessCheckedKeys(this.kmsKeys?.keys ?? []),
      policySecrets: policySecretsOf(props.policy),
    });
    if (this.kmsKeys) {
      new CfnOutput(this, 'FreshnessCheckRoleArn', {
        description:
          "keyturn: the freshness check's role: an adopted key's key policy must let it DescribeKey and ListKeyRotations",
        value: this.freshnessCheck.role.roleArn,
      });
    }

    this.observability = new KeyturnObservability(this, 'Observability', {
      routes: this.alerts.routeIds.map((routeId) => ({ id: routeId })),
      defaultRoute: props.policy.alerts.defaultRoute,
      alerts: this.alerts,
      auditRetentionDays: props.policy.auditRetentionDays,
      stateMachines: [
        ...this.orchestration.stateMachines,
        ...(this.kmsKeys ? [this.kmsKeys.watchedStateMachine] : []),
        ...(this.kmsRewrap ? this.kmsRewrap.watchedStateMachines : []),
      ],
      functions: [
        ...rotationFunctionNames.map((name) =>
          lambda.Function.fromFunctionName(this, `RotationFunction-${name}`, name),
        ),
        this.freshnessCheck.function,
        ...this.orchestration.functions,
        ...(this.kmsKeys ? [this.kmsKeys.function.function] : []),
        ...(this.kmsRewrap ? [this.kmsRewrap.function.function] : []),
      ],
      queues: [this.deadLetterQueue],
      ...(this.kmsKeys ? { kmsKeys: { stateMachine: this.kmsKeys.stateMachine.stateMachine } } : {}),
      cloudTrailLogGroupName: props.policy.alerts.cloudTrailLogGroup,
    });
    this.orchestration.sendAuditEventsTo(this.observability.auditTrail);
    this.kmsKeys?.function.sendAuditEventsTo(this.observability.auditTrail);
    this.kmsRewrap?.listenToAuditEvents(this.observability.auditTrail);
    if (this.kmsRewrap) {
      const tables = props.policy.keys.flatMap((key) => key.rewrap.map((job) => job.tableName));
      this.observability.dashboard.dashboard.addWidgets(...rewrapDashboardRow(tables));
    }

    const outputs: [string, sfn.IStateMachine, string][] = [
      ['LifecycleStateMachineArn', this.orchestration.lifecycle.stateMachine, 'one secret, on demand'],
      ['EmergencyStateMachineArn', this.orchestration.emergency.stateMachine, 'a suspected leak'],
      ['FleetStateMachineArn', this.orchestration.fleet.stateMachine, 'many secrets'],
    ];
    for (const [outputId, stateMachine, what] of outputs) {
      new CfnOutput(this, outputId, {
        description: `keyturn: start a rotation of ${what} with aws stepfunctions start-execution --state-machine-arn <this>`,
        value: stateMachine.stateMachineArn,
      });
    }
    new CfnOutput(this, 'AuditLogGroupName', {
      description: 'keyturn: the rotation audit log (keyturn status and history read it)',
      value: this.observability.auditTrail.logGroup.logGroupName,
    });
  }

  /** The lifecycle state machine: what the schedules start and the alarms watch. */
  public get lifecycleStateMachine(): sfn.IStateMachine {
    return this.orchestration.lifecycle.stateMachine;
  }

  /**
   * Consumers of created secrets read them through the secret's resource policy; the secret's key must let
   * them decrypt too (their own account's IAM cannot grant use of this key). Only through Secrets Manager.
   */
  private allowConsumersToDecrypt(policy: ResolvedPolicy): void {
    const roles = new Set(
      policy.entries
        .filter((entry) => entry.secret.create)
        .flatMap((entry) => entry.consumers.flatMap((c) => (c.roleArn === undefined ? [] : [c.roleArn]))),
    );
    if (roles.size === 0) return;
    this.secretsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'ConsumersDecryptThroughSecretsManager',
        principals: [...roles].sort().map((arn) => new iam.ArnPrincipal(arn)),
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${this.region}.amazonaws.com` } },
      }),
    );
  }
}

/** The policy's keys as the freshness check watches them: each with the age its policy allows (none: not watched). */
function freshnessCheckedKeys(keys: readonly RotatedKey[]): FreshnessCheckedKey[] {
  return keys.flatMap((key) => {
    const maxAgeSeconds = keyMaxAgeSeconds(key.entry);
    if (maxAgeSeconds === undefined) return [];
    return [
      {
        entryId: key.entry.id,
        key: key.key,
        ...(key.entry.aliasName === undefined ? {} : { aliasName: key.entry.aliasName }),
        maxAgeSeconds,
        replaceable: key.replaceable,
      },
    ];
  });
}
