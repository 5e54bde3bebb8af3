import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LifecyclePlaceholder, RotatableSecrets } from '../../infra/constructs/lifecycle-placeholder';
import {
  allowStatements,
  asArray,
  identityStatements,
  logicalIdOf,
  newStack,
  render,
  resourcesOf,
} from './support/infra';

const ANY_SECRET = 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*';

interface Definition {
  StartAt: string;
  States: Record<string, { Type: string; Resource: string; Parameters: Record<string, unknown>; Retry: unknown[] }>;
}

describe('LifecyclePlaceholder for the secrets tagged keyturn:managed', () => {
  let template: Template;
  let placeholder: LifecyclePlaceholder;
  let key: kms.Key;

  beforeAll(() => {
    // GIVEN a key for the logs, in a stack checked by cdk-nag
    const stack = newStack();
    Validations.of(stack.node.root).addPlugins(
      new AwsSolutionsChecks(stack.node.root, { writeSuppressionsToCloudFormation: true }),
    );
    key = new kms.Key(stack, 'DataKey', { enableKeyRotation: true });

    // WHEN
    placeholder = new LifecyclePlaceholder(stack, 'Lifecycle', {
      secrets: RotatableSecrets.taggedWith('keyturn:managed', 'true'),
      logEncryptionKey: key,
    });
    template = Template.fromStack(stack);
  });

  function definition(): Definition {
    const machine = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'))[0];
    return JSON.parse(render(machine?.Properties.DefinitionString)) as Definition;
  }

  test('is a Standard state machine that calls RotateSecret on the input secretArn', () => {
    // THEN
    const { StartAt, States } = definition();
    const rotate = States[StartAt];
    expect(rotate).toMatchObject({
      Type: 'Task',
      Resource: 'arn:${AWS::Partition}:states:::aws-sdk:secretsmanager:rotateSecret',
      Parameters: { 'SecretId.$': '$.secretArn' },
      End: true,
    });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD' });
  });

  test('retries throttling with jittered back-off, and a rotation in progress for about half an hour', () => {
    // THEN
    const rotate = definition().States[definition().StartAt];
    expect(rotate?.Retry).toEqual([
      {
        ErrorEquals: ['SecretsManager.ThrottlingException'],
        IntervalSeconds: 2,
        BackoffRate: 2,
        MaxAttempts: 6,
        JitterStrategy: 'FULL',
      },
      { ErrorEquals: ['SecretsManager.InvalidRequestException'], IntervalSeconds: 60, BackoffRate: 2, MaxAttempts: 5 },
    ]);
  });

  test('logs every event without execution data, to an encrypted log group kept a year, and traces', () => {
    // THEN
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [
          { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalIdOf(placeholder.logGroup), 'Arn'] } } },
        ],
      },
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(key), 'Arn'] } },
      DeletionPolicy: 'Retain',
    });
  });

  test('may call RotateSecret only on secrets carrying the tag: an Allow narrowed by a Deny', () => {
    // THEN
    const rotate = identityStatements(template).filter((s) =>
      asArray(s.Action).includes('secretsmanager:RotateSecret'),
    );
    expect(
      rotate.map((s) => ({ effect: s.Effect, resources: asArray(s.Resource).map(render), condition: s.Condition })),
    ).toEqual([
      { effect: 'Allow', resources: [ANY_SECRET], condition: undefined },
      {
        effect: 'Deny',
        resources: [ANY_SECRET],
        condition: { StringNotEquals: { 'aws:ResourceTag/keyturn:managed': 'true' } },
      },
    ]);
    const secretsManager = allowStatements(template)
      .flatMap((s) => asArray(s.Action))
      .filter((a) => a.startsWith('secretsmanager:'));
    expect(secretsManager).toEqual(['secretsmanager:RotateSecret']);
  });

  test('acknowledges its two wildcard findings on its role policy, with reasons', () => {
    // THEN
    const policy = placeholder.role.node.findChild('DefaultPolicy');
    const rules = resourcesOf(template)[logicalIdOf(policy)]?.Metadata?.cdk_nag?.rules_to_suppress ?? [];
    expect(rules.map((r) => r.id).sort()).toEqual(
      [
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:*]',
      ].sort(),
    );
  });
});

