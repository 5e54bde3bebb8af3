import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { App, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsSolutionsChecks } from 'cdk-nag';
import { runFreshnessCheck } from '../../functions/freshness-check/run-freshness-check';
import type { KeyAgeReader } from '../../functions/freshness-check/key-reader';
import { MONITORED_KEYS_ENV, parseMonitoredKeys } from '../../functions/freshness-check/monitored-keys';
import {
  parsePolicySecrets,
  POLICY_SECRETS_FIELD,
  policySecretsOfEvent,
} from '../../functions/inventory/policy-secrets';
import { LifecycleMetric, MetricService } from '../../functions/shared/metric-names';
import { FRESHNESS_CHECK_ENVIRONMENT, LAMBDA_NODE_MAJOR } from '../../infra/constructs/bundling-options';
import {
  FreshnessCheck,
  type FreshnessCheckProps,
  FreshnessCheckValidationError,
  MAX_SCHEDULE_INPUT_BYTES,
} from '../../infra/constructs/freshness-check';
import { RotationAlarms } from '../../infra/constructs/observability';
import { type ValidationReport, findings } from './support/app';
import {
  CDK_CONTEXT,
  NO_BUNDLING,
  allowStatements,
  asArray,
  logicalIdOf,
  newStack,
  render,
  resourcesOf,
  roleStatements,
} from './support/infra';
import { captureEmf } from '../support/emf';

interface Fixture {
  readonly stack: Stack;
  readonly key: Key;
  readonly queue: sqs.Queue;
  readonly group: scheduler.ScheduleGroup;
}

