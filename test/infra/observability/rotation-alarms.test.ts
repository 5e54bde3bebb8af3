import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { STRATEGY_NAMES } from '../../../functions/strategies/strategy';
import {
  AlarmSeverity,
  DEFAULT_ALARM_STRATEGIES,
  PENDING_DELETION_FILTER_PATTERN,
  QueueAlarms,
  RotationAlarms,
  type RotationAlarmsProps,
  RunbookAnchor,
} from '../../../infra/constructs/observability';
import {
  type AlarmProperties,
  LIFECYCLE_ARN,
  alarmNamed,
  alarmsByName,
  dimensionsOf,
  newStack,
  orchestration,
  render,
} from './support';

const RUNBOOKS = 'https://github.com/example/keyturn/blob/main/docs/runbooks.md';
const ROTATE = { service: 'keyturn-rotate-secret' };
const LIFECYCLE = { service: 'keyturn-lifecycle' };
const QUEUE_ARN_PREFIX = 'arn:aws:sqs:eu-west-1:111111111111:';

interface Watched {
  readonly namespace: string;
  readonly metric: string;
  readonly dimensions: Record<string, string>;
  readonly stat: string;
  readonly period: number;
}

/** The single metric an alarm watches (a plain metric alarm, or a one-metric math alarm). */
function watched(alarm: AlarmProperties): Watched {
  if (alarm.MetricName !== undefined) {
    return {
      namespace: alarm.Namespace ?? '',
      metric: alarm.MetricName,
      dimensions: dimensionsOf(alarm.Dimensions),
      stat: alarm.ExtendedStatistic ?? alarm.Statistic ?? '',
      period: alarm.Period ?? 0,
    };
  }
  const stats = (alarm.Metrics ?? []).filter((m) => m.MetricStat);
  expect(stats).toHaveLength(1);
  const stat = stats[0]?.MetricStat;
  return {
    namespace: stat?.Metric.Namespace ?? '',
    metric: stat?.Metric.MetricName ?? '',
    dimensions: dimensionsOf(stat?.Metric.Dimensions),
    stat: stat?.Stat ?? '',
    period: stat?.Period ?? 0,
  };
}

/** A metric-math alarm's expression and its inputs by id. */
function expressionOf(alarm: AlarmProperties): { expression: string; inputs: Record<string, Watched> } {
  const queries = alarm.Metrics ?? [];
  const returned = queries.filter((q) => q.ReturnData !== false);
  expect(returned).toHaveLength(1);
  const inputs: Record<string, Watched> = {};
  for (const q of queries) {
    if (!q.MetricStat) continue;
    inputs[q.Id] = {
      namespace: q.MetricStat.Metric.Namespace,
      metric: q.MetricStat.Metric.MetricName,
      dimensions: dimensionsOf(q.MetricStat.Metric.Dimensions),
      stat: q.MetricStat.Stat,
      period: q.MetricStat.Period,
    };
  }
  return { expression: returned[0]?.Expression ?? '', inputs };
}