describe('LifecyclePlaceholder for given secrets', () => {
  test('may call RotateSecret on exactly those secrets', () => {
    // GIVEN
    const stack = newStack();
    const created = new Secret(stack, 'Created');
    const adopted = Secret.fromSecretNameV2(stack, 'Adopted', 'orders/db/api');

    // WHEN
    new LifecyclePlaceholder(stack, 'Lifecycle', { secrets: RotatableSecrets.of(created, adopted) });

    // THEN
    const template = Template.fromStack(stack);
    const rotate = identityStatements(template).filter((s) =>
      asArray(s.Action).includes('secretsmanager:RotateSecret'),
    );
    expect(rotate.map((s) => ({ effect: s.Effect, resources: asArray(s.Resource).map(render).sort() }))).toEqual([
      {
        effect: 'Allow',
        resources: [
          `\${${logicalIdOf(created)}}`,
          'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:orders/db/api-??????',
        ].sort(),
      },
    ]);
  });

  test('rejects infinite log retention and an empty list, showing what was wrong', () => {
    const stack = newStack();
    expect(
      () =>
        new LifecyclePlaceholder(stack, 'Lifecycle', {
          secrets: RotatableSecrets.taggedWith('keyturn:managed', 'true'),
          logRetention: RetentionDays.INFINITE,
        }),
    ).toThrow(/logRetention must be finite, got RetentionDays\.INFINITE/);
    expect(() => RotatableSecrets.of()).toThrow(/at least one secret/);
    expect(() => RotatableSecrets.taggedWith('', 'x')).toThrow(/got ""/);
  });
});

describe('LifecyclePlaceholder with alert routes', () => {
  let template: Template;
  let topicKey: kms.Key;
  let topics: sns.Topic[];

  beforeAll(() => {
    // GIVEN two alert topics on one key
    const stack = newStack();
    topicKey = new kms.Key(stack, 'AlertKey', { enableKeyRotation: true });
    topics = ['payments', 'platform'].map((id) => new sns.Topic(stack, `Route-${id}`, { masterKey: topicKey }));

    // WHEN
    new LifecyclePlaceholder(stack, 'Lifecycle', {
      secrets: RotatableSecrets.taggedWith('keyturn:managed', 'true'),
      alertTopics: topics,
    });
    template = Template.fromStack(stack);
  });

  test('a rotation that cannot start notifies the topic its input names, then fails with the original error', () => {
    // THEN
    const machine = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'))[0];
    const states = (
      JSON.parse(render(machine?.Properties.DefinitionString)) as {
        States: Record<
          string,
          {
            Type: string;
            Catch?: { Next: string; ResultPath: string }[];
            Parameters?: Record<string, unknown>;
            Choices?: unknown[];
            ErrorPath?: string;
            CausePath?: string;
          }
        >;
      }
    ).States;
    expect(states.RotateSecret?.Catch).toEqual([
      expect.objectContaining({ Next: 'HasAlertRoute', ResultPath: '$.failure' }),
    ]);
    expect(JSON.stringify(states.HasAlertRoute?.Choices)).toContain('$.alertTopicArn');
    expect(states.NotifyAlertRoute?.Parameters).toMatchObject({ 'TopicArn.$': '$.alertTopicArn' });
    expect(states.RotationNotStarted).toMatchObject({
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    });
  });

  test('may publish to exactly those topics, and use their key for the two actions SNS needs', () => {
    // THEN
    const publish = allowStatements(template).filter((s) => asArray(s.Action).includes('sns:Publish'));
    expect(publish.flatMap((s) => asArray(s.Resource).map(render)).sort()).toEqual(
      topics.map((t) => `\${${logicalIdOf(t)}}`).sort(),
    );
    const kmsActions = allowStatements(template)
      .filter((s) => asArray(s.Action).some((a) => a.startsWith('kms:')))
      .flatMap((s) => asArray(s.Action));
    expect(kmsActions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });
});
