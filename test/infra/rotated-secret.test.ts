import type { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { RotatedSecret, type RotatedSecretProps } from '../../infra/constructs/rotated-secret';
import { RotationFunction } from '../../infra/constructs/rotation-function';
import { KEYTURN_TAG_KEYS, SecretTagger } from '../../infra/constructs/secret-tagger';
import type { ResolvedEntry } from '../../infra/policy/defaults';
import type { PolicyEntryInput } from '../../infra/policy/schema';
import {
  type CfnResource,
  REFERENCE_DATE,
  allowStatements,
  asArray,
  entryOf,
  logicalIdOf,
  newStack,
  owner,
  render,
  resourcesOf,
} from './support/infra';

const OWNER_ROLE = 'arn:aws:iam::111122223333:role/payments-admin';
const CONSUMER_ROLE = 'arn:aws:iam::111122223333:role/checkout';
const DEPLOY_ROLE =
  'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}';

const apiKey: PolicyEntryInput = {
  id: 'payments-api-key',
  kind: 'random',
  secret: { name: 'payments/api-key', create: true },
  owner: { team: 'payments', roleArn: OWNER_ROLE },
  consumers: [{ name: 'checkout', roleArn: CONSUMER_ROLE }, { name: 'billing' }],
  options: { length: 48, excludeCharacters: 'lI1O0' },
  tags: { 'cost-center': 'payments' },
};
const master: PolicyEntryInput = {
  id: 'orders-db-master',
  kind: 'postgres-single-user',
  secret: { name: 'orders/db/master' },
  owner,
  options: { network: 'db-vpc' },
};

interface Fixture {
  readonly stack: Stack;
  readonly rotation: RotationFunction;
  readonly key: kms.Key;
}

function fixture(): Fixture {
  const stack = newStack();
  const rotation = new RotationFunction(stack, 'Rotation', { code: lambda.Code.fromInline('exports.handler=1') });
  const key = new kms.Key(stack, 'SecretsKey', { enableKeyRotation: true });
  return { stack, rotation, key };
}

function rotated(f: Fixture, entry: ResolvedEntry, props: Partial<RotatedSecretProps> = {}): RotatedSecret {
  return new RotatedSecret(f.stack, entry.id, {
    entry,
    rotationFunction: f.rotation,
    encryptionKey: entry.secret.create ? f.key : undefined,
    scheduleReferenceDate: REFERENCE_DATE,
    ...props,
  });
}

function only(template: Template, type: string): CfnResource {
  const all = Object.values(resourcesOf(template, type));
  expect(all).toHaveLength(1);
  return all[0] as CfnResource;
}

describe('RotatedSecret, created by keyturn', () => {
  let f: Fixture;
  let secret: RotatedSecret;
  let template: Template;

  beforeAll(() => {
    // GIVEN a random entry keyturn creates, with an owner role, a consumer role and password options
    f = fixture();

    // WHEN
    secret = rotated(f, entryOf(apiKey));
    template = Template.fromStack(f.stack);
  });

  test('is a secret with a generated value honouring the password options, encrypted with the key, retained', () => {
    // THEN
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: {
        Name: 'payments/api-key',
        KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(f.key), 'Arn'] },
        // the entry's length and excluded characters over the random strategy's default (no punctuation)
        GenerateSecretString: {
          PasswordLength: 48,
          ExcludeCharacters: 'lI1O0',
          ExcludePunctuation: true,
          SecretStringTemplate: Match.absent(),
        },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('carries the keyturn strategy tags and the entry tags', () => {
    // THEN
    const tags = only(template, 'AWS::SecretsManager::Secret').Properties.Tags as { Key: string; Value: string }[];
    expect(Object.fromEntries(tags.map((t) => [t.Key, t.Value]))).toMatchObject({
      'keyturn:managed': 'true',
      'keyturn:entry': 'payments-api-key',
      'keyturn:owner': 'payments',
      'keyturn:strategy': 'random',
      'keyturn:length': '48',
      'keyturn:exclude-characters': 'lI1O0',
      'cost-center': 'payments',
    });
  });

  test('carries the lifecycle settings as tags, the kind defaults filled in', () => {
    // THEN random: a day of grace, nothing to drain (waitForIdle is off), at most one rotation an hour
    const tags = only(template, 'AWS::SecretsManager::Secret').Properties.Tags as { Key: string; Value: string }[];
    expect(Object.fromEntries(tags.map((t) => [t.Key, t.Value]))).toMatchObject({
      [LifecycleTag.graceSeconds]: '86400',
      [LifecycleTag.minIntervalSeconds]: '3600',
      [LifecycleTag.drainMaxWaitSeconds]: '0',
      [LifecycleTag.whenStillInUse]: 'alert',
      [LifecycleTag.terminateSessions]: 'false',
    });
  });

  test('has a resource policy: only the owner deletes, owner and deployer change it, consumers with a role read', () => {
    // THEN
    template.hasResourceProperties('AWS::SecretsManager::ResourcePolicy', {
      SecretId: { Ref: logicalIdOf(secret.secret) },
      BlockPublicPolicy: true,
      ResourcePolicy: {
        Statement: [
          {
            Sid: 'OnlyOwnerDeletes',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'secretsmanager:DeleteSecret',
            Resource: '*',
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': [OWNER_ROLE] } },
          },
          {
            Sid: 'OnlyOwnerAndDeployerChangeThisPolicy',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: ['secretsmanager:DeleteResourcePolicy', 'secretsmanager:PutResourcePolicy'],
            Resource: '*',
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': [OWNER_ROLE, { 'Fn::Sub': DEPLOY_ROLE }] } },
          },
          {
            Sid: 'ConsumersRead',
            Effect: 'Allow',
            Principal: { AWS: CONSUMER_ROLE },
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
          },
        ],
      },
    });
  });

  test('configures native rotation as the backstop: 1.5 intervals, the entry window, through the function', () => {
    // THEN rate(90 days), the random default, gives a 135-day backstop
    template.hasResource('AWS::SecretsManager::RotationSchedule', {
      Properties: {
        SecretId: { Ref: logicalIdOf(secret.secret) },
        RotationLambdaARN: { 'Fn::GetAtt': [logicalIdOf(f.rotation.function), 'Arn'] },
        RotationRules: { ScheduleExpression: 'rate(135 days)', Duration: '4h' },
        RotateImmediatelyOnUpdate: false,
      },
      // after the function's permission to be invoked and its grants
      DependsOn: Match.arrayWith([
        logicalIdOf(f.rotation.function.node.findChild('InvokedBySecretsManager')),
        logicalIdOf(f.rotation.node.findChild('RandomPasswordPolicy')),
        logicalIdOf(f.rotation.role.node.findChild('DefaultPolicy')),
      ]),
    });
    expect(secret.backstopExpression).toBe('rate(135 days)');
  });

  test('lets the rotation function rotate this secret, and use its key only through Secrets Manager', () => {
    // THEN
    const onSecret = allowStatements(template).filter((s) =>
      asArray(s.Resource)
        .map(render)
        .includes(`\${${logicalIdOf(secret.secret)}}`),
    );
    expect(onSecret.flatMap((s) => asArray(s.Action)).sort()).toEqual(
      [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:ListSecretVersionIds',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
        // Only its failure-record tag (rotation-function.test.ts checks the condition).
        'secretsmanager:TagResource',
        'secretsmanager:UntagResource',
      ].sort(),
    );
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [logicalIdOf(f.key), 'Arn'] },
            Condition: { StringEquals: { 'kms:ViaService': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  test('needs no tagging custom resource', () => {
    template.resourceCountIs('Custom::AWS', 0);
  });
});

describe('RotatedSecret initial values', () => {
  test('without an owner role nobody may delete the secret: the deny has no exception', () => {
    // GIVEN / WHEN
    const f = fixture();
    rotated(f, entryOf({ ...apiKey, owner: { team: 'payments' }, consumers: [] }));

    // THEN
    const policy = only(Template.fromStack(f.stack), 'AWS::SecretsManager::ResourcePolicy').Properties
      .ResourcePolicy as { Statement: { Sid: string; Condition?: unknown }[] };
    expect(policy.Statement.map((s) => s.Sid)).toEqual(['NobodyDeletes', 'OnlyOwnerAndDeployerChangeThisPolicy']);
    expect(policy.Statement[0]?.Condition).toBeUndefined();
    expect(policy.Statement[1]?.Condition).toEqual({
      ArnNotEquals: { 'aws:PrincipalArn': [{ 'Fn::Sub': DEPLOY_ROLE }] },
    });
  });

  test('a JSON random secret gets its first field generated, the others empty, and rotates once created', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    rotated(
      f,
      entryOf({
        id: 'partner-oauth',
        kind: 'random',
        secret: { name: 'payments/partner-oauth', create: true },
        owner,
        options: { fields: ['clientSecret', 'signingKey'] },
      }),
    );

    // THEN
    const template = Template.fromStack(f.stack);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: {
        GenerateStringKey: 'clientSecret',
        SecretStringTemplate: '{"signingKey":""}',
        PasswordLength: 40,
        ExcludePunctuation: true,
      },
    });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { RotateImmediatelyOnUpdate: true });
  });

  test('a database secret gets AWS JSON shape with the master ARN and a generated password, and rotates once created', () => {
    // GIVEN an alternating-users entry whose master is another entry's secret
    const f = fixture();
    const masterSecret = rotated(f, entryOf(master)).secret;
    const entry = entryOf(
      {
        id: 'billing-db',
        kind: 'postgres-alternating-users',
        secret: { name: 'billing/db/app', create: true },
        owner,
        options: {
          network: 'db-vpc',
          master: { entry: 'orders-db-master' },
          password: { length: 40 },
          connection: { host: 'orders.cluster.example', username: 'billing_app', dbname: 'orders', ssl: true },
        },
      },
      master,
    );

    // WHEN
    const billing = rotated(f, entry, { masterSecret });

    // THEN
    const template = Template.fromStack(f.stack);
    const generator = (resourcesOf(template)[logicalIdOf(billing.secret)] as CfnResource).Properties
      .GenerateSecretString as { SecretStringTemplate: { 'Fn::Join': [string, unknown[]] } };
    expect(generator).toMatchObject({
      GenerateStringKey: 'password',
      PasswordLength: 40,
      ExcludeCharacters: '/@"\'\\',
    });
    expect(JSON.parse(render(generator.SecretStringTemplate))).toEqual({
      engine: 'postgres',
      host: 'orders.cluster.example',
      port: 5432,
      username: 'billing_app',
      dbname: 'orders',
      ssl: true,
      masterarn: 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:orders/db/master',
    });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: logicalIdOf(billing.secret) },
      RotateImmediatelyOnUpdate: true,
    });
  });
});

