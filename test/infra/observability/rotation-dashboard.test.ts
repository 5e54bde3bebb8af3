import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { KmsKeyMetric, LifecycleMetric } from '../../../functions/shared/metric-names';
import {
  DASHBOARD_SECTIONS,
  INVENTORY_SECTION,
  KMS_KEYS_SECTION,
  RUNBOOK_HEADINGS,
  RotationAlarms,
  RotationDashboard,
  USAGE_SERVICE,
} from '../../../infra/constructs/observability';
import { type DashboardWidget, dashboardBody, newStack, orchestration, render, resourcesOfType } from './support';

const RUNBOOKS = 'https://github.com/example/keyturn/blob/main/docs/runbooks.md';
const KMS_KEY_ARN = 'arn:aws:states:eu-west-1:111111111111:stateMachine:keyturn-kms-key';

describe('RotationDashboard', () => {
  let template: Template;
  let widgets: DashboardWidget[];
  let alarmCount: number;

  beforeAll(() => {
    // GIVEN the SLI alarms, a state machine and a function
    const { stack } = newStack();
    const { stateMachine, fn } = orchestration(stack);
    const alarms = new RotationAlarms(stack, 'Alarms', {
      pageTopic: new sns.Topic(stack, 'Page'),
      stateMachines: [stateMachine],
      functions: [fn],
    });
    alarmCount = alarms.all.length;

    // WHEN
    new RotationDashboard(stack, 'Dashboard', {
      alarms: alarms.alarms,
      stateMachines: [stateMachine],
      functions: [fn],
      runbookBaseUrl: RUNBOOKS,
    });
    template = Template.fromStack(stack);
    widgets = dashboardBody(template).widgets;
  });

  /** The widgets between one section header and the next. */
  function section(header: string): DashboardWidget[] {
    const headers = widgets.filter((w) => w.type === 'text' && w.properties.markdown?.startsWith('# '));
    const start = widgets.findIndex((w) => w.properties.markdown?.startsWith(header));
    const next = headers.find((h) => h.y > (widgets[start]?.y ?? 0));
    return widgets.filter((w) => w.y > (widgets[start]?.y ?? 0) && (next === undefined || w.y < next.y));
  }

  function titles(ws: DashboardWidget[]): string[] {
    return ws.map((w) => w.properties.title ?? '').filter((t) => t !== '');
  }

  test('is one dashboard named after the stack and region', () => {
    // THEN
    const dashboards = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    expect(render(dashboards[0]?.Properties.DashboardName)).toBe('Keyturn-rotation-${AWS::Region}');
  });

  test('has the executive, on-call and debug sections and the inventory row, in that order, as full-width text headers', () => {
    // THEN
    const headers = widgets.filter((w) => w.type === 'text' && w.properties.markdown?.startsWith('# '));
    expect(headers.map((h) => h.properties.markdown?.split('\n')[0])).toEqual([
      DASHBOARD_SECTIONS.Executive,
      DASHBOARD_SECTIONS.OnCall,
      DASHBOARD_SECTIONS.Debug,
      INVENTORY_SECTION,
    ]);
    expect(headers.map((h) => h.width)).toEqual([24, 24, 24, 24]);
    expect(headers.map((h) => h.y)).toEqual([...headers.map((h) => h.y)].sort((a, b) => a - b));
  });

  test("the inventory row charts each of the hourly check's finding gauges, the latest per hour", () => {
    // THEN
    const row = section(INVENTORY_SECTION);
    expect(titles(row)).toEqual([
      'Managed secrets: overdue, stuck AWSPENDING, rotation off, unreadable',
      'Drift: policy secrets missing, managed not in policy, unmanaged with keyturn tags, replicas out of sync',
    ]);
    const charted = JSON.stringify(row.map((w) => w.properties.metrics));
    for (const metric of [
      LifecycleMetric.SecretsOverdue,
      LifecycleMetric.SecretsStuckPending,
      LifecycleMetric.SecretsRotationDisabled,
      LifecycleMetric.SecretsUnreadable,
      LifecycleMetric.PolicySecretsMissing,
      LifecycleMetric.ManagedSecretsNotInPolicy,
      LifecycleMetric.UnmanagedTaggedSecrets,
      LifecycleMetric.ReplicasOutOfSync,
    ]) {
      expect(charted).toContain(`"keyturn","${metric}","service","keyturn-lifecycle"`);
    }
    for (const w of row) expect(w.x + w.width).toBeLessThanOrEqual(24);
  });

  test('the executive section shows 30- and 90-day success, emergency rotations, audit completeness and SLO burn', () => {
    // THEN
    const executive = section(DASHBOARD_SECTIONS.Executive);
    expect(titles(executive)).toEqual([
      'Rotation success rate, 30 days (target 99.9 %)',
      'Rotation success rate, 90 days (target 99.9 %)',
      'Emergency rotations, 30 days',
      'Audit completeness, 30 days (target 100 %)',
      'Daily success rate',
      'SLO burn rate (error budget spent per day, 1 = on budget)',
    ]);
    const ninety = executive.find((w) => w.properties.title?.includes('90 days'));
    expect(ninety?.properties).toMatchObject({ view: 'singleValue', start: '-P90D' });
    const burn = JSON.stringify(executive.find((w) => w.properties.title?.startsWith('SLO burn')));
    expect(burn).toContain('(100 - rate) / 0.1');
  });

  test('the on-call section shows rotations, auth failures, rollbacks, the runbooks and every alarm', () => {
    // THEN
    const onCall = section(DASHBOARD_SECTIONS.OnCall);
    expect(titles(onCall)).toEqual([
      'Rotations by strategy: started, succeeded, failed (rotation function)',
      'Lifecycle executions: started, completed, failed, rolled back',
      'Authentication failures after rotation (per hour)',
      'Rollbacks and recovery time',
      'Executions: Lifecycle',
      'Alarms',
    ]);
    const runbooks = onCall.find((w) => w.properties.markdown?.startsWith('## Runbooks'));
    for (const [anchor, heading] of Object.entries(RUNBOOK_HEADINGS)) {
      expect(runbooks?.properties.markdown).toContain(`[${heading.replace('Runbook: ', '')}](${RUNBOOKS}#${anchor})`);
    }
    const status = onCall.find((w) => w.type === 'alarm');
    expect(status?.properties.alarms).toHaveLength(alarmCount);
    expect(JSON.stringify(onCall[0])).toContain(
      `SEARCH('{keyturn,service,Strategy} MetricName=\\"RotationFailed\\"', 'Sum', 300)`,
    );
  });

  test('the debug section shows step durations, old-credential use, AWS/Usage API calls, throttles and errors', () => {
    // THEN
    const debug = section(DASHBOARD_SECTIONS.Debug);
    expect(titles(debug)).toEqual([
      'Rotation step duration p95, by strategy and step (ms)',
      'Rotation step failures and starts, by step',
      'Time to rotate p95, by strategy (ms)',
      'Old credential still in use after grace, by strategy',
      'Canary checks of the new credential: run and failed',
      'Secrets Manager API calls per minute (AWS/Usage)',
      'KMS API calls per minute (AWS/Usage)',
      'Throttles: AWS APIs seen by keyturn, Lambda, Step Functions',
      'Errors: Lambda functions, state machine executions failed / timed out',
    ]);
    const text = JSON.stringify(debug);
    expect(text).toContain(
      `SEARCH('{keyturn,service,Step,Strategy} MetricName=\\"RotationStepDuration\\"', 'p95', 300)`,
    );
    for (const service of Object.values(USAGE_SERVICE)) {
      expect(text).toContain(
        `SEARCH('{AWS/Usage,Class,Resource,Service,Type} MetricName=\\"CallCount\\" Service=\\"${service}\\" Type=\\"API\\"', 'Sum', 60)`,
      );
    }
    expect(text).toContain('"AWS/Lambda","Throttles","FunctionName","keyturn-verify"');
    expect(text).toContain('"AWS/States","ExecutionsFailed","StateMachineArn"');
  });

  test('fits the 24-column grid', () => {
    // THEN
    for (const w of widgets) expect(w.x + w.width).toBeLessThanOrEqual(24);
  });
});

