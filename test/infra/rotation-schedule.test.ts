import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { LifecycleRequest } from '../../functions/shared/lifecycle-contract';
import {
  LifecycleSchedule,
  type LifecycleScheduleProps,
  backstopScheduleExpression,
  schedulerExpression,
  windowDuration,
} from '../../infra/constructs/rotation-schedule';
import { REFERENCE_DATE, logicalIdOf, newStack } from './support/infra';

describe('the native rotation backstop', () => {
  test.each([
    ['rate(30 days)', 'rate(45 days)'],
    ['rate(1 day)', 'rate(2 days)'],
    ['rate(7 days)', 'rate(11 days)'],
    ['rate(999 days)', 'rate(999 days)'],
    ['rate(1000 days)', 'rate(999 days)'],
    ['rate(4 hours)', 'rate(6 hours)'],
    ['rate(12 hours)', 'rate(18 hours)'],
    ['rate(15 hours)', 'rate(23 hours)'],
    ['rate(16 hours)', 'rate(1 day)'],
    ['rate(20 hours)', 'rate(2 days)'],
    ['rate(48 hours)', 'rate(3 days)'],
  ])('for %s is %s: 1.5 times the interval, rounded up, at most 999 days', (lifecycle, backstop) => {
    // GIVEN a rate schedule / WHEN / THEN
    expect(backstopScheduleExpression(lifecycle, REFERENCE_DATE)).toBe(backstop);
  });

  test.each([
    ['weekly', 'cron(0 3 ? * MON *)', 'rate(11 days)'], // 7 d gap -> 10.5 d
    ['daily', 'cron(0 4 * * ? *)', 'rate(2 days)'], // 24 h -> 36 h
    ['twice a day', 'cron(0 4,16 * * ? *)', 'rate(18 hours)'], // longest gap 12 h -> 18 h
    ['at 4 and 8 o clock', 'cron(0 4,8 * * ? *)', 'rate(2 days)'], // longest gap 20 h -> 30 h
    ['monthly, on the 1st', 'cron(0 4 1 * ? *)', 'rate(47 days)'], // 31 d -> 46.5 d
    ['first Sunday of the month', 'cron(0 0 ? * SUN#1 *)', 'rate(53 days)'], // 35 d -> 52.5 d
    ['once a year', 'cron(0 4 1 JAN ? *)', 'rate(548 days)'], // 365 d -> 547.5 d
  ])('for a %s cron is 1.5 times its longest gap over the next year', (_name, cron, backstop) => {
    // GIVEN a cron schedule and a fixed day / WHEN / THEN
    expect(backstopScheduleExpression(cron, REFERENCE_DATE)).toBe(backstop);
  });

  test('for a cron that fires once more is the longest backstop there is', () => {
    // GIVEN a cron limited to one more occurrence / WHEN / THEN
    expect(backstopScheduleExpression('cron(0 4 1 JAN ? 2026)', new Date('2025-06-01T00:00:00Z'))).toBe(
      'rate(999 days)',
    );
  });

  test('refuses a cron that never fires again, naming it', () => {
    // GIVEN a cron whose years are over / WHEN / THEN
    expect(() => backstopScheduleExpression('cron(0 4 1 JAN ? 2020)', REFERENCE_DATE)).toThrow(
      /cron\(0 4 1 JAN \? 2020\) never fires after 2026-01-01/,
    );
  });
});

describe('schedule expressions for EventBridge Scheduler', () => {
  test.each([
    ['rate(1 days)', 'rate(1 day)'],
    ['rate(30 day)', 'rate(30 days)'],
    ['rate(6 hours)', 'rate(6 hours)'],
    ['cron(0 3 ? * MON *)', 'cron(0 3 ? * MON *)'],
  ])('%s becomes %s (singular unit for 1, plural otherwise; cron unchanged)', (input, output) => {
    expect(schedulerExpression(input)).toBe(output);
  });

  test('windows are whole hours from 1h to 24h', () => {
    expect(windowDuration('4h').toMinutes()).toBe(240);
    expect(() => windowDuration('90m')).toThrow(/whole hours from 1h to 24h, got "90m"/);
    expect(() => windowDuration('25h')).toThrow(/got "25h"/);
  });
});

