import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { REWRAP_FUNCTION, ROTATE_SECRET_BUNDLE, toEsbuildOptions } from '../../../infra/constructs/bundling-options';
import { parseRewrapRequest } from '../../../functions/kms-rewrap/input';
import { REWRAP_TABLE_ACTIONS } from '../../../infra/constructs/kms-rewrap/rewrap-permissions';
import { RewrapTriggerError } from '../../../infra/constructs/kms-rewrap/rewrap-triggers';
import { REWRAP_ROW_HEADER } from '../../../infra/constructs/observability/rewrap-dashboard-row';
import { RunbookAnchor } from '../../../infra/constructs/observability/runbooks';
import { createKeyturnApp } from '../../../infra/keyturn-app';
import type { ResolvedPolicy } from '../../../infra/policy/defaults';
import type { KeyEntryInput } from '../../../infra/policy/key-schema';
import { loadStateMachine } from '../../../local/stepfunctions/definitions';
import { findings, policyKeyLogicalId, type SynthesizedApp, synthesizeApp } from '../support/app';
import {
  asArray,
  logicalIdOf,
  NO_BUNDLING,
  owner,
  policyOf,
  render,
  resourcesOf,
  statementsOfRole,
} from '../support/infra';

const ADOPTED_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const RETIRED_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/99999999-12ab-34cd-56ef-1234567890ab';
const ANY_KEY = 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*';
const tableArn = (name: string): string =>
  `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${name}`;

/** Symmetric, created, rotated by KMS: one table re-wrapped in two segments, one old key besides its own. */
const dataKey: KeyEntryInput = {
  kind: 'kms-key',
  id: 'orders-data-key',
  owner,
  key: { create: { alias: 'alias/orders-data' } },
  automaticRotation: { periodDays: 180 },
  rewrap: [
    {
      table: 'orders-data-keys',
      key: { partition: 'orderId' },
      ciphertextAttribute: 'wrappedKey',
      encryptionContext: { orderId: 'orderId' },
      allowedSourceKeys: [RETIRED_ARN],
      fraction: 0.05,
      segments: 2,
      schedule: { expression: 'cron(0 3 ? * SUN *)' },
    },
  ],
};
/** Adopted (so it may be replaced behind its alias), with a job on a table with a sort key. */
const legacyKey: KeyEntryInput = {
  kind: 'kms-key',
  id: 'legacy-data-key',
  owner,
  key: { adopt: { arn: ADOPTED_ARN, alias: 'alias/legacy-data' } },
  schedule: { expression: 'rate(365 days)' },
  rewrap: [{ table: 'tenant-keys', key: { partition: 'tenant', sort: 'keyId' }, ciphertextAttribute: 'dek' }],
};
/** An HMAC key without jobs: nothing of the re-wrap is about it. */
const macKey: KeyEntryInput = {
  kind: 'kms-key',
  id: 'webhook-mac-key',
  owner,
  key: { create: { alias: 'alias/webhook-mac', keySpec: 'HMAC_256' } },
  schedule: { expression: 'rate(90 days)' },
};

const apiKey = { id: 'api-key', kind: 'random' as const, secret: { name: 'svc/api-key', create: true }, owner };

function policyWithKeys(keys: KeyEntryInput[]): ResolvedPolicy {
  return policyOf([apiKey], { alerts: { routes: { platform: {} }, defaultRoute: 'platform' }, keys });
}

interface RuleJson {
  readonly EventBusName?: unknown;
  readonly EventPattern: Record<string, unknown>;
  readonly Targets: {
    readonly Arn: unknown;
    readonly InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: unknown };
  }[];
}