/** The core's pieces a freshness check needs: a KMS-encrypted dead-letter queue and the schedule group. */
function fixture(stack: Stack): Fixture {
  const key = new Key(stack, 'DataKey', { enableKeyRotation: true });
  const queue = new sqs.Queue(stack, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
  });
  Validations.of(queue.node.defaultChild as sqs.CfnQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'The test fixture stands for the core dead-letter queue, which is itself the dead-letter queue.',
  });
  const group = new scheduler.ScheduleGroup(stack, 'ScheduleGroup', {
    scheduleGroupName: 'keyturn',
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return { stack, key, queue, group };
}

describe('FreshnessCheck, bundled, under cdk-nag', () => {
  let check: FreshnessCheck;
  let parts: Fixture;
  let template: Template;
  let report: ValidationReport;

  beforeAll(() => {
    // GIVEN an app checked by cdk-nag, with a KMS-encrypted dead-letter queue and the keyturn schedule group
    const app = new App({ context: CDK_CONTEXT, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-fresh-')) });
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
    );
    parts = fixture(new Stack(app, 'Keyturn'));

    // WHEN the freshness check is added (bundling the real handler) and synthesized
    check = new FreshnessCheck(parts.stack, 'FreshnessCheck', {
      scheduleGroup: parts.group,
      deadLetterQueue: parts.queue,
      logEncryptionKey: parts.key,
    });
    const assembly = app.synth();
    template = Template.fromStack(parts.stack);
    report = JSON.parse(
      fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;
  });

  test('passes cdk-nag with two acknowledgements, each on its own policy: ListSecrets on "*", describing managed secrets', () => {
    // THEN
    expect(findings(report)).toEqual([]);
    const acknowledged = Object.entries(resourcesOf(template)).flatMap(([logicalId, resource]) =>
      (resource.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule) => `${logicalId}: ${rule.id}`),
    );
    expect(acknowledged.sort()).toEqual(
      [
        `${logicalIdOf(check.node.findChild('ListSecretsPolicy'))}: AwsSolutions-IAM5[Resource::*]`,
        `${logicalIdOf(check.node.findChild('DescribeManagedSecretsPolicy'))}: ` +
          'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*]',
        `${logicalIdOf(parts.queue)}: AwsSolutions-SQS3`,
      ].sort(),
    );
  });

  test('runs the bundled freshness handler on the newest runtime, with the lifecycle service name', () => {
    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: `nodejs${LAMBDA_NODE_MAJOR}.x`,
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 60,
      Environment: {
        Variables: { POWERTOOLS_SERVICE_NAME: 'keyturn-lifecycle', POWERTOOLS_METRICS_NAMESPACE: 'keyturn' },
      },
    });
    const code = (Object.values(resourcesOf(template, 'AWS::Lambda::Function'))[0]?.Properties.Code ?? {}) as {
      S3Key?: string;
    };
    expect(code.S3Key).toMatch(/^[0-9a-f]{64}\.zip$/);
  });

  test('may list secrets and describe managed ones (metadata only), nothing else on Secrets Manager; its logs and dead letters only', () => {
    // THEN
    const functionStatements = roleStatements(template, check.role);
    expect(functionStatements).toEqual(
      expect.arrayContaining([
        { actions: ['secretsmanager:ListSecrets'], resources: ['*'] },
        {
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [`\${${logicalIdOf(check.logGroup)}.Arn}`],
        },
        { actions: ['sqs:SendMessage'], resources: [`\${${logicalIdOf(parts.queue)}.Arn}`] },
        { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [`\${${logicalIdOf(parts.key)}.Arn}`] },
      ]),
    );
    // the Allow on managed secrets and the Deny backing it (RotatableSecrets.taggedWith)
    expect(functionStatements).toHaveLength(6);
    const secretsManagerActions = allowStatements(template)
      .flatMap((s) => asArray(s.Action))
      .filter((a) => a.startsWith('secretsmanager:'));
    expect(secretsManagerActions.sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:ListSecretVersionIds',
      'secretsmanager:ListSecrets',
    ]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Sid: 'TaggedSecrets',
            Effect: 'Allow',
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'],
            Condition: { StringEquals: { 'aws:ResourceTag/keyturn:managed': 'true' } },
          },
          {
            Sid: 'OnlyTaggedSecrets',
            Effect: 'Deny',
            Action: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'],
            Condition: { StringNotEquals: { 'aws:ResourceTag/keyturn:managed': 'true' } },
          },
        ],
      },
    });
  });

  test('is started hourly by a schedule in the group, retried 3 times within an hour, then dead-lettered', () => {
    // THEN
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'keyturn.freshness-check',
      GroupName: 'keyturn',
      ScheduleExpression: 'rate(1 hour)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [logicalIdOf(check.function), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [logicalIdOf(check.scheduleRole), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(parts.queue), 'Arn'] } },
      },
    });
    template.hasResource('AWS::Scheduler::Schedule', {
      DependsOn: Match.arrayWith([logicalIdOf(check.scheduleRole)]),
    });
    // and a run that fails in the function is not retried, and lands in the same queue
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(parts.queue), 'Arn'] } } },
    });
  });

  test("the schedule's role trusts Scheduler for this group only, and may invoke exactly this function", () => {
    // THEN
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalIdOf(parts.group), 'Arn'] } },
            },
          }),
        ],
      },
    });
    const statements = roleStatements(template, check.scheduleRole);
    expect(statements).toEqual([
      { actions: ['lambda:InvokeFunction'], resources: [`\${${logicalIdOf(check.function)}.Arn}`] },
      { actions: ['sqs:SendMessage'], resources: [`\${${logicalIdOf(parts.queue)}.Arn}`] },
      { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [`\${${logicalIdOf(parts.key)}.Arn}`] },
    ]);
    // Lambda needs no resource policy for Scheduler: the role is the permission
    template.resourceCountIs('AWS::Lambda::Permission', 0);
  });
});