describe('RotationAlarms with the default thresholds', () => {
  let template: Template;
  let alarms: Map<string, AlarmProperties>;
  let construct: RotationAlarms;
  let pageTopicRef: string;
  let ticketTopicRef: string;

  beforeAll(() => {
    // GIVEN a paging topic, a ticket topic, one state machine and one function
    const { stack } = newStack();
    const pageTopic = new sns.Topic(stack, 'Page');
    const ticketTopic = new sns.Topic(stack, 'Ticket');
    const { stateMachine, fn } = orchestration(stack);

    // WHEN
    construct = new RotationAlarms(stack, 'Alarms', {
      pageTopic,
      ticketTopic,
      stateMachines: [stateMachine],
      functions: [fn],
      runbookBaseUrl: RUNBOOKS,
    });
    template = Template.fromStack(stack);
    alarms = alarmsByName(template);
    pageTopicRef = `\${${stack.getLogicalId(pageTopic.node.defaultChild as sns.CfnTopic)}}`;
    ticketTopicRef = `\${${stack.getLogicalId(ticketTopic.node.defaultChild as sns.CfnTopic)}}`;
  });

  test('has one rotation-failure alarm per registered strategy, plus one for steps that failed before a strategy', () => {
    // THEN
    expect(DEFAULT_ALARM_STRATEGIES).toEqual([...STRATEGY_NAMES, 'unknown']);
    for (const strategy of DEFAULT_ALARM_STRATEGIES) {
      const alarm = alarmNamed(alarms, `Keyturn-rotation-failed-${strategy}`);
      expect(watched(alarm)).toEqual({
        namespace: 'keyturn',
        metric: 'RotationFailed',
        dimensions: { ...ROTATE, Strategy: strategy },
        stat: 'Sum',
        period: 300,
      });
      expect(alarm).toMatchObject({
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  test.each<[string, Watched, number, string, string]>([
    [
      'Keyturn-time-to-rotate',
      { namespace: 'keyturn', metric: 'RotationDuration', dimensions: ROTATE, stat: 'p95', period: 3600 },
      300_000,
      'GreaterThanThreshold',
      'notBreaching',
    ],
    [
      'Keyturn-old-credential-in-use',
      { namespace: 'keyturn', metric: 'OldCredentialInUse', dimensions: LIFECYCLE, stat: 'Sum', period: 3600 },
      0,
      'GreaterThanThreshold',
      'notBreaching',
    ],
    [
      'Keyturn-auth-failures-after-rotation',
      { namespace: 'keyturn', metric: 'AuthFailuresAfterRotation', dimensions: LIFECYCLE, stat: 'Sum', period: 3600 },
      5,
      'GreaterThanOrEqualToThreshold',
      'notBreaching',
    ],
    [
      'Keyturn-revocation-latency',
      { namespace: 'keyturn', metric: 'RevocationLatency', dimensions: LIFECYCLE, stat: 'Maximum', period: 3600 },
      120_000,
      'GreaterThanThreshold',
      'notBreaching',
    ],
    [
      'Keyturn-recovery-time',
      { namespace: 'keyturn', metric: 'RecoveryTime', dimensions: LIFECYCLE, stat: 'Maximum', period: 3600 },
      900_000,
      'GreaterThanThreshold',
      'notBreaching',
    ],
    [
      'Keyturn-state-machine-throttled-keyturn-lifecycle',
      {
        namespace: 'AWS/States',
        metric: 'ExecutionThrottled',
        dimensions: { StateMachineArn: LIFECYCLE_ARN },
        stat: 'Sum',
        period: 300,
      },
      1,
      'GreaterThanOrEqualToThreshold',
      'notBreaching',
    ],
    [
      'Keyturn-lambda-errors-keyturn-verify',
      {
        namespace: 'AWS/Lambda',
        metric: 'Errors',
        dimensions: { FunctionName: 'keyturn-verify' },
        stat: 'Sum',
        period: 300,
      },
      1,
      'GreaterThanOrEqualToThreshold',
      'notBreaching',
    ],
    [
      'Keyturn-lambda-throttles-keyturn-verify',
      {
        namespace: 'AWS/Lambda',
        metric: 'Throttles',
        dimensions: { FunctionName: 'keyturn-verify' },
        stat: 'Sum',
        period: 300,
      },
      1,
      'GreaterThanOrEqualToThreshold',
      'notBreaching',
    ],
  ])('%s watches its metric against the starting target', (name, metric, threshold, comparison, missing) => {
    // THEN
    const alarm = alarmNamed(alarms, name);
    expect(watched(alarm)).toEqual(metric);
    expect(alarm).toMatchObject({
      Threshold: threshold,
      ComparisonOperator: comparison,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: missing,
    });
  });

  test('the success-rate alarm divides succeeded by attempted rotations over a day, without SEARCH', () => {
    // THEN
    const alarm = alarmNamed(alarms, 'Keyturn-rotation-success-rate');
    const { expression, inputs } = expressionOf(alarm);
    expect(expression).toBe(
      'IF((FILL(ok, 0) + FILL(failed, 0)) > 0, 100 * FILL(ok, 0) / (FILL(ok, 0) + FILL(failed, 0)), 100)',
    );
    expect(expression).not.toMatch(/SEARCH/);
    expect(inputs).toEqual({
      ok: { namespace: 'keyturn', metric: 'RotationSucceeded', dimensions: ROTATE, stat: 'Sum', period: 86_400 },
      failed: { namespace: 'keyturn', metric: 'RotationFailed', dimensions: ROTATE, stat: 'Sum', period: 86_400 },
    });
    expect(alarm).toMatchObject({
      Threshold: 99.9,
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
  });

  test('the rotation-overdue alarm counts overdue secrets, overdue keys and unchecked keys; no data breaches', () => {
    // THEN
    const alarm = alarmNamed(alarms, 'Keyturn-rotation-overdue');
    const { expression, inputs } = expressionOf(alarm);
    // SecretsOverdue is not filled: a freshness check that stopped publishing leaves no datapoint at all
    expect(expression).toBe('secrets + FILL(keys, 0) + FILL(unchecked, 0)');
    const gauge = (metric: string): Watched => ({
      namespace: 'keyturn',
      metric,
      dimensions: LIFECYCLE,
      stat: 'Maximum',
      period: 3600,
    });
    expect(inputs).toEqual({
      secrets: gauge('SecretsOverdue'),
      keys: gauge('KeysOverdue'),
      unchecked: gauge('KeysUnchecked'),
    });
    expect(alarm).toMatchObject({
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'breaching',
    });
  });

  test('the audit-completeness alarm compares recorded with expected audit events over an hour', () => {
    // THEN
    const alarm = alarmNamed(alarms, 'Keyturn-audit-completeness');
    const { expression, inputs } = expressionOf(alarm);
    expect(expression).toBe('IF(FILL(expected, 0) > 0, 100 * FILL(recorded, 0) / FILL(expected, 0), 100)');
    expect(inputs).toEqual({
      expected: {
        namespace: 'keyturn',
        metric: 'AuditEventsExpected',
        dimensions: LIFECYCLE,
        stat: 'Sum',
        period: 3600,
      },
      recorded: { namespace: 'keyturn', metric: 'AuditEventsRecorded', dimensions: {}, stat: 'Sum', period: 3600 },
    });
    expect(alarm).toMatchObject({ Threshold: 100, ComparisonOperator: 'LessThanThreshold', EvaluationPeriods: 1 });
  });

  test('the state-machine alarm counts failed and timed-out executions together', () => {
    // THEN
    const alarm = alarmNamed(alarms, 'Keyturn-state-machine-failed-keyturn-lifecycle');
    const { expression, inputs } = expressionOf(alarm);
    expect(expression).toBe('FILL(failed, 0) + FILL(timedOut, 0)');
    const sfnMetric = (metric: string): Watched => ({
      namespace: 'AWS/States',
      metric,
      dimensions: { StateMachineArn: LIFECYCLE_ARN },
      stat: 'Sum',
      period: 300,
    });
    expect(inputs).toEqual({ failed: sfnMetric('ExecutionsFailed'), timedOut: sfnMetric('ExecutionsTimedOut') });
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  test('paging alarms notify the page topic on ALARM and on OK; ticket alarms the ticket topic on ALARM only', () => {
    // THEN
    const paging = [
      ...DEFAULT_ALARM_STRATEGIES.map((s) => `Keyturn-rotation-failed-${s}`),
      'Keyturn-auth-failures-after-rotation',
      'Keyturn-policy-secrets-missing',
      'Keyturn-state-machine-failed-keyturn-lifecycle',
      'Keyturn-lambda-errors-keyturn-verify',
    ];
    for (const [name, alarm] of alarms) {
      const actions = (alarm.AlarmActions ?? []).map(render);
      const okActions = (alarm.OKActions ?? []).map(render);
      if (paging.includes(name)) {
        expect({ name, actions, okActions }).toEqual({ name, actions: [pageTopicRef], okActions: [pageTopicRef] });
      } else {
        expect({ name, actions, okActions }).toEqual({ name, actions: [ticketTopicRef], okActions: [] });
      }
    }
    expect(construct.withSeverity(AlarmSeverity.PAGE)).toHaveLength(paging.length);
    expect(construct.all).toHaveLength(alarms.size);
  });

  test('every description says what happened and what to do first, and ends with its runbook link', () => {
    // THEN
    const anchors = new Set<string>(Object.values(RunbookAnchor));
    for (const [name, alarm] of alarms) {
      const description = render(alarm.AlarmDescription);
      expect({ name, description }).toEqual({
        name,
        description: expect.stringMatching(/^keyturn: .+ First: .+ Runbook: \S+#runbook-[a-z-]+$/) as string,
      });
      const anchor = /#([a-z-]+)$/.exec(description)?.[1] ?? '';
      expect(anchors).toContain(anchor);
      expect(description).toContain(`${RUNBOOKS}#${anchor}`);
      expect(description.length).toBeLessThanOrEqual(1024);
    }
  });

  test.each([
    ['stuck-awspending', 'SecretsStuckPending', RunbookAnchor.StuckPending],
    ['rotation-disabled', 'SecretsRotationDisabled', RunbookAnchor.RotationDisabled],
    ['unmanaged-tagged-secrets', 'UnmanagedTaggedSecrets', RunbookAnchor.UnmanagedTaggedSecrets],
    ['policy-secrets-missing', 'PolicySecretsMissing', RunbookAnchor.PolicySecretMissing],
    ['managed-secrets-not-in-policy', 'ManagedSecretsNotInPolicy', RunbookAnchor.ManagedSecretNotInPolicy],
    ['replicas-out-of-sync', 'ReplicasOutOfSync', RunbookAnchor.ReplicaOutOfSync],
  ])(
    'the inventory alarm %s fires on any %s in the hour, links its runbook; no data is no finding',
    (name, metric, anchor) => {
      // THEN
      const alarm = alarmNamed(alarms, `Keyturn-${name}`);
      expect(watched(alarm)).toEqual({
        namespace: 'keyturn',
        metric,
        dimensions: LIFECYCLE,
        stat: 'Maximum',
        period: 3600,
      });
      expect(alarm).toMatchObject({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
      expect(render(alarm.AlarmDescription)).toMatch(new RegExp(`#${anchor}$`));
    },
  );

  test('links each alarm to the runbook for its failure', () => {
    // THEN
    const anchorOf = (name: string): string =>
      /#([a-z-]+)$/.exec(render(alarmNamed(alarms, name).AlarmDescription))?.[1] ?? '';
    expect(anchorOf('Keyturn-rotation-failed-random')).toBe(RunbookAnchor.RotationFailed);
    expect(anchorOf('Keyturn-rotation-success-rate')).toBe(RunbookAnchor.SuccessRate);
    expect(anchorOf('Keyturn-time-to-rotate')).toBe(RunbookAnchor.TimeToRotate);
    expect(anchorOf('Keyturn-rotation-overdue')).toBe(RunbookAnchor.RotationOverdue);
    expect(anchorOf('Keyturn-old-credential-in-use')).toBe(RunbookAnchor.OldCredentialInUse);
    expect(anchorOf('Keyturn-auth-failures-after-rotation')).toBe(RunbookAnchor.AuthFailuresAfterRotation);
    expect(anchorOf('Keyturn-revocation-latency')).toBe(RunbookAnchor.RevocationLatency);
    expect(anchorOf('Keyturn-audit-completeness')).toBe(RunbookAnchor.AuditCompleteness);
    expect(anchorOf('Keyturn-recovery-time')).toBe(RunbookAnchor.RecoveryTime);
    expect(anchorOf('Keyturn-state-machine-failed-keyturn-lifecycle')).toBe(RunbookAnchor.OrchestrationErrors);
    expect(anchorOf('Keyturn-lambda-errors-keyturn-verify')).toBe(RunbookAnchor.OrchestrationErrors);
    expect(anchorOf('Keyturn-state-machine-throttled-keyturn-lifecycle')).toBe(RunbookAnchor.Throttling);
    expect(anchorOf('Keyturn-lambda-throttles-keyturn-verify')).toBe(RunbookAnchor.Throttling);
  });
});

describe('RotationAlarms for state machines that say what their failure means', () => {
  test("uses each one's description, runbook and severity; a bare state machine keeps the defaults", () => {
    // GIVEN a paging and a ticket topic, a lifecycle described as such and a fleet that only needs a ticket
    const { stack } = newStack();
    const pageTopic = new sns.Topic(stack, 'Page');
    const ticketTopic = new sns.Topic(stack, 'Ticket');
    const { stateMachine: lifecycle } = orchestration(stack);
    const fleet = sfn.StateMachine.fromStateMachineArn(stack, 'Fleet', LIFECYCLE_ARN.replace('lifecycle', 'fleet'));
    const other = sfn.StateMachine.fromStateMachineArn(stack, 'Other', LIFECYCLE_ARN.replace('lifecycle', 'other'));

    // WHEN
    new RotationAlarms(stack, 'Alarms', {
      pageTopic,
      ticketTopic,
      strategies: [],
      stateMachines: [
        {
          stateMachine: lifecycle,
          failureMeaning: 'A lifecycle execution failed. First: read the failing state.',
          failureRunbook: RunbookAnchor.LifecycleExecutionFailed,
        },
        {
          stateMachine: fleet,
          failureRunbook: RunbookAnchor.FleetRotationFailed,
          failureSeverity: AlarmSeverity.TICKET,
        },
        other,
        // listed twice: still one alarm
        lifecycle,
      ],
    });
    const alarms = alarmsByName(Template.fromStack(stack));

    // THEN
    const description = (name: string): string => render(alarmNamed(alarms, name).AlarmDescription);
    const actions = (name: string) => ({
      alarm: (alarmNamed(alarms, name).AlarmActions ?? []).map(render),
      ok: (alarmNamed(alarms, name).OKActions ?? []).map(render),
    });
    const page = `\${${stack.getLogicalId(pageTopic.node.defaultChild as sns.CfnTopic)}}`;
    const ticket = `\${${stack.getLogicalId(ticketTopic.node.defaultChild as sns.CfnTopic)}}`;
    expect(description('Keyturn-state-machine-failed-keyturn-lifecycle')).toBe(
      'keyturn: A lifecycle execution failed. First: read the failing state. Runbook: docs/runbooks.md#runbook-lifecycle-execution-failed',
    );
    expect(actions('Keyturn-state-machine-failed-keyturn-lifecycle')).toEqual({ alarm: [page], ok: [page] });
    expect(description('Keyturn-state-machine-failed-keyturn-fleet')).toMatch(/#runbook-fleet-rotation-failed$/);
    expect(actions('Keyturn-state-machine-failed-keyturn-fleet')).toEqual({ alarm: [ticket], ok: [] });
    expect(description('Keyturn-state-machine-failed-keyturn-other')).toMatch(
      /^keyturn: An execution of state machine keyturn-other failed or timed out.+#runbook-orchestration-errors$/,
    );
    expect(actions('Keyturn-state-machine-failed-keyturn-other')).toEqual({ alarm: [page], ok: [page] });
    expect([...alarms.keys()].filter((n) => n.includes('state-machine-failed'))).toHaveLength(3);
    expect([...alarms.keys()].filter((n) => n.includes('state-machine-throttled'))).toHaveLength(3);
  });
});

describe('RotationAlarms with overrides', () => {
  test('uses overridden thresholds, the given strategies, one topic for both severities and the runbooks page by default', () => {
    // GIVEN
    const { stack } = newStack();
    const topic = new sns.Topic(stack, 'Alerts');

    // WHEN
    new RotationAlarms(stack, 'Alarms', {
      pageTopic: topic,
      strategies: ['random'],
      alarmNamePrefix: 'prod-',
      thresholds: {
        successRatePercent: 99,
        timeToRotate: Duration.minutes(10),
        authFailuresPerHour: 20,
        revocationLatency: Duration.seconds(30),
        recoveryTime: Duration.minutes(5),
        secretsOverdue: 3,
        oldCredentialUsesAfterGrace: 2,
        auditCompletenessPercent: 99.5,
      },
    });

    // THEN
    const alarms = alarmsByName(Template.fromStack(stack));
    const threshold = (name: string): number => alarmNamed(alarms, name).Threshold;
    expect([...alarms.keys()].filter((n) => n.startsWith('prod-rotation-failed-'))).toEqual([
      'prod-rotation-failed-random',
    ]);
    expect(threshold('prod-rotation-success-rate')).toBe(99);
    expect(threshold('prod-time-to-rotate')).toBe(600_000);
    expect(threshold('prod-auth-failures-after-rotation')).toBe(20);
    expect(threshold('prod-revocation-latency')).toBe(30_000);
    expect(threshold('prod-recovery-time')).toBe(300_000);
    expect(threshold('prod-rotation-overdue')).toBe(3);
    expect(threshold('prod-old-credential-in-use')).toBe(2);
    expect(threshold('prod-audit-completeness')).toBe(99.5);
    expect(render(alarmNamed(alarms, 'prod-rotation-overdue').AlarmDescription)).toMatch(
      /^keyturn: More than 3 managed secrets and KMS keys are past the rotation interval, or a policy key could not be checked\./,
    );
    expect(render(alarmNamed(alarms, 'prod-recovery-time').AlarmDescription)).toMatch(
      / Runbook: docs\/runbooks\.md#runbook-recovery-time$/,
    );
    for (const alarm of alarms.values()) {
      expect(alarm.AlarmActions?.map(render)).toEqual([
        `\${${stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic)}}`,
      ]);
    }
  });
});

describe("RotationAlarms with the account's CloudTrail log group", () => {
  const LOG_GROUP = 'aws-cloudtrail-logs-111111111111-0a1b2c3d';

  test('counts refused uses of keys pending deletion there, with the developer guide pattern, and pages on the first', () => {
    // GIVEN
    const { stack } = newStack();
    const pageTopic = new sns.Topic(stack, 'Page');

    // WHEN
    new RotationAlarms(stack, 'Alarms', {
      pageTopic,
      ticketTopic: new sns.Topic(stack, 'Ticket'),
      cloudTrailLogGroupName: LOG_GROUP,
      runbookBaseUrl: RUNBOOKS,
    });
    const template = Template.fromStack(stack);

    // THEN one metric filter on that log group, the documented pattern, one per matching event
    template.resourceCountIs('AWS::Logs::MetricFilter', 1);
    template.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: LOG_GROUP,
      FilterPattern: '{ $.eventSource = kms* && $.errorMessage = "* is pending deletion."}',
      MetricTransformations: [
        { MetricNamespace: 'keyturn', MetricName: 'KmsKeyPendingDeletionUses', MetricValue: '1' },
      ],
    });
    expect(PENDING_DELETION_FILTER_PATTERN).toBe(
      '{ $.eventSource = kms* && $.errorMessage = "* is pending deletion."}',
    );
    // AND a paging alarm on its metric: one in 5 minutes, no data is fine
    const alarm = alarmNamed(alarmsByName(template), 'Keyturn-kms-key-pending-deletion-used');
    expect(watched(alarm)).toEqual({
      namespace: 'keyturn',
      metric: 'KmsKeyPendingDeletionUses',
      dimensions: {},
      stat: 'Sum',
      period: 300,
    });
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    const page = `\${${stack.getLogicalId(pageTopic.node.defaultChild as sns.CfnTopic)}}`;
    expect((alarm.AlarmActions ?? []).map(render)).toEqual([page]);
    expect((alarm.OKActions ?? []).map(render)).toEqual([page]);
    expect(render(alarm.AlarmDescription)).toMatch(
      new RegExp(`cancel-key-deletion.+Runbook: ${RUNBOOKS}#${RunbookAnchor.KmsKeyPendingDeletionUsed}$`),
    );
  });

  test('without it there is no metric filter and no such alarm', () => {
    // GIVEN / WHEN
    const { stack } = newStack();
    new RotationAlarms(stack, 'Alarms', { pageTopic: new sns.Topic(stack, 'Page') });
    const template = Template.fromStack(stack);

    // THEN
    template.resourceCountIs('AWS::Logs::MetricFilter', 0);
    expect([...alarmsByName(template).keys()].filter((n) => n.includes('pending-deletion'))).toEqual([]);
  });

  test('refuses a log group name CloudWatch Logs would not accept, showing it', () => {
    // GIVEN / WHEN / THEN
    const { stack } = newStack();
    expect(
      () =>
        new RotationAlarms(stack, 'Alarms', {
          pageTopic: new sns.Topic(stack, 'Page'),
          cloudTrailLogGroupName: 'arn:aws:logs:eu-west-1:111111111111:log-group:trail',
        }),
    ).toThrow(/cloudTrailLogGroupName must be a CloudWatch Logs log group name .+, got "arn:aws:logs:/);
  });
});

describe('RotationAlarms on dead-letter and failure queues', () => {
  let alarms: Map<string, AlarmProperties>;
  let queueName: string;
  let ticketTopicRef: string;
  let construct: RotationAlarms;

  beforeAll(() => {
    // GIVEN a dead-letter queue, given twice
    const { stack } = newStack();
    const pageTopic = new sns.Topic(stack, 'Page');
    const ticketTopic = new sns.Topic(stack, 'Ticket');
    const queue = sqs.Queue.fromQueueArn(stack, 'DeadLetterQueue', `${QUEUE_ARN_PREFIX}keyturn-dead-letters`);

    // WHEN
    construct = new RotationAlarms(stack, 'Alarms', {
      pageTopic,
      ticketTopic,
      queues: [queue, queue],
      runbookBaseUrl: RUNBOOKS,
    });
    alarms = alarmsByName(Template.fromStack(stack));
    queueName = 'keyturn-dead-letters';
    ticketTopicRef = `\${${stack.getLogicalId(ticketTopic.node.defaultChild as sns.CfnTopic)}}`;
  });

  test('raises a ticket as soon as the queue holds one message, once per queue', () => {
    // THEN
    const names = [...alarms.keys()].filter((n) => n.startsWith('Keyturn-dead-letters-'));
    expect(names).toEqual([`Keyturn-dead-letters-${queueName}`]);
    const alarm = alarmNamed(alarms, `Keyturn-dead-letters-${queueName}`);
    expect(watched(alarm)).toEqual({
      namespace: 'AWS/SQS',
      metric: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: queueName },
      stat: 'Maximum',
      period: 300,
    });
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
    expect({ actions: alarm.AlarmActions?.map(render), ok: alarm.OKActions }).toEqual({
      actions: [ticketTopicRef],
      ok: undefined,
    });
    expect(construct.alarms.filter((a) => a.runbook === RunbookAnchor.DeadLetterQueue).map((a) => a.severity)).toEqual([
      AlarmSeverity.TICKET,
    ]);
  });

  test('says what the messages are and how to read them, and links the dead-letter runbook', () => {
    // THEN
    const description = render(alarmNamed(alarms, `Keyturn-dead-letters-${queueName}`).AlarmDescription);
    expect(description).toMatch(new RegExp(`^keyturn: Queue ${queueName} holds work keyturn could not do`));
    expect(description).toContain('ERROR_CODE');
    expect(description).toMatch(/ First: .+ Runbook: \S+#runbook-dead-letter-queue$/);
  });
});

describe('QueueAlarms, for queues in a stack that depends on the core', () => {
  test('alarms on each queue into the given topic, with the same alarm as RotationAlarms', () => {
    // GIVEN a secrets stack's own failure queue and the core's topic
    const { stack } = newStack();
    const topic = new sns.Topic(stack, 'CoreTopic');
    const queue = sqs.Queue.fromQueueArn(stack, 'FailureQueue', `${QUEUE_ARN_PREFIX}rotation-failures`);

    // WHEN
    const construct = new QueueAlarms(stack, 'QueueAlarms', { queues: [queue], topic, alarmNamePrefix: 'secrets-' });

    // THEN
    const alarms = alarmsByName(Template.fromStack(stack));
    expect([...alarms.keys()]).toEqual(['secrets-dead-letters-rotation-failures']);
    const alarm = alarmNamed(alarms, 'secrets-dead-letters-rotation-failures');
    expect(watched(alarm)).toMatchObject({ metric: 'ApproximateNumberOfMessagesVisible', stat: 'Maximum' });
    expect(alarm.AlarmActions?.map(render)).toEqual([
      `\${${stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic)}}`,
    ]);
    expect(render(alarm.AlarmDescription)).toMatch(/ Runbook: docs\/runbooks\.md#runbook-dead-letter-queue$/);
    expect(construct.alarms.map((a) => a.severity)).toEqual([AlarmSeverity.TICKET]);
  });

  test('rejects an empty list of queues', () => {
    // GIVEN / WHEN / THEN
    const { stack } = newStack();
    expect(() => new QueueAlarms(stack, 'QueueAlarms', { queues: [], topic: new sns.Topic(stack, 'T') })).toThrow(
      /queues must name at least one queue, got none$/,
    );
  });
});

describe('RotationAlarms validation', () => {
  function construct(props: Partial<RotationAlarmsProps>): () => RotationAlarms {
    return () => {
      const { stack } = newStack();
      return new RotationAlarms(stack, 'Alarms', { pageTopic: new sns.Topic(stack, 'Topic'), ...props });
    };
  }

  test.each<[string, Partial<RotationAlarmsProps>, RegExp]>([
    [
      'a success rate above 100 %',
      { thresholds: { successRatePercent: 120 } },
      /thresholds\.successRatePercent must be a percentage above 0 and below 100 .*, got 120$/,
    ],
    [
      'a success rate of 100 %, which leaves no error budget',
      { thresholds: { successRatePercent: 100 } },
      /thresholds\.successRatePercent must be a percentage above 0 and below 100 \(a 100 % target leaves no error budget\), got 100$/,
    ],
    [
      'an audit completeness of 0 %',
      { thresholds: { auditCompletenessPercent: 0 } },
      /thresholds\.auditCompletenessPercent must be a percentage above 0 and at most 100, got 0$/,
    ],
    [
      'a fractional auth-failure count',
      { thresholds: { authFailuresPerHour: 2.5 } },
      /thresholds\.authFailuresPerHour must be an integer of at least 1, got 2\.5$/,
    ],
    [
      'a negative overdue count',
      { thresholds: { secretsOverdue: -1 } },
      /thresholds\.secretsOverdue must be an integer of at least 0, got -1$/,
    ],
    [
      'a zero time to rotate',
      { thresholds: { timeToRotate: Duration.seconds(0) } },
      /thresholds\.timeToRotate must be a positive, concrete duration, got 0 seconds$/,
    ],
    [
      'a runbook URL with a fragment',
      { runbookBaseUrl: 'https://example.com/docs/runbooks.md#runbooks' },
      /runbookBaseUrl must be a URL without a fragment or spaces \(anchors are appended\), got "https:\/\/example\.com\/docs\/runbooks\.md#runbooks"$/,
    ],
    ['a strategy listed twice', { strategies: ['random', 'random'] }, /strategy "random" is listed twice$/],
    [
      'a strategy that cannot be a dimension value',
      { strategies: ['my strategy'] },
      /strategies must be 1-64 letters, digits, "\.", "-" or "_" \(a Strategy dimension value\), got "my strategy"$/,
    ],
    [
      'a runbook URL so long no description fits',
      { runbookBaseUrl: `https://example.com/${'x'.repeat(1000)}` },
      /over CloudWatch's 1024: shorten runbookBaseUrl \(1020 characters\)$/,
    ],
  ])('rejects %s, showing the bad value', (_case, props, message) => {
    // GIVEN bad props / WHEN constructing / THEN
    expect(construct(props)).toThrow(message);
  });
});