describe('KMS re-wrap jobs from the policy: function, state machines, triggers, alarms, dashboard', () => {
  let built: SynthesizedApp;
  let core: Template;

  beforeAll(() => {
    // GIVEN a created key and an adopted key with jobs, and a key without / WHEN the app is synthesized
    built = synthesizeApp({ policy: policyWithKeys([dataKey, legacyKey, macKey]) });
    core = built.core;
  });

  const rewrap = () => {
    const construct = built.stack.kmsRewrap;
    if (!construct) throw new Error('no re-wrap in the core stack');
    return construct;
  };
  const keyLogicalId = (entryId: string): string => policyKeyLogicalId(built, entryId);
  const rules = (): Record<string, RuleJson> =>
    Object.fromEntries(
      Object.entries(resourcesOf(core, 'AWS::Events::Rule'))
        .filter(([id]) => id.startsWith('KmsRewrap'))
        .map(([id, rule]) => [id.replace(/[0-9A-F]{8}$/, ''), rule.Properties as unknown as RuleJson]),
    );
  /** A rule's input as the starter receives it, the event's fields filled with `values`. */
  const inputOf = (rule: RuleJson, values: Record<string, string>): unknown => {
    const transformer = rule.Targets[0]?.InputTransformer;
    if (!transformer) throw new Error('no input transformer');
    let text = render(transformer.InputTemplate);
    for (const [name, path] of Object.entries(transformer.InputPathsMap)) {
      text = text.replaceAll(`<${name}>`, JSON.stringify(values[path] ?? `missing ${path}`));
    }
    return JSON.parse(text);
  };

  test('passes cdk-nag; the one wildcard (keys of a replaceable entry, by tag) is acknowledged on its own policy', () => {
    // THEN
    expect(findings(built.report)).toEqual([]);
    const acknowledged = Object.entries(resourcesOf(core))
      .filter(([id]) => id.startsWith('KmsRewrap'))
      .flatMap(([id, r]) =>
        (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule) => `${id.replace(/[0-9A-F]{8}$/, '')}: ${rule.id}`),
      );
    expect(acknowledged.sort()).toEqual([
      'KmsRewrapFunctionRewrapReplacementKeysPolicy: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      'KmsRewrapStarterStateMachineRoleDefaultPolicy: AwsSolutions-IAM5[Resource::*]',
      'KmsRewrapStateMachineRoleDefaultPolicy: AwsSolutions-IAM5[Resource::*]',
    ]);
  });

  test('the function: the re-wrap handler, 15 minutes a slice, its metrics under the lifecycle service, audit bus', () => {
    // THEN
    core.hasResourceProperties('AWS::Lambda::Function', {
      Description: "keyturn: re-wraps a table's wrapped data keys under a KMS key's current material (ReEncrypt)",
      Timeout: 900,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'keyturn-lifecycle',
          POWERTOOLS_METRICS_NAMESPACE: 'keyturn',
          KEYTURN_AUDIT_BUS_NAME: { Ref: logicalIdOf(built.stack.observability.auditTrail.bus) },
        },
      },
    });
    expect(
      resourcesOf(core, 'AWS::Lambda::Function')[logicalIdOf(rewrap().function.function)]?.Properties.VpcConfig,
    ).toBeUndefined();
  });

  test("the function's role: exactly the jobs' tables and keys, nothing else of DynamoDB or KMS", () => {
    // WHEN
    const statements = statementsOfRole(core, logicalIdOf(rewrap().function.role)).map((s) => ({
      sid: s.Sid,
      actions: asArray(s.Action).sort(),
      resources: asArray(s.Resource).map(render).sort(),
      conditions: s.Condition,
    }));
    const dataKeyArn = `\${${keyLogicalId('orders-data-key')}.Arn}`;

    // THEN
    expect(statements.filter((s) => s.sid !== undefined)).toEqual([
      {
        sid: 'RewrapTables',
        actions: [...REWRAP_TABLE_ACTIONS].sort(),
        resources: [tableArn('orders-data-keys'), tableArn('tenant-keys')],
        conditions: undefined,
      },
      {
        sid: 'ReEncryptFromSourceKeys',
        actions: ['kms:ReEncryptFrom'],
        resources: [ADOPTED_ARN, RETIRED_ARN, dataKeyArn].sort(),
        conditions: undefined,
      },
      {
        sid: 'ReEncryptToTargetKeys',
        actions: ['kms:DescribeKey', 'kms:ReEncryptTo'],
        resources: [ADOPTED_ARN, dataKeyArn].sort(),
        conditions: undefined,
      },
      {
        sid: 'ReEncryptBetweenKeyGenerations',
        actions: ['kms:DescribeKey', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
        resources: [ANY_KEY],
        conditions: { StringEquals: { 'aws:ResourceTag/keyturn:entry': ['legacy-data-key'] } },
      },
    ]);
    // AND the rest is its logs, its failure queue and the audit bus: no Decrypt, no PutItem, no key of the MAC entry
    const rest = statements.filter((s) => s.sid === undefined).flatMap((s) => s.actions);
    expect([...new Set(rest)].sort()).toEqual([
      'events:PutEvents',
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
    ]);
    const decrypts = statements.filter((s) => s.actions.includes('kms:Decrypt')).flatMap((s) => s.resources);
    expect(decrypts).toEqual([`\${${logicalIdOf(built.stack.dataKey)}.Arn}`]);
    expect(JSON.stringify(statements)).not.toContain(keyLogicalId('webhook-mac-key'));
  });

  test("the deployed re-wrap definition is the repository's rewrap.asl.json, its function filled in", () => {
    // WHEN
    const machine = resourcesOf(core, 'AWS::StepFunctions::StateMachine')[
      logicalIdOf(rewrap().stateMachine.stateMachine)
    ];
    const substitutions = machine?.Properties.DefinitionSubstitutions as Record<string, unknown>;
    const resolved = Object.fromEntries(Object.entries(substitutions).map(([name, value]) => [name, render(value)]));
    const deployed = JSON.parse(
      String(machine?.Properties.DefinitionString).replace(/\$\{(\w+)\}/g, (m, name: string) => resolved[name] ?? m),
    ) as Record<string, unknown>;

    // THEN
    expect(resolved).toEqual({ RewrapFunction: `\${${logicalIdOf(rewrap().function.function)}.Arn}` });
    expect(deployed).toEqual({ ...loadStateMachine('rewrap', resolved), TimeoutSeconds: 30 * 86_400 });
  });

  test("the deployed starter definition is the repository's rewrap-start.asl.json, starting the re-wrap state machine only", () => {
    // WHEN
    const machine = resourcesOf(core, 'AWS::StepFunctions::StateMachine')[logicalIdOf(rewrap().starter.stateMachine)];
    const substitutions = machine?.Properties.DefinitionSubstitutions as Record<string, unknown>;
    const resolved = Object.fromEntries(Object.entries(substitutions).map(([name, value]) => [name, render(value)]));
    const deployed = JSON.parse(
      String(machine?.Properties.DefinitionString).replace(/\$\{(\w+)\}/g, (m, name: string) => resolved[name] ?? m),
    ) as Record<string, unknown>;

    // THEN
    expect(resolved).toEqual({ RewrapStateMachine: `\${${logicalIdOf(rewrap().stateMachine.stateMachine)}}` });
    expect(deployed).toEqual({ ...loadStateMachine('rewrap-start', resolved), TimeoutSeconds: 600 });
    // AND its role may start that state machine, and the re-wrap state machine's may invoke the function, no more
    const tasksOf = (role: string) =>
      statementsOfRole(core, role)
        .filter((s) => !asArray(s.Action).some((a) => a.startsWith('logs:') || a.startsWith('xray:')))
        .map((s) => ({ actions: asArray(s.Action), resources: asArray(s.Resource).map(render) }));
    expect(tasksOf(logicalIdOf(rewrap().starter.role))).toEqual([
      { actions: ['states:StartExecution'], resources: [`\${${logicalIdOf(rewrap().stateMachine.stateMachine)}}`] },
    ]);
    expect(tasksOf(logicalIdOf(rewrap().stateMachine.role))).toEqual([
      { actions: ['lambda:InvokeFunction'], resources: [`\${${logicalIdOf(rewrap().function.function)}.Arn}`] },
    ]);
  });

  test("KMS's rotation event of the key starts its jobs, named after the new material, each request one the job accepts", () => {
    // WHEN
    const rule = rules().KmsRewrapTriggersordersdatakeyKmsRotation;
    if (!rule) throw new Error(`no rule; rules: ${Object.keys(rules()).join(', ')}`);
    const input = inputOf(rule, { '$.detail.current-key-material-id': 'material-2' }) as {
      jobs: { name: string; segments: number[]; request: Record<string, unknown> }[];
    };

    // THEN
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.EventPattern).toEqual({
      source: ['aws.kms'],
      'detail-type': ['KMS CMK Rotation'],
      resources: [{ 'Fn::GetAtt': [keyLogicalId('orders-data-key'), 'Arn'] }],
      detail: { 'current-key-material-id': [{ exists: true }] },
    });
    expect(render(rule.Targets[0]?.Arn)).toBe(`\${${logicalIdOf(rewrap().starter.stateMachine)}}`);
    expect(input).toEqual({
      entryId: 'orders-data-key',
      trigger: 'KMS CMK Rotation',
      identity: 'material-2',
      jobs: [
        {
          name: expect.stringMatching(/^orders-data-keys-[0-9a-f]{8}$/) as unknown,
          segments: [0, 1],
          request: {
            tableName: 'orders-data-keys',
            key: { partition: 'orderId' },
            ciphertextAttribute: 'wrappedKey',
            targetKeyId: 'alias/orders-data',
            allowedSourceKeyIds: [`\${${keyLogicalId('orders-data-key')}.Arn}`, RETIRED_ARN],
            encryptionContext: { orderId: 'orderId' },
            quotaPerSecond: 10_000,
            fraction: 0.05,
            totalSegments: 2,
          },
        },
      ],
    });
    const request = input.jobs[0]?.request ?? {};
    expect(() =>
      parseRewrapRequest({ ...request, allowedSourceKeyIds: [ADOPTED_ARN, RETIRED_ARN], segment: 1 }),
    ).not.toThrow();
  });

  test("keyturn's own events on the audit bus: a rotation by material id, a replacement by the new key, the old one allowed", () => {
    // WHEN
    const all = rules();
    const bus = { Ref: logicalIdOf(built.stack.observability.auditTrail.bus) };
    const rotated = all.KmsRewrapTriggerslegacydatakeyKeyMaterialRotated;
    const moved = all.KmsRewrapTriggerslegacydatakeyKeyAliasMoved;
    if (!rotated || !moved) throw new Error(`rules: ${Object.keys(all).join(', ')}`);

    // THEN
    expect(rotated.EventBusName).toEqual(bus);
    expect(rotated.EventPattern).toEqual({
      source: ['keyturn.rotation'],
      'detail-type': ['KeyMaterialRotated'],
      detail: { entryId: ['legacy-data-key'], keyMaterialId: [{ exists: true }] },
    });
    expect(inputOf(rotated, { '$.detail.keyMaterialId': 'material-7' })).toMatchObject({
      trigger: 'KeyMaterialRotated',
      identity: 'material-7',
      jobs: [{ segments: [0], request: { targetKeyId: 'alias/legacy-data', allowedSourceKeyIds: [ADOPTED_ARN] } }],
    });
    expect(moved.EventBusName).toEqual(bus);
    expect(moved.EventPattern).toEqual({
      source: ['keyturn.rotation'],
      'detail-type': ['KeyAliasMoved'],
      detail: { entryId: ['legacy-data-key'], to: [{ exists: true }], from: [{ exists: true }] },
    });
    // (the key the alias left: here a first replacement, which the policy cannot name)
    const previous = 'arn:aws:kms:eu-west-1:111122223333:key/aaaaaaaa-12ab-34cd-56ef-1234567890ab';
    const next = 'arn:aws:kms:eu-west-1:111122223333:key/bbbbbbbb-12ab-34cd-56ef-1234567890ab';
    expect(inputOf(moved, { '$.detail.to': next, '$.detail.from': previous })).toMatchObject({
      trigger: 'KeyAliasMoved',
      identity: next,
      jobs: [{ request: { targetKeyId: 'alias/legacy-data', allowedSourceKeyIds: [ADOPTED_ARN, previous] } }],
    });
    // AND a created symmetric key is never replaced: no KeyAliasMoved rule for it; the MAC key has no rules at all
    expect(Object.keys(all).sort()).toEqual([
      'KmsRewrapTriggerslegacydatakeyKeyAliasMoved',
      'KmsRewrapTriggerslegacydatakeyKeyMaterialRotated',
      'KmsRewrapTriggerslegacydatakeyKmsRotation',
      'KmsRewrapTriggersordersdatakeyKeyMaterialRotated',
      'KmsRewrapTriggersordersdatakeyKmsRotation',
    ]);
  });

  test('a failed or timed-out re-wrap or starter execution pages the default route, linking the re-wrap runbook', () => {
    // WHEN
    const alarms = Object.values(resourcesOf(core, 'AWS::CloudWatch::Alarm'))
      .map((a) => a.Properties)
      .filter((p) => String(p.AlarmDescription).includes(`#${RunbookAnchor.KmsRewrapFailed}`));

    // THEN
    expect(alarms).toHaveLength(2);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlertsRouteplatform/) as unknown }]);
      expect(JSON.stringify(alarm.Metrics)).toContain('ExecutionsFailed');
      expect(JSON.stringify(alarm.Metrics)).toContain('ExecutionsTimedOut');
    }
    const watched = alarms.map((a) => JSON.stringify(a.Metrics));
    expect(watched.some((m) => m.includes(logicalIdOf(rewrap().stateMachine.stateMachine)))).toBe(true);
    expect(watched.some((m) => m.includes(logicalIdOf(rewrap().starter.stateMachine)))).toBe(true);
  });

  test("the dashboard's re-wrap row: progress, time left, items, throttles, per table", () => {
    // WHEN
    const dashboard = Object.values(resourcesOf(core, 'AWS::CloudWatch::Dashboard'))[0];
    const body = render(dashboard?.Properties.DashboardBody);

    // THEN
    expect(body).toContain(REWRAP_ROW_HEADER);
    for (const metric of [
      'RewrapPercentComplete',
      'RewrapEstimatedSecondsLeft',
      'RewrapItemsRewrapped',
      'RewrapItemsRefused',
      'RewrapKmsThrottles',
      'RewrapConflicts',
    ]) {
      expect(body).toContain(`"${metric}"`);
    }
    expect(body).toContain('"Table","orders-data-keys"');
    expect(body).toContain('"Table","tenant-keys"');
  });

  test("an operator's schedule starts its job weekly, named after the tick, through a role that may do nothing else", () => {
    // WHEN
    const schedules = Object.values(resourcesOf(core, 'AWS::Scheduler::Schedule'))
      .map((r) => r.Properties)
      .filter((p) => String(p.Name).startsWith('rewrap-'));
    const target = schedules[0]?.Target as { Arn: unknown; RoleArn: unknown; Input: unknown } | undefined;
    const input = JSON.parse(render(target?.Input)) as { trigger: string; identity: string; jobs: unknown[] };
    const role = rewrap().schedulerRole;
    if (!role) throw new Error('no scheduler role');

    // THEN one schedule, for the one job that has it, in keyturn's group, in UTC
    expect(schedules).toHaveLength(1);
    expect(schedules[0]).toMatchObject({
      Name: expect.stringMatching(/^rewrap-orders-data-keys-[0-9a-f]{8}$/) as unknown,
      GroupName: 'keyturn',
      ScheduleExpression: 'cron(0 3 ? * SUN *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 60 },
    });
    expect(render(target?.Arn)).toBe(`\${${logicalIdOf(rewrap().starter.stateMachine)}}`);
    expect(render(target?.RoleArn)).toBe(`\${${logicalIdOf(role)}.Arn}`);
    // AND the change it names is the tick (the same on a retry of it), with that job only
    expect(input).toMatchObject({ trigger: 'schedule', identity: '<aws.scheduler.scheduled-time>' });
    expect(input.jobs).toHaveLength(1);
    // AND its role may start the starter and write to the dead-letter queue (and use its key), nothing else
    const statements = statementsOfRole(core, logicalIdOf(role)).map((st) => ({
      actions: asArray(st.Action).sort(),
      resources: asArray(st.Resource).map(render),
    }));
    expect(statements).toEqual([
      { actions: ['states:StartExecution'], resources: [`\${${logicalIdOf(rewrap().starter.stateMachine)}}`] },
      { actions: ['sqs:SendMessage'], resources: [`\${${logicalIdOf(built.stack.deadLetterQueue)}.Arn}`] },
      { actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [`\${${logicalIdOf(built.stack.dataKey)}.Arn}`] },
    ]);
    core.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalIdOf(built.stack.scheduleGroup), 'Arn'] } },
            },
          },
        ],
      },
      Description: "keyturn: lets the re-wrap jobs' schedules start the re-wrap starter, nothing else",
    });
  });

  test('outputs the re-wrap state machine (to run a job by hand) and the function role (for adopted keys)', () => {
    // THEN
    expect(Object.keys(core.findOutputs('*'))).toEqual(
      expect.arrayContaining(['KmsRewrapStateMachineArn', 'KmsRewrapFunctionRoleArn']),
    );
  });
});