describe('RotatedSecret, adopted by name', () => {
  let f: Fixture;
  let secret: RotatedSecret;
  let template: Template;
  const entry = entryOf({ ...master, options: { network: 'db-vpc', password: { length: 40 } } });

  beforeAll(() => {
    // GIVEN an existing database secret, adopted by name / WHEN
    f = fixture();
    secret = rotated(f, entry);
    template = Template.fromStack(f.stack);
  });

  test('gets no resource policy: it would replace the one its owner attached', () => {
    template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  test('is tagged by a custom resource: TagResource on create and update, UntagResource of keyturn keys on delete', () => {
    // THEN
    const call = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : undefined);
    const tagging = Object.values(resourcesOf(template, 'Custom::AWS')).map((r) => ({
      create: call(r.Properties.Create) as { action: string; parameters: Record<string, unknown> },
      update: call(r.Properties.Update),
      delete: call(r.Properties.Delete) as { parameters: { TagKeys: string[] } } | undefined,
    }));
    const apply = tagging.find((t) => t.create.action === 'TagResource');
    expect(apply?.create.parameters).toEqual({
      SecretId: 'orders/db/master',
      Tags: expect.arrayContaining([
        { Key: 'keyturn:managed', Value: 'true' },
        { Key: 'keyturn:entry', Value: 'orders-db-master' },
        { Key: 'keyturn:strategy', Value: 'postgres-single-user' },
        { Key: 'keyturn:length', Value: '40' },
      ]) as unknown,
    });
    // the lifecycle settings travel the same way: single user waits up to an hour for idle, then alerts
    expect(apply?.create.parameters.Tags).toEqual(
      expect.arrayContaining([
        { Key: LifecycleTag.graceSeconds, Value: '900' },
        { Key: LifecycleTag.minIntervalSeconds, Value: '3600' },
        { Key: LifecycleTag.drainMaxWaitSeconds, Value: '3600' },
        { Key: LifecycleTag.whenStillInUse, Value: 'alert' },
        { Key: LifecycleTag.terminateSessions, Value: 'false' },
      ]),
    );
    expect(apply?.update).toEqual(apply?.create);
    expect(apply?.delete?.parameters.TagKeys.every((key) => key.startsWith('keyturn:'))).toBe(true);
    expect(apply?.delete?.parameters.TagKeys).toEqual(expect.arrayContaining(['keyturn:managed', 'keyturn:strategy']));
  });

  test('removes the keyturn tags the entry no longer sets, before tagging', () => {
    // THEN
    const resources = Object.entries(resourcesOf(template, 'Custom::AWS'));
    const cleanup = resources.find(([, r]) => String(r.Properties.Create).includes('"UntagResource"'));
    const apply = resources.find(([, r]) => String(r.Properties.Create).includes('"TagResource"'));
    const stale = (JSON.parse(String(cleanup?.[1].Properties.Create)) as { parameters: { TagKeys: string[] } })
      .parameters.TagKeys;
    expect(stale).toContain('keyturn:fields');
    expect(stale).not.toContain('keyturn:length');
    expect(stale.sort()).toEqual(KEYTURN_TAG_KEYS.filter((k) => !(k in secret.tags)).sort());
    expect(apply?.[1].DependsOn).toEqual(expect.arrayContaining([cleanup?.[0]]));
  });

  test('tags with a role that may tag only this secret, only with keyturn and entry tag keys', () => {
    // THEN
    const tagger = SecretTagger.of(f.stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(tagger.role) }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: ['secretsmanager:TagResource', 'secretsmanager:UntagResource'],
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':secretsmanager:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':secret:orders/db/master-??????',
                ],
              ],
            },
            Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['keyturn:*'] } },
          },
        ],
      },
    });
  });

  test('configures native rotation by name, without rotating now, after the tags are in place', () => {
    // THEN
    const [apply, cleanup] = Object.keys(resourcesOf(template, 'Custom::AWS')).sort(); // KeyturnTags, RemoveStale...
    template.hasResource('AWS::SecretsManager::RotationSchedule', {
      Properties: {
        SecretId: 'orders/db/master',
        RotationRules: { ScheduleExpression: 'rate(45 days)', Duration: '2h' },
        RotateImmediatelyOnUpdate: false,
      },
      DependsOn: Match.arrayWith([apply, cleanup]),
    });
  });

  test('lets the rotation function rotate it by its name-based ARN, with no KMS key to grant', () => {
    // THEN
    const arns = allowStatements(template)
      .filter((s) => asArray(s.Action).includes('secretsmanager:PutSecretValue'))
      .flatMap((s) => asArray(s.Resource).map(render));
    expect(arns).toEqual([
      'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:orders/db/master-??????',
    ]);
    expect(
      allowStatements(template)
        .flatMap((s) => asArray(s.Action))
        .filter((a) => a.startsWith('kms:')),
    ).toEqual([]);
  });
});

