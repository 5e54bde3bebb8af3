import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROTATION_FAILURE_TAG } from '../../functions/shared/rotation-failure';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnRotationSchedule, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { TaskEnvironment } from '../../functions/shared/lifecycle-contract';
import { LAMBDA_NODE_MAJOR, ROTATE_SECRET_BUNDLE } from '../../infra/constructs/bundling-options';
import { AuditTrail } from '../../infra/constructs/observability/audit-trail';
import {
  FAILURE_RECORD_ACTIONS,
  ROTATE_SECRET_ACTIONS,
  RotationFunction,
  type RotationFunctionProps,
  toCdkBundlingOptions,
} from '../../infra/constructs/rotation-function';
import {
  CDK_CONTEXT,
  NO_BUNDLING,
  allowStatements,
  asArray,
  logicalIdOf as idOf,
  render,
  resourcesOf,
} from './support/infra';

interface ValidationReport {
  readonly pluginReports: readonly {
    readonly pluginName: string;
    readonly violations: readonly { readonly ruleName: string; readonly violatingConstructs: unknown[] }[];
  }[];
}

/** The resources on which identity policies allow `action`. */
function resourcesAllowedFor(template: Template, action: string): unknown[] {
  return allowStatements(template)
    .filter((s) => asArray(s.Action).includes(action))
    .flatMap((s) => asArray(s.Resource));
}

function logicalIdOf(_stack: Stack, construct: IConstruct): string {
  return idOf(construct);
}

/** A stack checked by cdk-nag, as the keyturn app checks its stacks. */
function nagStack(context: Record<string, unknown>): { app: App; stack: Stack } {
  const app = new App({ context, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-cdk-')) });
  const stack = new Stack(app, 'Keyturn');
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
  return { app, stack };
}

describe('RotationFunction, bundled, under cdk-nag', () => {
  let stack: Stack & { rotationFunction: RotationFunction };
  let template: Template;
  let report: ValidationReport;
  let secretLogicalId: string;

  beforeAll(() => {
    // GIVEN a rotation function (bundling the real handler), under cdk-nag, rotating one KMS-encrypted secret
    // and one imported by name
    const built = nagStack(CDK_CONTEXT);
    stack = Object.assign(built.stack, { rotationFunction: new RotationFunction(built.stack, 'RotateSecret') });
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
            Action: [...ROTATE_SECRET_ACTIONS, ...FAILURE_RECORD_ACTIONS].sort(),
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
      [...ROTATE_SECRET_ACTIONS, ...FAILURE_RECORD_ACTIONS, 'secretsmanager:GetRandomPassword'].sort(),
    );
  });

  test('may set and remove only its bookkeeping tags (failure record, IAM key quarantine), on the granted secrets', () => {
    // THEN
    const tagging = allowStatements(template).filter((s) =>
      asArray(s.Action).some((a) => a === 'secretsmanager:TagResource'),
    );
    expect(tagging).toHaveLength(1);
    expect(asArray(tagging[0]?.Action)).toEqual(expect.arrayContaining([...FAILURE_RECORD_ACTIONS]));
    // Those keys only; the rotation actions in the same statement carry no tag keys, which the set operator lets through.
    expect((tagging[0] as { Condition?: unknown }).Condition).toEqual({
      'ForAllValues:StringEquals': {
        'aws:TagKeys': [ROTATION_FAILURE_TAG, 'keyturn:iam-deactivated', 'keyturn:iam-emergency'],
      },
    });
    const importedArn =
      'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:app/api-key-??????';
    expect(resourcesAllowedFor(template, 'secretsmanager:TagResource').map(render).sort()).toEqual(
      [`\${${secretLogicalId}}`, importedArn].sort(),
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
    // THEN in the role's own policy, on that key, with kms:ViaService
    const keyLogicalId = logicalIdOf(stack, stack.node.findChild('SecretKey'));
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(stack, stack.rotationFunction.role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [keyLogicalId, 'Arn'] },
            Condition: {
              StringEquals: {
                'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
              },
            },
          },
        ]),
      },
    });
    // and never in the key policy, which may belong to another stack
    const keyPolicy = JSON.stringify(template.toJSON());
    expect(keyPolicy).not.toContain(
      `"Principal":{"AWS":{"Fn::GetAtt":["${logicalIdOf(stack, stack.rotationFunction.role)}"`,
    );
  });

  test('reserves 10 concurrent executions, and sends failed async invocations to its queue without retrying', () => {
    // THEN
    const queue = stack.rotationFunction.failureQueue;
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 10 });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(stack, queue), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ],
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

  test('acknowledges two cdk-nag findings, each on its own construct: GetRandomPassword, and the failure queue', () => {
    // THEN
    const acknowledged = Object.entries(resourcesOf(template)).flatMap(([logicalId, resource]) => {
      const rules = resource.Metadata?.cdk_nag?.rules_to_suppress;
      return rules ? [{ logicalId, ids: rules.map((rule) => rule.id) }] : [];
    });
    expect(acknowledged).toEqual(
      expect.arrayContaining([
        {
          logicalId: logicalIdOf(stack, stack.rotationFunction.node.findChild('RandomPasswordPolicy')),
          ids: ['AwsSolutions-IAM5[Resource::*]'],
        },
        {
          logicalId: logicalIdOf(stack, stack.rotationFunction.failureQueue),
          ids: ['AwsSolutions-SQS3'],
        },
      ]),
    );
    expect(acknowledged).toHaveLength(2);
  });

  test('passes cdk-nag AWS Solutions checks and CDK validation with zero unacknowledged findings', () => {
    // THEN errors and warnings alike, listed as "plugin: rule" if any
    const findings = report.pluginReports.flatMap((r) => r.violations.map((v) => `${r.pluginName}: ${v.ruleName}`));
    expect(findings).toEqual([]);
  });
});