describe('RotationDashboard with labelled state machines', () => {
  test('shows one executions graph per state machine, side by side: started, succeeded, failed, timed out, aborted', () => {
    // GIVEN three state machines with labels
    const { stack } = newStack();
    const { stateMachine } = orchestration(stack);
    const others = ['emergency', 'fleet'].map((name) =>
      sfn.StateMachine.fromStateMachineArn(stack, name, `arn:aws:states:eu-west-1:111111111111:stateMachine:${name}`),
    );

    // WHEN
    new RotationDashboard(stack, 'Dashboard', {
      stateMachines: [
        { stateMachine, label: 'lifecycle' },
        { stateMachine: others[0] as sfn.IStateMachine, label: 'emergency' },
        { stateMachine: others[1] as sfn.IStateMachine, label: 'fleet' },
      ],
    });

    // THEN
    const graphs = dashboardBody(Template.fromStack(stack)).widgets.filter((w) =>
      w.properties.title?.startsWith('Executions: '),
    );
    expect(graphs.map((g) => [g.properties.title, g.width])).toEqual([
      ['Executions: lifecycle', 8],
      ['Executions: emergency', 8],
      ['Executions: fleet', 8],
    ]);
    expect(new Set(graphs.map((g) => g.y)).size).toBe(1);
    const metrics = JSON.stringify(graphs[0]?.properties.metrics);
    for (const metric of [
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'ExecutionsAborted',
    ]) {
      expect(metrics).toContain(`"AWS/States","${metric}","StateMachineArn"`);
    }
  });
});