describe('RotatedSecret, adopted by ARN', () => {
  test.each([
    [
      'a complete ARN',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:support/db/app-Ab12Cd',
      'support/db/app-Ab12Cd',
    ],
    ['a partial ARN', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:support/db/app', 'support/db/app-??????'],
  ])('grants on %s as IAM needs it, and names it by that ARN', (_case, arn, policyName) => {
    // GIVEN / WHEN
    const f = fixture();
    rotated(f, entryOf({ ...master, secret: { arn } }));

    // THEN
    const template = Template.fromStack(f.stack);
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', { SecretId: arn });
    const arns = allowStatements(template)
      .filter((s) => asArray(s.Action).includes('secretsmanager:PutSecretValue'))
      .flatMap((s) => asArray(s.Resource).map(render));
    expect(arns).toEqual([`arn:aws:secretsmanager:eu-west-1:111122223333:secret:${policyName}`]);
  });
});

describe('RotatedSecret, adopted with its own KMS key', () => {
  const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

  test.each([
    ['by name', { name: 'orders/db/master', kmsKeyArn: KEY_ARN }],
    [
      'by ARN',
      { arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders/db/master-Ab12Cd', kmsKeyArn: KEY_ARN },
    ],
  ])('%s: the rotation function may use that key, through Secrets Manager only', (_case, secret) => {
    // GIVEN / WHEN
    const f = fixture();
    rotated(f, entryOf({ ...master, secret }));

    // THEN
    Template.fromStack(f.stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: KEY_ARN,
            Condition: { StringEquals: { 'kms:ViaService': Match.anyValue() } },
          }),
        ]),
      },
    });
  });
});