describe('KMS re-wrap: when there is nothing to re-wrap, or too much for a rule', () => {
  test('keys without jobs: no re-wrap function, state machines or rules', () => {
    // WHEN
    const { app, stack } = createKeyturnApp({
      policy: policyWithKeys([macKey]),
      appProps: { context: NO_BUNDLING },
    });
    const template = Template.fromStack(stack);

    // THEN
    expect(stack.kmsRewrap).toBeUndefined();
    expect(Object.keys(resourcesOf(template)).filter((id) => id.startsWith('KmsRewrap'))).toEqual([]);
    expect(app.node.tryFindChild('Keyturn')).toBeDefined();
  });

  test("jobs too large for a rule's input stop the synthesis, naming the key", () => {
    // GIVEN four jobs of 64 segments, each allowing 40 more keys
    const sources = Array.from(
      { length: 40 },
      (_, i) => `arn:aws:kms:eu-west-1:111122223333:key/${String(i).padStart(8, '0')}-12ab-34cd-56ef-1234567890ab`,
    );
    const crowded: KeyEntryInput = {
      ...dataKey,
      rewrap: ['a', 'b', 'c', 'd'].map((suffix) => ({
        table: `table-${suffix}`,
        key: { partition: 'id' },
        ciphertextAttribute: 'wrapped',
        allowedSourceKeys: sources,
        fraction: 0.05,
        segments: 64,
      })),
    };

    // WHEN / THEN
    expect(() => createKeyturnApp({ policy: policyWithKeys([crowded]), appProps: { context: NO_BUNDLING } })).toThrow(
      RewrapTriggerError,
    );
    expect(() => createKeyturnApp({ policy: policyWithKeys([crowded]), appProps: { context: NO_BUNDLING } })).toThrow(
      /re-wrap jobs of key "orders-data-key" take up to \d+ characters in a rule's input, more than EventBridge allows \(8192\)/,
    );
  });
});

