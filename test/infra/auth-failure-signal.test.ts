import { Match } from 'aws-cdk-lib/assertions';
import { AuthFailureTag } from '../../functions/shared/auth-failure-metric';
import { LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { keyturnTags } from '../../infra/policy/strategy-tags';
import type { PolicyEntryInput } from '../../infra/policy/schema';
import { findings, synthesizeApp } from './support/app';
import { entryOf, owner, policyInput, policyOf } from './support/infra';
import { parsePolicy } from '../../infra/policy/load-policy';

const ordersDb: PolicyEntryInput = {
  id: 'orders-db',
  kind: 'postgres-alternating-users',
  secret: { name: 'orders/db', create: true },
  owner,
  options: {
    master: { arn: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:orders/master-AbCdEf' },
    rds: { instance: 'orders-prod' },
    connection: { username: 'orders_app' },
  },
  authFailures: { threshold: 3, window: '10m' },
};
const sessions: PolicyEntryInput = {
  id: 'sessions-cache',
  kind: 'elasticache-user',
  secret: { name: 'sessions/cache' },
  owner,
  options: { userId: 'sessions-app' },
  authFailures: { cacheClusterId: 'sessions-0001-001' },
};

function problems(entry: PolicyEntryInput): string {
  try {
    parsePolicy(policyInput([entry]), 'test.policy.ts');
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('policy authFailures', () => {
  it("writes the watch settings and the signal's metric onto the secret, defaults filled in", () => {
    expect(keyturnTags(entryOf(ordersDb))).toMatchObject({
      [LifecycleTag.authFailuresThreshold]: '3',
      [LifecycleTag.authFailuresWindowSeconds]: '600',
      [LifecycleTag.authFailuresCheckSeconds]: '60',
      [AuthFailureTag.namespace]: 'keyturn',
      [AuthFailureTag.metricName]: 'AuthFailures-orders-db',
    });
    expect(keyturnTags(entryOf(sessions))).toMatchObject({
      [LifecycleTag.authFailuresThreshold]: '4',
      [LifecycleTag.authFailuresWindowSeconds]: '900',
      [AuthFailureTag.namespace]: 'AWS/ElastiCache',
      [AuthFailureTag.metricName]: 'AuthenticationFailures',
      [AuthFailureTag.dimensions]: 'CacheClusterId=sessions-0001-001',
    });
    const { authFailures, ...without } = ordersDb;
    expect(authFailures).toBeDefined();
    expect(Object.keys(keyturnTags(entryOf(without))).filter((t) => t.startsWith('keyturn:auth-failures'))).toEqual([]);
  });

  it('matches both users of an alternating pair exactly, in the RDS log export of the instance or cluster', () => {
    expect(entryOf(ordersDb).authFailures?.logFilter).toEqual({
      logGroupName: '/aws/rds/instance/orders-prod/postgresql',
      phrases: [
        'password authentication failed for user "orders_app"',
        'password authentication failed for user "orders_app_clone"',
      ],
    });
    const mysql = entryOf({
      ...ordersDb,
      kind: 'mysql-single-user',
      options: { rds: { cluster: 'orders-aurora' }, connection: { username: 'orders_app' } },
    });
    expect(mysql.authFailures?.logFilter).toEqual({
      logGroupName: '/aws/rds/cluster/orders-aurora/error',
      phrases: ["Access denied for user 'orders_app'@"],
    });
  });

  it('refuses what synth cannot know or no kind can observe, naming the field', () => {
    const adopted = { ...ordersDb, secret: { name: 'orders/db' } };
    const { connection: _dropped, ...adoptedOptions } = ordersDb.options as Record<string, unknown>;
    expect(problems({ ...adopted, options: adoptedOptions } as PolicyEntryInput)).toMatch(
      /authFailures\.users: is required for an adopted secret: synth cannot read its user names .*<user>_clone/,
    );
    const { rds: _rds, ...noRds } = ordersDb.options as Record<string, unknown>;
    expect(problems({ ...ordersDb, options: noRds } as PolicyEntryInput)).toMatch(
      /authFailures\.logGroup: is required unless options\.rds names/,
    );
    expect(problems({ ...sessions, authFailures: {} })).toMatch(/authFailures\.cacheClusterId: is required/);
    expect(
      problems({
        id: 'deploy-key',
        kind: 'iam-access-key',
        secret: { name: 'deploy/key' },
        owner,
        options: { userName: 'deployer' },
        authFailures: {},
      }),
    ).toMatch(/authFailures: an iam-access-key entry has no auth-failure signal keyturn can read/);
    expect(problems({ ...ordersDb, authFailures: { threshold: 1 } })).toMatch(/threshold: .*at least 2/);
    expect(problems({ ...ordersDb, authFailures: { window: '10m', checkEvery: '20m' } })).toMatch(
      /authFailures\.checkEvery: must be from 1m to the window/,
    );
  });
});

describe('the synthesized app', () => {
  const app = synthesizeApp({ policy: policyOf([ordersDb, sessions]) });
  const secrets = [...app.templates.values()].filter((t) => t !== app.core);

  it('puts a metric filter on the RDS log export, an alarm per entry, and lets the rotation function read the metrics', () => {
    const template = secrets.find((t) => Object.keys(t.findResources('AWS::Logs::MetricFilter')).length > 0);
    expect(template).toBeDefined();
    const filters = Object.values(template?.findResources('AWS::Logs::MetricFilter') ?? {}).map(
      (r) => (r as { Properties: Record<string, unknown> }).Properties,
    );
    expect(filters).toEqual(
      ['orders_app', 'orders_app_clone'].map((user) => ({
        LogGroupName: '/aws/rds/instance/orders-prod/postgresql',
        FilterPattern: `"password authentication failed for user \\"${user}\\""`,
        MetricTransformations: [
          { MetricNamespace: 'keyturn', MetricName: 'AuthFailures-orders-db', MetricValue: '1', Unit: 'Count' },
        ],
      })),
    );
    const statOf = (namespace: string, metricName: string, period: number, dimensions?: object[]) => [
      Match.objectLike({
        MetricStat: Match.objectLike({
          Metric: { Namespace: namespace, MetricName: metricName, ...(dimensions ? { Dimensions: dimensions } : {}) },
          Period: period,
          Stat: 'Sum',
        }),
      }),
    ];
    template?.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('-auth-failures-orders-db$'),
      Metrics: statOf('keyturn', 'AuthFailures-orders-db', 600),
      Threshold: 3,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmDescription: Match.stringLikeRegexp('#runbook-auth-failures-of-an-entry$'),
    });
    template?.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: statOf('AWS/ElastiCache', 'AuthenticationFailures', 900, [
        { Name: 'CacheClusterId', Value: 'sessions-0001-001' },
      ]),
      Threshold: 4,
    });
    template?.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'cloudwatch:GetMetricData', Effect: 'Allow', Resource: '*' }] },
    });
  });

  it("charts every entry's signal beside M4 on the dashboard", () => {
    const body = JSON.stringify(app.core.findResources('AWS::CloudWatch::Dashboard'));
    expect(body).toContain("SEARCH('{keyturn} AuthFailures', 'Sum', 3600)");
    expect(body).toContain('AuthenticationFailures');
  });

  it('stays cdk-nag clean', () => {
    expect(findings(app.report)).toEqual([]);
  });
});
