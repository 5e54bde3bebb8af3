import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnRotationSchedule, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';
import { LAMBDA_NODE_MAJOR, REPO_ROOT, ROTATE_SECRET_BUNDLE } from '../../infra/constructs/bundling-options';
import {
  ROTATE_SECRET_ACTIONS,
  RotationFunction,
  type RotationFunctionProps,
  toCdkBundlingOptions,
} from '../../infra/constructs/rotation-function';
import { createKeyturnApp } from '../../infra/keyturn-app';
import type { KeyturnStack } from '../../infra/stacks/keyturn-stack';

/** The feature flags `cdk synth` runs with, so the tests synthesize what the CLI would. */
const CDK_CONTEXT = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: object })
  .context;

/** Context that skips asset bundling: for tests about construction, not about the bundle. */
const NO_BUNDLING = { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] };

interface PolicyStatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

interface NagMetadata {
  readonly cdk_nag?: { readonly rules_to_suppress: readonly { readonly id: string; readonly reason: string }[] };
}

interface ValidationReport {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly violations: readonly { readonly ruleName: string; readonly violatingConstructs: unknown[] }[];
  }[];
}

function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Renders a resource the way a reader would: `Ref` and `Fn::Join` folded into one `${...}` string. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: [string, string] };
  if (intrinsic.Ref) return `\${${intrinsic.Ref}}`;
  if (intrinsic['Fn::GetAtt']) return `\${${intrinsic['Fn::GetAtt'].join('.')}}`;
  if (intrinsic['Fn::Join']) return intrinsic['Fn::Join'][1].map(render).join(intrinsic['Fn::Join'][0]);
  return JSON.stringify(value);
}

/** The resources on which identity policies allow `action`. */
function resourcesAllowedFor(template: Template, action: string): unknown[] {
  return allowStatements(template)
    .filter((s) => asArray(s.Action).includes(action))
    .flatMap((s) => asArray(s.Resource));
}

/** Every Allow statement of every identity policy in the template. */
function allowStatements(template: Template): PolicyStatementJson[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as {
    Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } };
  }[];
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((s) => s.Effect === 'Allow');
}

function logicalIdOf(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}