describe('FreshnessCheck with the policy keys, under cdk-nag', () => {
  const ADOPTED = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const ADOPTED_NO_ALIAS = 'arn:aws:kms:us-east-1:111122223333:key/9999abcd-12ab-34cd-56ef-1234567890ab';
  let check: FreshnessCheck;
  let created: Key;
  let template: Template;
  let report: ValidationReport;

  beforeAll(() => {
    // GIVEN an app checked by cdk-nag, a key keyturn creates, an adopted key with an alias and one without
    const app = new App({ context: NO_BUNDLING, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-fresh-')) });
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
    );
    const parts = fixture(new Stack(app, 'Keyturn'));
    created = new Key(parts.stack, 'OrdersDataKey', { enableKeyRotation: true });

    // WHEN the freshness check watches them
    check = new FreshnessCheck(parts.stack, 'FreshnessCheck', {
      scheduleGroup: parts.group,
      deadLetterQueue: parts.queue,
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
      keys: [
        {
          entryId: 'orders-data-key',
          key: created,
          aliasName: 'alias/orders-data',
          maxAgeSeconds: 15_728_400,
          replaceable: false,
        },
        {
          entryId: 'legacy-signing-key',
          key: Key.fromKeyArn(parts.stack, 'Legacy', ADOPTED),
          aliasName: 'alias/legacy-signing',
          maxAgeSeconds: 608_400,
          replaceable: true,
        },
        {
          entryId: 'batch-key',
          key: Key.fromKeyArn(parts.stack, 'Batch', ADOPTED_NO_ALIAS),
          maxAgeSeconds: 7_866_000,
          replaceable: true,
        },
      ],
    });
    const assembly = app.synth();
    template = Template.fromStack(parts.stack);
    report = JSON.parse(
      fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;
  });

  test('hands the keys to the function in KEYTURN_FRESHNESS_KEYS: by alias, by ARN without one, with their bounds', () => {
    // THEN
    const fn = Object.values(resourcesOf(template, 'AWS::Lambda::Function'))[0];
    const variables = (fn?.Properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(parseMonitoredKeys(variables[MONITORED_KEYS_ENV])).toEqual([
      { entryId: 'orders-data-key', keyRef: 'alias/orders-data', maxAgeSeconds: 15_728_400 },
      { entryId: 'legacy-signing-key', keyRef: 'alias/legacy-signing', maxAgeSeconds: 608_400 },
      { entryId: 'batch-key', keyRef: ADOPTED_NO_ALIAS, maxAgeSeconds: 7_866_000 },
    ]);
  });

  test('may only read those keys, and the replacements of the replaceable ones by their keyturn:entry tag', () => {
    // THEN
    const kmsStatements = allowStatements(template).filter((s) =>
      asArray(s.Action).some((a) => a.startsWith('kms:') && a !== 'kms:Decrypt' && a !== 'kms:GenerateDataKey'),
    );
    expect(kmsStatements.map((s) => ({ ...s, Resource: asArray(s.Resource).map(render) }))).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:DescribeKey', 'kms:ListKeyRotations'],
        Resource: [ADOPTED, ADOPTED_NO_ALIAS, `\${${logicalIdOf(created)}.Arn}`],
      },
      {
        Sid: 'ReadReplacementKeys',
        Effect: 'Allow',
        Action: ['kms:DescribeKey', 'kms:ListKeyRotations'],
        Resource: ['arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'],
        Condition: { StringEquals: { 'aws:ResourceTag/keyturn:entry': ['legacy-signing-key', 'batch-key'] } },
      },
    ]);
  });

  test('passes cdk-nag, the key/* read acknowledged on its own policy', () => {
    // THEN
    expect(findings(report)).toEqual([]);
    const acknowledged = Object.entries(resourcesOf(template)).flatMap(([logicalId, resource]) =>
      (resource.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule) => `${logicalId}: ${rule.id}`),
    );
    expect(acknowledged).toContain(
      `${logicalIdOf(check.node.findChild('ReadReplacementKeysPolicy'))}: ` +
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
    );
  });
});