describe('KMS re-wrap: the function bundle', () => {
  test("bundles its DynamoDB and KMS clients into index.js, and none of the rotation function's lazy modules", async () => {
    // GIVEN the re-wrap function's bundle settings / WHEN esbuild bundles its entry as NodejsFunction does
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-rewrap-bundle-'));
    try {
      const result = await build({
        ...toEsbuildOptions(REWRAP_FUNCTION.bundle, REWRAP_FUNCTION.entry, path.join(outdir, 'index.js')),
        metafile: true,
        write: false,
      });

      // THEN every slice's clients are inside (no lazy module: each slice calls both)
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.some((file) => file.includes('@aws-sdk/client-kms/'))).toBe(true);
      expect(inputs.some((file) => file.includes('@aws-sdk/client-dynamodb/'))).toBe(true);
      expect(REWRAP_FUNCTION.bundle.lazyModules).toEqual([]);
      // AND no driver or client only the rotation function loads
      const others = ROTATE_SECRET_BUNDLE.lazyModules
        .map((m) =>
          m.specifier
            .split('/')
            .slice(0, m.specifier.startsWith('@') ? 2 : 1)
            .join('/'),
        )
        .filter((name) => name !== '@aws-sdk/client-dynamodb');
      expect(inputs.filter((file) => others.some((name) => file.includes(`node_modules/${name}/`)))).toEqual([]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
