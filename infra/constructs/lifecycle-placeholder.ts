import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { secretArnForPolicies } from './rotation-function';

/** What the lifecycle may start rotating: see {@link RotatableSecrets.of} and {@link RotatableSecrets.taggedWith}. */
export abstract class RotatableSecrets {
  /** Exactly these secrets, by ARN. Fits a few dozen secrets: every ARN goes into the role's policy. */
  public static of(...secrets: ISecret[]): RotatableSecrets {
    if (secrets.length === 0) throw new Error('RotatableSecrets.of needs at least one secret');
    return new (class extends RotatableSecrets {
      public bind(): RotatableSecretsConfig {
        return { resources: secrets.map(secretArnForPolicies), guards: [] };
      }
    })();
  }

  /**
   * Every secret of the state machine's account and region that carries tag `key` = `value` (attribute-
   * based access control). The policy stays the same size however many secrets there are, which is what
   * lets one state machine serve a policy of hundreds of secrets: IAM caps a role's inline policies at
   * 10,240 characters, about a hundred secret ARNs.
   */
  public static taggedWith(key: string, value: string): RotatableSecrets {
    if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u.test(key)) {
      throw new Error(`RotatableSecrets.taggedWith needs a tag key (1-128 tag characters), got "${key}"`);
    }
    return new (class extends RotatableSecrets {
      public bind(scope: Construct): RotatableSecretsConfig {
        const anySecret = Stack.of(scope).formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          resourceName: '*',
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        });
        return {
          resources: [anySecret],
          acknowledgement: {
            id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*]',
            reason:
              `RotateSecret is allowed only on secrets tagged ${key}=${value} (attribute-based access control: ` +
              'the Deny statement OnlyTaggedSecrets removes every other secret). Listing ARNs instead would not ' +
              "fit a role's 10,240-character policy limit for hundreds of secrets. RotateSecret only starts the " +
              "rotation configured on the secret, through that secret's own rotation function.",
          },
          // The Allow on every secret is narrowed to the tagged ones by this Deny. (A condition on the Allow
          // itself is not possible: CallAwsService writes that statement without conditions.)
          guards: [
            new iam.PolicyStatement({
              sid: 'OnlyTaggedSecrets',
              effect: iam.Effect.DENY,
              actions: [ROTATE_ACTION],
              resources: [anySecret],
              conditions: { StringNotEquals: { [`aws:ResourceTag/${key}`]: value } },
            }),
          ],
        };
      }
    })();
  }

  /** The resources `secretsmanager:RotateSecret` is allowed on, and statements that narrow them. */
  public abstract bind(scope: Construct): RotatableSecretsConfig;
}

/** What {@link RotatableSecrets.bind} gives the state machine's role. */
export interface RotatableSecretsConfig {
  /** Resources of the Allow statement. */
  readonly resources: string[];
  /** Further statements (Deny) that narrow it. */
  readonly guards: iam.PolicyStatement[];
  /** The cdk-nag finding a wildcard in `resources` raises, and why it is acceptable. */
  readonly acknowledgement?: { readonly id: string; readonly reason: string };
}

const ROTATE_ACTION = 'secretsmanager:RotateSecret';

/** Properties of a {@link LifecyclePlaceholder}. */
export interface LifecyclePlaceholderProps {
  /** The secrets it may rotate. */
  readonly secrets: RotatableSecrets;

  /**
   * Key of the execution log group. Its key policy must let CloudWatch Logs use it (see `allowCloudWatchLogs`).
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * How long execution logs are kept. They are part of the audit trail: `RetentionDays.INFINITE` is rejected.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log group when it is removed from the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;

  /**
   * The alert topics an execution may notify: when the rotation cannot be started, the topic named by the
   * input's `alertTopicArn` (each entry's alert route) gets a message with the entry, the secret and the
   * error; then the execution fails.
   *
   * @default - no notification; the execution only fails (the state machine's failure alarm still fires)
   */
  readonly alertTopics?: readonly sns.ITopic[];
}

/**
 * A stand-in for the lifecycle state machine (the real one, with verify, drain, revoke and audit, comes
 * from `statemachines/`): a Standard state machine that calls `RotateSecret` on the input's `$.secretArn`.
 * Input: `{"entryId", "secretArn", "trigger"}`, as the schedules send it.
 *
 * - A rotation still in progress (`InvalidRequestException`) is retried with back-off for about half an
 *   hour; throttling (`ThrottlingException`) with jittered back-off.
 * - Execution history and logs hold no input or output (`includeExecutionData: false`); X-Ray tracing is on.
 * - Its role may call `RotateSecret` on the given secrets only.
 */