describe('the gauges of the freshness check and the rotation-overdue alarm', () => {
  const sm = mockClient(SecretsManagerClient);

  afterEach(() => {
    sm.reset();
  });

  test('a run with an overdue secret and an overdue key publishes every gauge the alarm adds up, where it looks', async () => {
    // GIVEN the rotation-overdue alarm
    const stack = newStack();
    const alarms = new RotationAlarms(stack, 'Alarms', { pageTopic: new sns.Topic(stack, 'Topic') });
    const overdue = alarms.alarms.find((a) => a.alarm.node.id === 'RotationOverdue')?.alarm;
    if (!overdue) throw new Error('no rotation-overdue alarm');
    const alarm = Template.fromStack(stack).toJSON() as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    const properties = alarm.Resources[logicalIdOf(overdue)]?.Properties as {
      Metrics: { MetricStat?: { Metric: Watched } }[];
      TreatMissingData: string;
    };
    const watchedMetrics = properties.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
    expect(watchedMetrics.map((m) => m.MetricName).sort()).toEqual(
      [LifecycleMetric.KeysOverdue, LifecycleMetric.KeysUnchecked, LifecycleMetric.SecretsOverdue].sort(),
    );
    // and a managed secret rotated 40 days ago with a 31-day bound, and a key created 100 days ago with a 91-day bound
    const now = new Date('2026-06-01T00:00:00Z');
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        {
          ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/db-AbCdEf',
          Name: 'orders/db',
          RotationEnabled: true,
          LastRotatedDate: new Date(now.getTime() - 40 * 86_400_000),
          Tags: [
            { Key: 'keyturn:managed', Value: 'true' },
            { Key: 'keyturn:max-age-seconds', Value: String(31 * 86_400) },
          ],
        },
      ],
    });
    const key = { entryId: 'webhook-mac-key', keyRef: 'alias/webhook-mac', maxAgeSeconds: 91 * 86_400 };
    const reader: KeyAgeReader = {
      read: (k) =>
        Promise.resolve({
          key: k,
          status: 'read',
          keyArn: 'arn:aws:kms:us-east-1:123456789012:key/mac',
          keyState: 'Enabled',
          creationDate: new Date(now.getTime() - 100 * 86_400_000),
        }),
    };

    // WHEN the freshness check runs with the environment the construct gives it
    const documents = await captureEmf(async () => {
      const metrics = new Metrics({
        namespace: FRESHNESS_CHECK_ENVIRONMENT.POWERTOOLS_METRICS_NAMESPACE,
        serviceName: FRESHNESS_CHECK_ENVIRONMENT.POWERTOOLS_SERVICE_NAME,
      });
      const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
      await runFreshnessCheck({
        client: new SecretsManagerClient({}),
        logger,
        metrics,
        keys: { reader, load: () => [key] },
        now: () => now,
      });
    });

    // THEN each gauge the alarm reads is in a document with the alarm's namespace and exact dimension set
    const expected: Record<string, number> = {
      [LifecycleMetric.SecretsOverdue]: 1,
      [LifecycleMetric.KeysOverdue]: 1,
      [LifecycleMetric.KeysUnchecked]: 0,
    };
    for (const watched of watchedMetrics) {
      const document = documents.find((d) =>
        d._aws.CloudWatchMetrics.some((m) => m.Metrics.some((x) => x.Name === watched.MetricName)),
      );
      if (!document) throw new Error(`no ${watched.MetricName} in ${JSON.stringify(documents)}`);
      const directive = document._aws.CloudWatchMetrics[0];
      expect(directive?.Namespace).toBe(watched.Namespace);
      expect(directive?.Dimensions.map((set) => [...set].sort())).toContainEqual(
        watched.Dimensions.map((d) => d.Name).sort(),
      );
      for (const { Name, Value } of watched.Dimensions) expect(document[Name]).toBe(Value);
      expect(document.service).toBe(MetricService.Lifecycle);
      expect(document[watched.MetricName]).toBe(expected[watched.MetricName]);
    }
    // and a scan that stopped reporting raises the alarm too
    expect(properties.TreatMissingData).toBe('breaching');
  });
});