describe('RotationFunction in a VPC', () => {
  let stack: Stack;
  let rotation: RotationFunction;
  let template: Template;

  beforeAll(() => {
    // GIVEN a VPC imported by id, as the policy's networks give it
    stack = new Stack(new App({ context: NO_BUNDLING }), 'Stack');
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-1123456789abcdef0'],
    });
    // As the secrets stack does: nothing here reads a route table.
    Validations.of(vpc).acknowledge({ id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId', reason: 'test' });

    // WHEN the rotation function is placed there
    rotation = new RotationFunction(stack, 'Rotation', { vpc, vpcSubnets: { subnets: vpc.privateSubnets } });
    template = Template.fromStack(stack);
  });

  test('runs in the given subnets with a security group of its own that accepts nothing', () => {
    // THEN
    const group = rotation.connections.securityGroups[0];
    if (!group) throw new Error('no security group');
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: ['subnet-0123456789abcdef0', 'subnet-1123456789abcdef0'],
        SecurityGroupIds: [{ 'Fn::GetAtt': [logicalIdOf(stack, group), 'GroupId'] }],
      },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      VpcId: 'vpc-0123456789abcdef0',
      SecurityGroupIngress: Match.absent(),
      SecurityGroupEgress: [Match.objectLike({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' })],
    });
  });

  test('may create network interfaces only in its subnets and security group, and waits for that policy', () => {
    // THEN
    const policy = rotation.node.findChild('VpcAccessPolicy');
    const statement = (
      template.toJSON() as {
        Resources: Record<
          string,
          { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }
        >;
      }
    ).Resources[logicalIdOf(stack, policy)]?.Properties.PolicyDocument.Statement.find(
      (s) => s.Action === 'ec2:CreateNetworkInterface',
    );
    expect(asArray(statement?.Resource).map(render).sort()).toEqual(
      [
        'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*',
        'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/${RotationSecurityGroup4D4A1C2E.GroupId}',
        'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/subnet-0123456789abcdef0',
        'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/subnet-1123456789abcdef0',
      ].map((arn) =>
        arn.replace(
          'RotationSecurityGroup4D4A1C2E',
          logicalIdOf(stack, rotation.connections.securityGroups[0] as IConstruct),
        ),
      ),
    );
    template.hasResource('AWS::Lambda::Function', {
      DependsOn: Match.arrayWith([logicalIdOf(stack, policy)]),
    });
  });

  test('has no AWS managed policy for VPC access', () => {
    // THEN
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });
});

describe('RotationFunction with prebuilt code, an external queue and an encrypted log group', () => {
  test('uses the code as given, sends failures to the queue with exact KMS grants, encrypts its logs', () => {
    // GIVEN
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'Stack');
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    const queue = new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });
    const code = lambda.Code.fromInline('exports.handler = async () => {};');

    // WHEN
    const rotation = new RotationFunction(stack, 'Rotation', {
      code,
      failureQueue: queue,
      logEncryptionKey: key,
      reservedConcurrentExecutions: 3,
    });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Code: { ZipFile: 'exports.handler = async () => {};' },
      ReservedConcurrentExecutions: 3,
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(stack, key), 'Arn'] },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(stack, rotation.role) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [logicalIdOf(stack, queue), 'Arn'] },
          },
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [logicalIdOf(stack, key), 'Arn'] },
          },
        ]),
      },
    });
    template.resourceCountIs('AWS::SQS::Queue', 1);
  });

  test('reads a master secret (GetSecretValue, DescribeSecret) and nothing more, and its key only to decrypt through Secrets Manager', () => {
    // GIVEN
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'Stack');
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    const master = new Secret(stack, 'Master', { encryptionKey: key });
    const rotation = new RotationFunction(stack, 'Rotation', { code: lambda.Code.fromInline('x') });

    // WHEN
    rotation.grantReadMasterSecret(master);

    // THEN
    const template = Template.fromStack(stack);
    expect(resourcesAllowedFor(template, 'secretsmanager:GetSecretValue').map(render)).toEqual([
      `\${${logicalIdOf(stack, master)}}`,
    ]);
    const onMaster = allowStatements(template).filter((s) =>
      asArray(s.Resource)
        .map(render)
        .includes(`\${${logicalIdOf(stack, master)}}`),
    );
    expect(onMaster.flatMap((s) => asArray(s.Action)).sort()).toEqual([
      'secretsmanager:DescribeSecret', // tells a secret Amazon RDS manages by its owner and tags
      'secretsmanager:GetSecretValue',
    ]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'kms:Decrypt',
            Condition: { StringEquals: { 'kms:ViaService': Match.anyValue() } },
          }),
        ]),
      },
    });
  });
});