export class LifecyclePlaceholder extends Construct {
  /**
   * Catch branch: publish to the entry's alert topic when the input names one, then fail with the error.
   * The message holds the entry id, the secret ARN and Secrets Manager's error: never a value.
   */
  private notifyAndFail(topics: readonly sns.ITopic[]): sfn.IChainable {
    const failed = new sfn.Fail(this, 'RotationNotStarted', {
      errorPath: '$.failure.Error',
      causePath: '$.failure.Cause',
    });
    const notify = new tasks.CallAwsService(this, 'NotifyAlertRoute', {
      comment: "Tells the entry's alert route that its rotation could not be started.",
      service: 'sns',
      action: 'publish',
      iamAction: 'sns:Publish',
      iamResources: topics.map((topic) => topic.topicArn),
      parameters: {
        TopicArn: sfn.JsonPath.stringAt('$.alertTopicArn'),
        Subject: sfn.JsonPath.format('keyturn: rotation of {} did not start', sfn.JsonPath.stringAt('$.entryId')),
        Message: sfn.JsonPath.format(
          'keyturn could not start the rotation of policy entry {} (secret {}), trigger {}: {}: {}',
          sfn.JsonPath.stringAt('$.entryId'),
          sfn.JsonPath.stringAt('$.secretArn'),
          sfn.JsonPath.stringAt('$.trigger'),
          sfn.JsonPath.stringAt('$.failure.Error'),
          sfn.JsonPath.stringAt('$.failure.Cause'),
        ),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    // A notification that cannot be sent must not hide the rotation's own failure.
    notify.addCatch(failed, { resultPath: sfn.JsonPath.DISCARD });
    return new sfn.Choice(this, 'HasAlertRoute')
      .when(sfn.Condition.isPresent('$.alertTopicArn'), notify.next(failed))
      .otherwise(failed);
  }

  /** The state machine: what schedules start and alarms watch. */
  public readonly stateMachine: sfn.IStateMachine;

  /** The execution log group. */
  public readonly logGroup: logs.ILogGroup;

  /** The state machine's role. */
  public readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: LifecyclePlaceholderProps) {
    super(scope, id);
    const retention = props.logRetention ?? logs.RetentionDays.ONE_YEAR;
    if (retention === logs.RetentionDays.INFINITE) {
      throw new Error(
        `[${this.node.path}] logRetention must be finite, got RetentionDays.INFINITE: execution logs should expire on purpose`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    const allowed = props.secrets.bind(this);
    const rotate = new tasks.CallAwsService(this, 'RotateSecret', {
      comment: 'Starts a rotation; Secrets Manager runs the rotation function through its four steps.',
      service: 'secretsmanager',
      action: 'rotateSecret',
      iamAction: ROTATE_ACTION,
      iamResources: allowed.resources,
      additionalIamStatements: allowed.guards,
      parameters: { SecretId: sfn.JsonPath.stringAt('$.secretArn') },
      // Only the new version's id is kept: the response holds no value, but nothing else is needed.
      resultSelector: { 'versionId.$': '$.VersionId' },
      resultPath: '$.rotation',
    });
    rotate.addRetry({
      errors: ['SecretsManager.ThrottlingException'],
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 6,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // "A previous rotation isn't complete": wait for it (1 + 2 + 4 + 8 + 16 minutes).
    rotate.addRetry({
      errors: ['SecretsManager.InvalidRequestException'],
      interval: Duration.minutes(1),
      backoffRate: 2,
      maxAttempts: 5,
    });

    const topics = props.alertTopics ?? [];
    if (topics.length > 0) rotate.addCatch(this.notifyAndFail(topics), { resultPath: '$.failure' });

    const machine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      comment: 'keyturn lifecycle (placeholder): starts a Secrets Manager rotation of $.secretArn',
      definitionBody: sfn.DefinitionBody.fromChainable(rotate),
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    this.stateMachine = machine;
    this.role = machine.role;
    // sns:Publish comes with the task; publishing to an encrypted topic also needs its key, for exactly
    // the two actions SNS uses (grantPublish would add the wildcard kms:GenerateDataKey*).
    const keys = new Set(topics.flatMap((topic) => (topic.masterKey ? [topic.masterKey] : [])));
    for (const key of keys) key.grant(machine.role, 'kms:Decrypt', 'kms:GenerateDataKey');
    const rolePolicy = machine.role.node.tryFindChild('DefaultPolicy');
    if (rolePolicy) {
      Validations.of(rolePolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Step Functions adds these for tracing and logging: xray:PutTraceSegments, PutTelemetryRecords, ' +
          'GetSamplingRules, GetSamplingTargets and the CloudWatch Logs vended-delivery actions ' +
          '(logs:CreateLogDelivery, ...), none of which supports resource-level permissions.',
      });
      if (allowed.acknowledgement) Validations.of(rolePolicy).acknowledge(allowed.acknowledgement);
    }
  }
}