describe('LifecycleSchedule', () => {
  function build(overrides: Partial<LifecycleScheduleProps> = {}) {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const queue = new sqs.Queue(stack, 'Dlq', { encryption: sqs.QueueEncryption.KMS, encryptionMasterKey: key });
    const stateMachine = new sfn.StateMachine(stack, 'Lifecycle', {
      definitionBody: sfn.DefinitionBody.fromChainable(new sfn.Pass(stack, 'Pass')),
    });
    const role = new iam.Role(stack, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
    });
    const group = new scheduler.ScheduleGroup(stack, 'Group', { scheduleGroupName: 'keyturn' });
    const secret = Secret.fromSecretNameV2(stack, 'Secret', 'orders/db/api');
    const props: LifecycleScheduleProps = {
      entryId: 'orders-api-db',
      secret,
      expression: 'cron(0 3 ? * MON *)',
      window: Duration.hours(3),
      stateMachine,
      role,
      deadLetterQueue: queue,
      group,
      ...overrides,
    };
    return { stack, props, key, queue, stateMachine, role, group };
  }

  test('starts the lifecycle state machine on the entry schedule, in UTC, within a flexible window', () => {
    // GIVEN
    const { stack, props, stateMachine, role, queue } = build();

    // WHEN
    new LifecycleSchedule(stack, 'Schedule', props);

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'orders-api-db',
      GroupName: Match.anyValue(),
      ScheduleExpression: 'cron(0 3 ? * MON *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 180 },
      State: 'ENABLED',
      Target: {
        Arn: { Ref: logicalIdOf(stateMachine) },
        RoleArn: { 'Fn::GetAtt': [logicalIdOf(role), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(queue), 'Arn'] } },
      },
    });
  });

  test("sends a LifecycleRequest: the secret, trigger schedule, the entry, and Scheduler's scheduled time", () => {
    // GIVEN
    const { stack, props } = build();

    // WHEN
    new LifecycleSchedule(stack, 'Schedule', props);

    // THEN
    const schedule = Object.values(Template.fromStack(stack).findResources('AWS::Scheduler::Schedule'))[0] as {
      Properties: { Target: { Input: { 'Fn::Join': [string, unknown[]] } } };
    };
    const input = schedule.Properties.Target.Input['Fn::Join'][1]
      .map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`))
      .join('');
    const request: LifecycleRequest = {
      secretArn: 'arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:orders/db/api',
      trigger: 'schedule',
      entryId: 'orders-api-db',
      // The context attribute Scheduler replaces with the time the schedule was due.
      scheduledTime: '<aws.scheduler.scheduled-time>',
    };
    expect(JSON.parse(input)).toEqual(request);
  });

  test('lets its role start that state machine and send to the dead-letter queue, with exact KMS actions', () => {
    // GIVEN
    const { stack, props, stateMachine, queue, key, role } = build();

    // WHEN
    new LifecycleSchedule(stack, 'Schedule', props);

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(role) }],
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: logicalIdOf(stateMachine) } },
          { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [logicalIdOf(queue), 'Arn'] } },
          {
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: { 'Fn::GetAtt': [logicalIdOf(key), 'Arn'] },
          },
        ],
      },
    });
  });

  test('writes rate expressions the way Scheduler wants them', () => {
    // GIVEN
    const { stack, props } = build({ expression: 'rate(1 days)', window: Duration.hours(24) });

    // WHEN
    new LifecycleSchedule(stack, 'Schedule', props);

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 day)',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1440 },
    });
  });

  test.each<[string, Partial<LifecycleScheduleProps>, RegExp]>([
    [
      'a 25-hour window',
      { window: Duration.hours(25) },
      /window must be whole minutes from 1 minute to 24 hours, got 1 day 1 hour/,
    ],
    ['186 retries', { retryAttempts: 186 }, /retryAttempts must be an integer from 0 to 185, got 186/],
    ['a 30-second event age', { maxEventAge: Duration.seconds(30) }, /maxEventAge .* got 30 seconds/],
    ['an id Scheduler cannot name', { entryId: 'Orders_DB' }, /entryId must be a schedule name .* got "Orders_DB"/],
    ['a 2-hour rate', { expression: 'rate(2 hours)' }, /at least 4 hours.*got "rate\(2 hours\)"/],
  ])('rejects %s, showing the bad value', (_case, overrides, message) => {
    // GIVEN bad props / WHEN / THEN
    const { stack, props } = build(overrides);
    expect(() => new LifecycleSchedule(stack, 'Schedule', props)).toThrow(message);
  });
});