describe('RotationFunction in the keyturn app', () => {
  let stack: KeyturnStack;
  let template: Template;
  let report: ValidationReport;
  let secretLogicalId: string;

  beforeAll(() => {
    // GIVEN the keyturn app, with cdk-nag, rotating one KMS-encrypted secret and one imported by name
    const built = createKeyturnApp({ appProps: { context: CDK_CONTEXT } });
    stack = built.stack;
    const key = new Key(stack, 'SecretKey', { enableKeyRotation: true });
    const secret = new Secret(stack, 'DatabaseSecret', { encryptionKey: key });
    const rotation = stack.rotationFunction;
    rotation.grantRotate(secret);
    rotation.grantRotate(Secret.fromSecretNameV2(stack, 'ImportedSecret', 'app/api-key'));
    new CfnRotationSchedule(stack, 'DatabaseSecretRotation', {
      secretId: secret.secretArn,
      rotationLambdaArn: rotation.function.functionArn,
      rotationRules: { scheduleExpression: 'rate(30 days)' },
    });
    secretLogicalId = logicalIdOf(stack, secret);

    // WHEN it is synthesized (bundling the real handler once; cdk-nag findings would throw here)
    const assembly = built.app.synth();
    template = Template.fromStack(stack);
    report = JSON.parse(
      fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'),
    ) as ValidationReport;
  });

  test('runs the bundled handler on the newest Node.js runtime, ARM64, 256 MB, with the Powertools environment', () => {
    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: `nodejs${LAMBDA_NODE_MAJOR}.x`,
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 45,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'keyturn-rotate-secret',
          POWERTOOLS_METRICS_NAMESPACE: 'keyturn',
        },
      },
    });
  });

  test('grants the rotation contract actions and version listing, on the granted secrets and nothing else', () => {
    // THEN
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: [...ROTATE_SECRET_ACTIONS].sort(),
            Resource: Match.arrayWith([{ Ref: secretLogicalId }]),
          }),
        ]),
      },
    });
    const importedArn =
      'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:app/api-key-??????';
    expect([...ROTATE_SECRET_ACTIONS].sort()).toEqual(
      [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
        'secretsmanager:ListSecretVersionIds',
      ].sort(),
    );
    for (const action of ROTATE_SECRET_ACTIONS) {
      const resources = resourcesAllowedFor(template, action).map(render);
      expect(resources.sort()).toEqual([`\${${secretLogicalId}}`, importedArn].sort());
    }
    const secretsManagerActions = new Set(
      allowStatements(template)
        .flatMap((s) => asArray(s.Action))
        .filter((a) => a.startsWith('secretsmanager:')),
    );
    expect([...secretsManagerActions].sort()).toEqual(
      [...ROTATE_SECRET_ACTIONS, 'secretsmanager:GetRandomPassword'].sort(),
    );
  });

  test('puts no Secrets Manager action on "*" except GetRandomPassword, which has no resource', () => {
    // THEN
    const secretsManagerOnStar = allowStatements(template)
      .filter((s) => asArray(s.Resource).includes('*'))
      .flatMap((s) => asArray(s.Action))
      .filter((action) => action.startsWith('secretsmanager:'));
    expect(secretsManagerOnStar).toEqual(['secretsmanager:GetRandomPassword']);
    const wildcardActions = allowStatements(template)
      .flatMap((s) => asArray(s.Action))
      .filter((action) => action.includes('*'));
    expect(wildcardActions).toEqual([]);
  });

  test('may use the secret key only through Secrets Manager, to decrypt and generate data keys', () => {
    // THEN
    const roleLogicalId = logicalIdOf(stack, stack.rotationFunction.role);
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Principal: { AWS: { 'Fn::GetAtt': [roleLogicalId, 'Arn'] } },
            Condition: {
              StringEquals: {
                'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
              },
            },
          }),
        ]),
      },
    });
  });

  test('lets Secrets Manager invoke it on behalf of this account only, with one permission for all secrets', () => {
    // THEN
    template.resourceCountIs('AWS::Lambda::Permission', 1);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(stack, stack.rotationFunction.function), 'Arn'] },
    });
  });

  test('logs to its own log group, kept three months and retained when the stack goes', () => {
    // THEN
    const logGroupLogicalId = logicalIdOf(stack, stack.rotationFunction.logGroup);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 90 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: logGroupLogicalId }, LogFormat: 'JSON' },
    });
  });

  test('has no AWS managed policy, so no access to other log groups', () => {
    // THEN
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
    });
  });

  test('acknowledges exactly one cdk-nag finding: the resource-less GetRandomPassword, on its own policy', () => {
    // THEN
    const resources = (template.toJSON() as { Resources: Record<string, { Metadata?: NagMetadata }> }).Resources;
    const acknowledged = Object.entries(resources).flatMap(([logicalId, resource]) => {
      const rules = resource.Metadata?.cdk_nag?.rules_to_suppress;
      return rules ? [{ logicalId, ids: rules.map((rule) => rule.id) }] : [];
    });
    expect(acknowledged).toEqual([
      {
        logicalId: logicalIdOf(stack, stack.rotationFunction.node.findChild('RandomPasswordPolicy')),
        ids: ['AwsSolutions-IAM5[Resource::*]'],
      },
    ]);
  });

  test('passes cdk-nag AWS Solutions checks and CDK validation with zero unacknowledged findings', () => {
    // THEN errors and warnings alike, listed as "plugin: rule" if any
    const findings = report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName}: ${v.ruleName}`));
    expect(findings).toEqual([]);
  });
});

describe('cdk-nag in the keyturn app', () => {
  test('fails synthesis on a finding (the check is live, not vacuous)', () => {
    // GIVEN the keyturn app with a secret that has no rotation schedule (AwsSolutions-SMG4)
    const { app, stack } = createKeyturnApp({ appProps: { context: NO_BUNDLING } });
    new Secret(stack, 'UnrotatedSecret');

    // WHEN / THEN
    expect(() => app.synth()).toThrow(/AwsSolutions-SMG4/);
  });
});

describe('RotationFunction validation', () => {
  function construct(props: RotationFunctionProps): () => RotationFunction {
    return () => new RotationFunction(new Stack(new App({ context: NO_BUNDLING }), 'Stack'), 'Rotation', props);
  }

  test.each<[string, RotationFunctionProps, RegExp]>([
    ['memorySize 100', { memorySize: 100 }, /memorySize must be an integer .* got 100$/],
    ['memorySize 256.5', { memorySize: 256.5 }, /got 256\.5$/],
    [
      'a 20-minute timeout',
      { timeout: Duration.minutes(20) },
      /timeout must be whole seconds between 1 and 900, got 20 minutes$/,
    ],
    ['a 1.5-second timeout', { timeout: Duration.millis(1500) }, /got 1 second 500 millis$/],
    [
      'infinite log retention',
      { logRetention: RetentionDays.INFINITE },
      /logRetention must be finite, got RetentionDays\.INFINITE/,
    ],
    ['a missing entry file', { entry: '/nonexistent/handler.ts' }, /entry "\/nonexistent\/handler\.ts" does not exist/],
  ])('rejects %s, showing the bad value', (_case, props, message) => {
    // GIVEN bad props / WHEN constructing / THEN
    expect(construct(props)).toThrow(message);
  });

  test('refuses to rotate a secret in another region, naming both regions', () => {
    // GIVEN a rotation function in us-east-1
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'Stack', {
      env: { account: '111111111111', region: 'us-east-1' },
    });
    const rotation = new RotationFunction(stack, 'Rotation');
    const foreign = Secret.fromSecretCompleteArn(
      stack,
      'Foreign',
      'arn:aws:secretsmanager:eu-west-1:111111111111:secret:app/db-AbCdEf',
    );

    // WHEN / THEN
    expect(() => rotation.grantRotate(foreign)).toThrow(
      /in region "eu-west-1" but the rotation function is in region "us-east-1"/,
    );
  });
});

describe('RotationFunction bundling', () => {
  test('bundles with the local esbuild: minified, source-mapped, for the runtime, nothing left out', () => {
    // GIVEN the settings the construct and bench/bundle.ts share / WHEN mapped to NodejsFunction options
    const options = toCdkBundlingOptions(ROTATE_SECRET_BUNDLE);

    // THEN
    expect(options).toMatchObject({
      forceDockerBundling: false,
      minify: true,
      sourceMap: true,
      target: `node${LAMBDA_NODE_MAJOR}`,
      externalModules: [],
      bundleAwsSDK: true,
    });
  });
});