describe('RotatedSecret, alternating users', () => {
  test('lets the rotation function read the master secret, and nothing more on it', () => {
    // GIVEN an adopted alternating-users secret whose master is adopted by ARN
    const f = fixture();
    const masterSecret = Secret.fromSecretCompleteArn(
      f.stack,
      'Master',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders/db/master-AbCdEf',
    );
    const entry = entryOf({
      id: 'orders-api-db',
      kind: 'postgres-alternating-users',
      secret: { name: 'orders/db/api' },
      owner,
      options: { master: { arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders/db/master-AbCdEf' } },
    });

    // WHEN
    rotated(f, entry, { masterSecret });

    // THEN
    const onMaster = allowStatements(Template.fromStack(f.stack)).filter((s) =>
      asArray(s.Resource).includes('arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders/db/master-AbCdEf'),
    );
    expect(onMaster.flatMap((s) => asArray(s.Action)).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
  });
});

describe('RotatedSecret, MySQL, Redis and RDS', () => {
  const mysqlMaster: PolicyEntryInput = {
    id: 'shop-db-master',
    kind: 'mysql-single-user',
    secret: { name: 'shop/db/master' },
    owner,
  };

  function createdTemplate(f: Fixture, secret: RotatedSecret): Record<string, unknown> {
    const generator = (resourcesOf(Template.fromStack(f.stack))[logicalIdOf(secret.secret)] as CfnResource).Properties
      .GenerateSecretString as { SecretStringTemplate: { 'Fn::Join': [string, unknown[]] } | string };
    const template = generator.SecretStringTemplate;
    return JSON.parse(typeof template === 'string' ? template : render(template)) as Record<string, unknown>;
  }

  test("a created MySQL secret names engine mysql (or the connection's mariadb) and port 3306", () => {
    // GIVEN
    const f = fixture();
    const masterSecret = rotated(f, entryOf(mysqlMaster)).secret;

    // WHEN
    const shop = rotated(
      f,
      entryOf(
        {
          id: 'shop-app-db',
          kind: 'mysql-alternating-users',
          secret: { name: 'shop/db/app', create: true },
          owner,
          options: {
            master: { entry: 'shop-db-master' },
            connection: { engine: 'mariadb', host: 'shop.internal', username: 'shop_app', dbname: 'shop' },
          },
        },
        mysqlMaster,
      ),
      { masterSecret },
    );

    // THEN
    expect(createdTemplate(f, shop)).toEqual({
      engine: 'mariadb',
      host: 'shop.internal',
      port: 3306,
      username: 'shop_app',
      dbname: 'shop',
      ssl: false,
      masterarn: 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:shop/db/master',
    });
    Template.fromStack(f.stack).hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: logicalIdOf(shop.secret) },
      RotateImmediatelyOnUpdate: true,
    });
  });

  test('a created Redis secret has no dbname, port 6379, and rotates once created (the master adds its password)', () => {
    // GIVEN
    const f = fixture();
    const masterSecret = Secret.fromSecretNameV2(f.stack, 'RedisAdmin', 'cache/admin');

    // WHEN
    const cache = rotated(
      f,
      entryOf({
        id: 'sessions-cache',
        kind: 'redis-user',
        secret: { name: 'cache/sessions', create: true },
        owner,
        options: {
          master: { arn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:cache/admin-AbCdEf' },
          connection: { host: 'cache.internal', username: 'sessions', ssl: true },
        },
      }),
      { masterSecret },
    );

    // THEN
    const value = createdTemplate(f, cache);
    expect(value).toMatchObject({
      engine: 'redis',
      host: 'cache.internal',
      port: 6379,
      username: 'sessions',
      ssl: true,
    });
    expect(value).not.toHaveProperty('dbname');
    Template.fromStack(f.stack).hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: logicalIdOf(cache.secret) },
      RotateImmediatelyOnUpdate: true,
    });
  });

  test('a created secret that names its RDS instance instead of a host gets dbInstanceIdentifier, and the function may describe that instance only', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    const ledger = rotated(
      f,
      entryOf({
        id: 'ledger-db',
        kind: 'postgres-single-user',
        secret: { name: 'payments/db/ledger', create: true },
        owner,
        options: { rds: { instance: 'ledger-prod' }, connection: { username: 'ledger' } },
      }),
    );

    // THEN
    const value = createdTemplate(f, ledger);
    expect(value).toMatchObject({ engine: 'postgres', dbInstanceIdentifier: 'ledger-prod', port: 5432 });
    expect(value).not.toHaveProperty('host');
    const rdsStatements = allowStatements(Template.fromStack(f.stack)).filter((s) =>
      asArray(s.Action).some((a) => a.startsWith('rds:')),
    );
    expect(rdsStatements).toHaveLength(1);
    expect(asArray(rdsStatements[0]?.Action)).toEqual(['rds:DescribeDBInstances']);
    expect(render(asArray(rdsStatements[0]?.Resource)[0])).toBe(
      'arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:ledger-prod',
    );
  });

  test('an ElastiCache user: the created secret names its userId, and the function may modify that user only', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    const cache = rotated(
      f,
      entryOf({
        id: 'checkout-cache',
        kind: 'elasticache-user',
        secret: { name: 'cache/checkout', create: true },
        owner,
        options: {
          userId: 'checkout-app',
          connection: { host: 'clustercfg.checkout.cache.internal', username: 'checkout', ssl: true },
        },
      }),
    );

    // THEN
    expect(createdTemplate(f, cache)).toMatchObject({ engine: 'redis', userId: 'checkout-app', port: 6379, ssl: true });
    Template.fromStack(f.stack).hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: logicalIdOf(cache.secret) },
      RotateImmediatelyOnUpdate: true,
    });
    const onUsers = allowStatements(Template.fromStack(f.stack)).filter((s) =>
      asArray(s.Action).some((a) => a.startsWith('elasticache:')),
    );
    expect(onUsers.map((s) => [asArray(s.Action).sort(), render(asArray(s.Resource)[0])])).toEqual([
      [
        ['elasticache:DescribeUsers', 'elasticache:ModifyUser'],
        'arn:${AWS::Partition}:elasticache:${AWS::Region}:${AWS::AccountId}:user:checkout-app',
      ],
    ]);
  });

  test('an Aurora cluster: describe that cluster, and instances (its members) in a policy of their own', () => {
    // GIVEN
    const f = fixture();

    // WHEN
    rotated(
      f,
      entryOf({
        id: 'orders-aurora',
        kind: 'mysql-single-user',
        secret: { name: 'orders/aurora/app' },
        owner,
        options: { rds: { cluster: 'orders-aurora' } },
      }),
    );

    // THEN
    const template = Template.fromStack(f.stack);
    const rdsActions = allowStatements(template)
      .filter((s) => asArray(s.Action).some((a) => a.startsWith('rds:')))
      .map((s) => [asArray(s.Action), render(asArray(s.Resource)[0])]);
    expect(rdsActions).toEqual(
      expect.arrayContaining([
        [
          ['rds:DescribeDBClusters'],
          'arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:orders-aurora',
        ],
        [['rds:DescribeDBInstances'], 'arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:db:*'],
      ]),
    );
    expect(rdsActions).toHaveLength(2);
  });
});