describe("FreshnessCheck with the policy's secret entries", () => {
  function variablesOf(template: Template): Record<string, string> {
    const fn = Object.values(resourcesOf(template, 'AWS::Lambda::Function'))[0];
    return (fn?.Properties.Environment as { Variables: Record<string, string> }).Variables;
  }

  /** The schedule's Target.Input, parsed: the event each run receives. */
  function scheduleInputOf(template: Template): Record<string, unknown> {
    const schedule = Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule'))[0];
    const input = (schedule?.Properties.Target as { Input?: string }).Input;
    expect(typeof input).toBe('string');
    return JSON.parse(input as string) as Record<string, unknown>;
  }

  function checkWith(policySecrets: FreshnessCheckProps['policySecrets']): Stack {
    const parts = fixture(newStack());
    new FreshnessCheck(parts.stack, 'FreshnessCheck', {
      scheduleGroup: parts.group,
      deadLetterQueue: parts.queue,
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
      policySecrets,
    });
    return parts.stack;
  }

  test("hands them to the function in the schedule's input, compressed, as the check reads them", () => {
    // GIVEN / WHEN
    const secrets = [
      { entryId: 'orders-db', secretId: 'prod/orders/db' },
      { entryId: 'adopted', secretId: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/legacy-AbCdEf' },
    ];
    const template = Template.fromStack(checkWith(secrets));
    // THEN
    const input = scheduleInputOf(template);
    expect(Object.keys(input)).toEqual([POLICY_SECRETS_FIELD]);
    expect(input[POLICY_SECRETS_FIELD]).toMatch(/^gzip:/);
    expect(policySecretsOfEvent(input)).toEqual(secrets);
    expect(parsePolicySecrets(input[POLICY_SECRETS_FIELD] as string)).toEqual(secrets);
    // and none of it in the environment, which holds only the keys
    expect(Object.values(variablesOf(template)).some((v) => v.includes(input[POLICY_SECRETS_FIELD] as string))).toBe(
      false,
    );
  });

  test("hands over a policy far too large for Lambda's environment, without a warning", () => {
    // GIVEN / WHEN 1,000 entries with long ids: compressed, still several times the whole 4 KB environment
    const secrets = Array.from({ length: 1000 }, (_, i) => ({
      entryId: `entry-${i}-${'e'.repeat(40)}`,
      secretId: `app/${randomUUID()}`,
    }));
    const stack = checkWith(secrets);
    // THEN
    const value = scheduleInputOf(Template.fromStack(stack))[POLICY_SECRETS_FIELD] as string;
    expect(value.length).toBeGreaterThan(4096);
    expect(parsePolicySecrets(value)).toEqual(secrets);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('the schedule of a check without them carries no input (no comparison with the policy)', () => {
    // GIVEN / WHEN
    const template = Template.fromStack(checkWith(undefined));
    // THEN
    const schedule = Object.values(resourcesOf(template, 'AWS::Scheduler::Schedule'))[0];
    expect(schedule?.Properties.Target).not.toHaveProperty('Input');
  });

  test('rejects a policy larger than an asynchronous Lambda invocation carries (1 MB), naming the sizes', () => {
    // GIVEN 600 entries whose secret names are 2,000 random characters each: about 1.2 MB that gzip cannot shrink
    const secrets = Array.from({ length: 600 }, (_, i) => ({
      entryId: `entry-${i}`,
      secretId: randomBytes(1500).toString('base64'),
    }));
    // WHEN / THEN
    expect(() => checkWith(secrets)).toThrow(FreshnessCheckValidationError);
    expect(() => checkWith(secrets)).toThrow(
      new RegExp(
        `the 600 secret entries take \\d+ bytes of the schedule's input policySecrets, more than the ` +
          `${MAX_SCHEDULE_INPUT_BYTES} an asynchronous Lambda invocation carries`,
      ),
    );
  });
});

describe('FreshnessCheck validation', () => {
  /** A key whose ARN is a token, as a created key's. */
  const tokenKey = (): Key => new Key(newStack(), 'Key');

  function construct(props: Partial<FreshnessCheckProps>): () => FreshnessCheck {
    return () => {
      const parts = fixture(newStack());
      return new FreshnessCheck(parts.stack, 'FreshnessCheck', {
        scheduleGroup: parts.group,
        deadLetterQueue: parts.queue,
        code: lambda.Code.fromInline('exports.handler = async () => ({});'),
        ...props,
      });
    };
  }

  test.each<[string, Partial<FreshnessCheckProps>, RegExp]>([
    [
      'a schedule name Scheduler refuses',
      { scheduleName: 'freshness check' },
      /scheduleName must be 1 to 64 letters, digits, "\.", "-" or "_", got "freshness check"$/,
    ],
    ['200 retries', { retryAttempts: 200 }, /retryAttempts must be an integer from 0 to 185, got 200$/],
    [
      'a 30-second event age',
      { maxEventAge: Duration.seconds(30) },
      /maxEventAge must be whole seconds from 1 minute to 24 hours, got 30 seconds$/,
    ],
    [
      'a 20-minute timeout',
      { timeout: Duration.minutes(20) },
      /timeout must be whole seconds between 1 and 900, got 20 minutes$/,
    ],
    [
      'a created key without an alias (its ARN is only known at deployment)',
      { keys: [{ entryId: 'data-key', key: tokenKey(), maxAgeSeconds: 100, replaceable: false }] },
      /key "data-key" needs an alias or an ARN known at synthesis/,
    ],
    [
      'a key bound of 0 seconds',
      { keys: [{ entryId: 'data-key', key: tokenKey(), aliasName: 'alias/d', maxAgeSeconds: 0, replaceable: false }] },
      /key "data-key": maxAgeSeconds must be a positive whole number, got 0$/,
    ],
    [
      'more keys than Lambda environment holds',
      {
        keys: Array.from({ length: 400 }, (_, i) => ({
          entryId: `key-${i}-${'x'.repeat(40)}`,
          key: tokenKey(),
          aliasName: `alias/${i}-${randomUUID()}`,
          maxAgeSeconds: 100 + i,
          replaceable: false,
        })),
      },
      /the 400 keys take \d+ characters of KEYTURN_FRESHNESS_KEYS, more than 3500/,
    ],
  ])('rejects %s, showing the bad value', (_case, props, message) => {
    // GIVEN bad props / WHEN constructing / THEN
    expect(construct(props)).toThrow(FreshnessCheckValidationError);
    expect(construct(props)).toThrow(message);
  });
});

interface Watched {
  readonly Namespace: string;
  readonly MetricName: string;
  readonly Dimensions: { Name: string; Value: string }[];
}