describe('RotationFunction running the lifecycle tasks', () => {
  test('puts audit events on the given bus only (keyturn source), and knows the bus and the change freezes', () => {
    // GIVEN keyturn's audit trail and one change freeze
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'Stack');
    const audit = new AuditTrail(stack, 'Audit');
    const blackouts = [{ start: '2026-12-24T00:00:00.000Z', end: '2026-12-27T00:00:00.000Z', reason: 'holidays' }];

    // WHEN
    new RotationFunction(stack, 'Rotation', { auditBus: audit, blackouts });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'keyturn-rotate-secret',
          POWERTOOLS_METRICS_NAMESPACE: 'keyturn',
          [TaskEnvironment.auditBusName]: { Ref: logicalIdOf(stack, audit.bus) },
          [TaskEnvironment.blackouts]: JSON.stringify(blackouts),
        },
      },
      Tags: [{ Key: 'keyturn:managed', Value: 'true' }],
    });
    const putEvents = allowStatements(template).filter((st) => asArray(st.Action).includes('events:PutEvents'));
    expect(putEvents).toEqual([
      {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: { 'Fn::GetAtt': [logicalIdOf(stack, audit.bus), 'Arn'] },
        Condition: { StringEquals: { 'events:source': 'keyturn.rotation' } },
      },
    ]);
  });

  test('without a bus or freezes: an empty freeze list, no bus name, no PutEvents', () => {
    // GIVEN / WHEN
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'Stack');
    new RotationFunction(stack, 'Rotation');

    // THEN
    const template = Template.fromStack(stack);
    const variables = (
      Object.values(resourcesOf(template, 'AWS::Lambda::Function'))[0]?.Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(variables[TaskEnvironment.blackouts]).toBe('[]');
    expect(variables[TaskEnvironment.auditBusName]).toBeUndefined();
    expect(allowStatements(template).flatMap((st) => asArray(st.Action))).not.toContain('events:PutEvents');
  });

  test('refuses change freezes that would not fit its environment, naming the size', () => {
    // GIVEN sixty freezes with long reasons
    const blackouts = Array.from({ length: 60 }, (_, i) => ({
      start: `2027-01-${String((i % 28) + 1).padStart(2, '0')}T00:00:00.000Z`,
      end: `2027-02-${String((i % 28) + 1).padStart(2, '0')}T00:00:00.000Z`,
      reason: 'x'.repeat(100),
    }));

    // WHEN / THEN
    expect(
      () => new RotationFunction(new Stack(new App({ context: NO_BUNDLING }), 'Stack'), 'Rotation', { blackouts }),
    ).toThrow(/blackouts take \d+ characters of JSON, over the 2048 its environment leaves for them/);
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
    [
      'no reserved concurrency',
      { reservedConcurrentExecutions: 0 },
      /reservedConcurrentExecutions must be an integer from 1 to 1000, got 0$/,
    ],
    [
      'subnets without a VPC',
      { vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } },
      /vpcSubnets and securityGroups need a vpc/,
    ],
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

describe('RotationFunction on a replicated secret', () => {
  test('may read the replicas in the given regions, nothing more', () => {
    // GIVEN
    const stack = new Stack(new App({ context: NO_BUNDLING }), 'Stack', {
      env: { account: '123456789012', region: 'us-east-1' },
    });
    const rotation = new RotationFunction(stack, 'Rotation', {
      code: lambda.Code.fromInline('exports.handler = async () => {};'),
    });
    const secret = Secret.fromSecretCompleteArn(
      stack,
      'Replicated',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:app/replicated-AbCdEf',
    );

    // WHEN
    rotation.grantReadReplicas(secret, ['eu-west-1', 'ap-south-1']);

    // THEN the replica ARNs: the primary's name and suffix in each replica region, read-only actions
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy')).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: { Action: unknown }[] } } }).Properties.PolicyDocument
          .Statement,
    );
    const replicaRead = statements.filter((statement) => JSON.stringify(statement).includes(':secret:app/replicated-'));
    expect(replicaRead).toHaveLength(1);
    expect(replicaRead[0]?.Action).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    const resources = JSON.stringify(replicaRead[0]);
    expect(resources).toContain(':secretsmanager:eu-west-1:123456789012:secret:app/replicated-AbCdEf');
    expect(resources).toContain(':secretsmanager:ap-south-1:123456789012:secret:app/replicated-AbCdEf');
    expect(resources).not.toContain(':us-east-1:');
  });
});