describe('RotatedSecret validation', () => {
  test.each<[string, () => void, RegExp]>([
    [
      'a created secret without a key',
      () => rotated(fixture(), entryOf(apiKey), { encryptionKey: undefined }),
      /entry "payments-api-key" creates secret "payments\/api-key": an encryptionKey is required/,
    ],
    [
      'alternating users without a master secret',
      () =>
        rotated(
          fixture(),
          entryOf(
            {
              id: 'orders-api-db',
              kind: 'postgres-alternating-users',
              secret: { name: 'orders/db/api' },
              owner,
              options: { master: { entry: 'orders-db-master' } },
            },
            master,
          ),
        ),
      /entry "orders-api-db" is postgres-alternating-users: a masterSecret is required/,
    ],
    [
      'a master secret for a random entry',
      () => {
        const f = fixture();
        rotated(f, entryOf(apiKey), { masterSecret: Secret.fromSecretNameV2(f.stack, 'M', 'm') });
      },
      /entry "payments-api-key" is random: only kinds that rotate through a master user take a masterSecret/,
    ],
    [
      'more tags than Secrets Manager allows on a secret',
      () =>
        rotated(
          fixture(),
          entryOf({
            ...apiKey,
            tags: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`team-tag-${i}`, 'x'])),
          }),
        ),
      /entry "payments-api-key" would put \d+ tags on its secret \(40 of its own, the rest keyturn's\): Secrets Manager allows 50/,
    ],
    [
      'a cron that never fires again',
      () => rotated(fixture(), entryOf({ ...master, schedule: { expression: 'cron(0 4 1 JAN ? 2020)' } })),
      /entry "orders-db-master" schedule cron\(0 4 1 JAN \? 2020\): .*never fires/,
    ],
  ])('rejects %s, naming the entry', (_case, build, message) => {
    expect(build).toThrow(message);
  });
});
