import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Topic, type CfnTopic } from 'aws-cdk-lib/aws-sns';
import { KeyturnObservability, type KeyturnObservabilityProps } from '../../../infra/constructs/observability';
import {
  alarmNamed,
  alarmsByName,
  newStack,
  orchestration,
  render,
  resourcesOfType,
  validationFindings,
} from './support';

const ROUTES = [
  { id: 'platform', emails: ['oncall@example.com'] },
  { id: 'security', emails: ['security@example.com', 'ciso@example.com'] },
];

function hasCfnLint(): boolean {
  return spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
}

describe('KeyturnObservability in an app checked by cdk-nag', () => {
  let outdir: string;
  let stack: Stack;
  let observability: KeyturnObservability;
  let template: Template;
  let findings: string[];

  beforeAll(() => {
    // GIVEN an app with AwsSolutions checks, two routes, a state machine, a function, and a task role
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-observability-'));
    const built = newStack({ nag: true, outdir });
    stack = built.stack;
    const { stateMachine, fn } = orchestration(stack);
    observability = new KeyturnObservability(stack, 'Observability', {
      routes: ROUTES,
      defaultRoute: 'platform',
      ticketRoute: 'security',
      auditRetentionDays: 731,
      stateMachines: [stateMachine],
      functions: [fn],
      runbookBaseUrl: 'https://github.com/example/keyturn/blob/main/docs/runbooks.md',
    });
    const task = new iam.Role(stack, 'AuditTask', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    observability.grantPutAuditEvents(task);
    observability.alerts.grantPublish(task, 'security');

    // WHEN synthesized (cdk-nag findings fail the synthesis)
    const assembly = built.app.synth();
    template = Template.fromStack(stack);
    findings = validationFindings(assembly.directory);
  });

  afterAll(() => {
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('passes the AWS Solutions checks with zero findings', () => {
    // THEN
    expect(findings).toEqual([]);
  });

  test('acknowledges no cdk-nag rule anywhere', () => {
    // THEN
    const resources = (template.toJSON() as { Resources: Record<string, { Metadata?: object }> }).Resources;
    const acknowledged = Object.entries(resources)
      .filter(([, resource]) => JSON.stringify(resource.Metadata ?? {}).includes('cdk_nag'))
      .map(([logicalId]) => logicalId);
    expect(acknowledged).toEqual([]);
  });

  test('exposes a topic per route and sends paging alarms to the default route, ticket alarms to the ticket route', () => {
    // THEN
    const topicRef = (route: string): string =>
      `\${${stack.getLogicalId(observability.topic(route).node.defaultChild as CfnTopic)}}`;
    const alarms = alarmsByName(template);
    expect(alarmNamed(alarms, 'Keyturn-rotation-failed-random').AlarmActions?.map(render)).toEqual([
      topicRef('platform'),
    ]);
    expect(alarmNamed(alarms, 'Keyturn-rotation-overdue').AlarmActions?.map(render)).toEqual([topicRef('security')]);
    expect(observability.alarms.all.length).toBe(alarms.size);
  });

  test("announces Secrets Manager's rotation failures on the default route", () => {
    // THEN
    const rule = Object.values(resourcesOfType(template, 'AWS::Events::Rule')).find((r) =>
      JSON.stringify(r.Properties.EventPattern).includes('"eventName":["RotationFailed","RotationAbandoned"]'),
    );
    const platform = stack.getLogicalId(observability.topic('platform').node.defaultChild as CfnTopic);
    expect((rule?.Properties.Targets as { Arn: unknown }[]).map((t) => render(t.Arn))).toEqual([`\${${platform}}`]);
  });

  test('keeps the audit log and its archive for the given retention and exposes the audit bus', () => {
    // THEN
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 731 });
    template.hasResourceProperties('AWS::Events::Archive', { RetentionDays: 731 });
    expect(observability.auditBus).toBe(observability.auditTrail.bus);
  });

  const withCfnLint = hasCfnLint() ? test : test.skip;
  withCfnLint('synthesizes a template cfn-lint accepts', () => {
    // WHEN
    const result = spawnSync(
      'cfn-lint',
      [path.join(outdir, `${stack.artifactId}.template.json`), '--ignore-checks', 'W3005'],
      { encoding: 'utf8' },
    );

    // THEN
    expect({ status: result.status, output: `${result.stdout}${result.stderr}` }).toEqual({ status: 0, output: '' });
  });
});

describe('cdk-nag in the observability tests', () => {
  test('fails synthesis on a finding (the check is live, not vacuous)', () => {
    // GIVEN a topic that accepts publishing without TLS (AwsSolutions-SNS3)
    const { app, stack } = newStack({ nag: true });
    new Topic(stack, 'PlainTopic');

    // WHEN / THEN
    expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
  });
});

describe('KeyturnObservability validation', () => {
  const base: KeyturnObservabilityProps = { routes: ROUTES, defaultRoute: 'platform' };

  test.each<[string, Partial<KeyturnObservabilityProps>, RegExp]>([
    [
      'an unknown default route',
      { defaultRoute: 'pager' },
      /defaultRoute must be the id of one of the routes \("platform", "security"\), got "pager"$/,
    ],
    [
      'an unknown page route',
      { pageRoute: 'pager' },
      /pageRoute must be the id of one of the routes \("platform", "security"\), got "pager"$/,
    ],
    [
      'an unknown ticket route',
      { ticketRoute: 'tickets' },
      /ticketRoute must be the id of one of the routes \("platform", "security"\), got "tickets"$/,
    ],
    [
      'an audit retention CloudWatch Logs does not allow',
      { auditRetentionDays: 42 },
      /audit log retention must be one of CloudWatch Logs' retention values in days \(.*\), got 42$/,
    ],
  ])('rejects %s, showing the bad value', (_case, props, message) => {
    // GIVEN bad props / WHEN constructing / THEN
    expect(() => new KeyturnObservability(newStack().stack, 'Observability', { ...base, ...props })).toThrow(message);
  });
});