describe('RotationDashboard with the KMS keys row', () => {
  let widgets: DashboardWidget[];

  beforeAll(() => {
    // GIVEN the lifecycle and the kms-key state machine
    const { stack } = newStack();
    const { stateMachine } = orchestration(stack);
    const kmsKey = sfn.StateMachine.fromStateMachineArn(stack, 'KmsKey', KMS_KEY_ARN);

    // WHEN the dashboard has the keys row
    new RotationDashboard(stack, 'Dashboard', { stateMachines: [stateMachine], kmsKeys: { stateMachine: kmsKey } });
    widgets = dashboardBody(Template.fromStack(stack)).widgets;
  });

  test('adds a row after the inventory row, full width, its widgets below its header', () => {
    // THEN
    const headers = widgets.filter((w) => w.type === 'text' && w.properties.markdown?.startsWith('# '));
    expect(headers.map((h) => h.properties.markdown?.split('\n')[0])).toEqual([
      DASHBOARD_SECTIONS.Executive,
      DASHBOARD_SECTIONS.OnCall,
      DASHBOARD_SECTIONS.Debug,
      INVENTORY_SECTION,
      KMS_KEYS_SECTION,
    ]);
    const header = headers[4];
    const row = widgets.filter((w) => w.y > (header?.y ?? 0));
    expect(row.map((w) => w.properties.title)).toEqual([
      'kms-key runs: started, succeeded, failed, timed out (per hour)',
      "KMS's own events: material rotations by type, keys deleted (per hour)",
      'Policy keys overdue and unchecked; oldest key age (% of allowed)',
    ]);
    for (const w of widgets) expect(w.x + w.width).toBeLessThanOrEqual(24);
  });

  test("charts the kms-key runs, KMS's rotation events by type, and the freshness check's key gauges", () => {
    // THEN
    const [runs, events, freshness] = widgets.slice(-3).map((w) => JSON.stringify(w.properties.metrics));
    for (const metric of ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut']) {
      expect(runs).toContain(`"AWS/States","${metric}","StateMachineArn","${KMS_KEY_ARN}"`);
    }
    expect(runs).not.toContain('keyturn-lifecycle');
    expect(events).toContain(
      `SEARCH('{keyturn,service,RotationType} MetricName=\\"${KmsKeyMetric.MaterialRotations}\\"', 'Sum', 3600)`,
    );
    expect(events).toContain(`"keyturn","${KmsKeyMetric.KeysDeleted}","service","keyturn-kms-key"`);
    for (const metric of [
      LifecycleMetric.KeysOverdue,
      LifecycleMetric.KeysUnchecked,
      LifecycleMetric.OldestKeyAgePercent,
    ]) {
      expect(freshness).toContain(`"keyturn","${metric}","service","keyturn-lifecycle"`);
    }
  });
});

describe('RotationDashboard validation', () => {
  test.each([100, 0, 120])('rejects a success-rate target of %d %%, showing the bad value', (target) => {
    // GIVEN / WHEN / THEN
    expect(() => new RotationDashboard(newStack().stack, 'Dashboard', { successRateTarget: target })).toThrow(
      new RegExp(
        `successRateTarget must be a percentage above 0 and below 100 \\(the error budget is the rest\\), got ${target}$`,
      ),
    );
  });
});
