import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MONITORED_KEYS_ENV, parseMonitoredKeys } from '../../../functions/freshness-check/monitored-keys';
import { ENTRY_RESOURCE_TAG, KEY_MANAGEMENT_ACTIONS } from '../../../infra/constructs/kms-keys/kms-key-permissions';
import { KMS_KEYS_SECTION } from '../../../infra/constructs/observability/kms-keys-dashboard-row';
import { RunbookAnchor } from '../../../infra/constructs/observability/runbooks';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { build } from 'esbuild';
import { parseKeyRunInput } from '../../../functions/kms-key/run-input';
import { KMS_KEY_FUNCTION, REPO_ROOT, toEsbuildOptions } from '../../../infra/constructs/bundling-options';
import { kmsKeyTimeoutFor } from '../../../infra/constructs/kms-keys/kms-key-rotation';
import { RotatedKeysValidationError } from '../../../infra/constructs/kms-keys/rotated-keys';
import { createKeyturnApp } from '../../../infra/keyturn-app';
import type { KeyEntryInput } from '../../../infra/policy/key-schema';
import { keyRunSeconds } from '../../../infra/policy/key-settings';
import type { ResolvedPolicy } from '../../../infra/policy/defaults';
import { aslErrors } from '../../support/asl';
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
const ANY_KEY = 'arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*';
const aliasArn = (name: string): string =>
  `arn:\${AWS::Partition}:kms:\${AWS::Region}:\${AWS::AccountId}:alias/${name}`;
const KEY_MANAGEMENT = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:EnableKey',
  'kms:GetKeyLastUsage',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
];
const sorted = (actions: readonly string[]): string[] => [...actions].sort();

/** Symmetric, KMS rotates it every 180 days; keyturn never runs for it. */
const dataKey: KeyEntryInput = {
  kind: 'kms-key',
  id: 'orders-data-key',
  owner,
  key: { create: { alias: 'alias/orders-data' } },
  automaticRotation: { periodDays: 180 },
  tags: { 'cost-center': 'orders' },
};
/** HMAC: replaced every 90 days behind its alias, alerts to the security route. */
const macKey: KeyEntryInput = {
  kind: 'kms-key',
  id: 'webhook-mac-key',
  owner,
  key: { create: { alias: 'alias/webhook-mac', keySpec: 'HMAC_256' } },
  schedule: { expression: 'rate(90 days)', window: '2h' },
  settings: { grace: '2d', canaryWatch: '6h' },
  alertRoute: 'security',
};
/** An existing key keyturn adopts: its spec is unknown, so it may be replaced. */
const legacyKey: KeyEntryInput = {
  kind: 'kms-key',
  id: 'legacy-signing-key',
  owner,
  key: { adopt: { arn: ADOPTED_ARN, alias: 'alias/legacy-signing' } },
  schedule: { expression: 'cron(0 4 ? * SUN *)' },
};

const apiKey = { id: 'api-key', kind: 'random' as const, secret: { name: 'svc/api-key', create: true }, owner };
const routes = { platform: { emails: ['oncall@example.com'] }, security: {} };

function policyWithKeys(keys: KeyEntryInput[] | undefined): ResolvedPolicy {
  return policyOf([apiKey], {
    alerts: { routes, defaultRoute: 'platform' },
    ...(keys === undefined ? {} : { keys }),
  });
}

describe('a policy with KMS keys: created, adopted, rotated by KMS or by keyturn', () => {
  let built: SynthesizedApp;
  let core: Template;

  beforeAll(() => {
    // GIVEN a symmetric key with automatic rotation, an HMAC key and an adopted key / WHEN the app is synthesized
    built = synthesizeApp({ policy: policyWithKeys([dataKey, macKey, legacyKey]) });
    core = built.core;
  });

  const rotation = () => {
    const kmsKeys = built.stack.kmsKeys;
    if (!kmsKeys) throw new Error('no KMS key rotation in the core stack');
    return kmsKeys;
  };
  const functionStatements = () => statementsOfRole(core, logicalIdOf(rotation().function.role));
  const keyLogicalId = (entryId: string): string => policyKeyLogicalId(built, entryId);

  test('passes cdk-nag with each acknowledgement on its own construct, naming the rule', () => {
    // THEN no unacknowledged finding
    expect(findings(built.report)).toEqual([]);
    // AND the wildcards of the kms-key function each sit in a policy of their own, acknowledged there
    const acknowledged = Object.entries(resourcesOf(core))
      .filter(([id]) => id.startsWith('KmsKeys'))
      .flatMap(([id, r]) =>
        (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule) => `${id.replace(/[0-9A-F]{8}$/, '')}: ${rule.id}`),
      );
    expect(acknowledged.sort()).toEqual([
      'KmsKeysFunctionCloudTrailLookupPolicy: AwsSolutions-IAM5[Resource::*]',
      'KmsKeysFunctionCreateReplacementKeysPolicy: AwsSolutions-IAM5[Resource::*]',
      'KmsKeysFunctionCreateReplacementKeysPolicy: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      'KmsKeysFunctionListKeysPolicy: AwsSolutions-IAM5[Resource::*]',
      'KmsKeysFunctionReplacementKeysPolicy: AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      'KmsKeysStateMachineRoleDefaultPolicy: AwsSolutions-IAM5[Resource::*]',
    ]);
  });

  test('the freshness check watches every key through its alias, bounded as the policy says, and may read them only', () => {
    // THEN the function's environment names each key with the age its policy allows
    const freshness = built.stack.freshnessCheck;
    const fn = resourcesOf(core)[logicalIdOf(freshness.function)];
    const variables = (fn?.Properties.Environment as { Variables: Record<string, string> }).Variables;
    const DAY = 86_400;
    expect(parseMonitoredKeys(variables[MONITORED_KEYS_ENV])).toEqual([
      // KMS every 180 days: the period, a day, an hour
      { entryId: 'orders-data-key', keyRef: 'alias/orders-data', maxAgeSeconds: 181 * DAY + 3_600 },
      // keyturn every 90 days in a 2h window: interval, window, an hour
      { entryId: 'webhook-mac-key', keyRef: 'alias/webhook-mac', maxAgeSeconds: 90 * DAY + 3 * 3_600 },
      // weekly cron, the key schedules' default 1h window, an hour
      { entryId: 'legacy-signing-key', keyRef: 'alias/legacy-signing', maxAgeSeconds: 7 * DAY + 2 * 3_600 },
    ]);
    // AND its role is an output, for an adopted key's key policy
    core.hasOutput('FreshnessCheckRoleArn', { Value: { 'Fn::GetAtt': [logicalIdOf(freshness.role), 'Arn'] } });
    // AND the dashboard has the KMS keys row, on the kms-key state machine
    const dashboard = JSON.stringify(Object.values(resourcesOf(core, 'AWS::CloudWatch::Dashboard'))[0]);
    expect(dashboard).toContain(KMS_KEYS_SECTION);
    expect(dashboard).toContain(logicalIdOf(rotation().stateMachine.stateMachine));
    // AND its role reads exactly the policy's keys and the replacements of the two replaceable ones
    const kmsStatements = statementsOfRole(core, logicalIdOf(freshness.role)).filter((st) =>
      asArray(st.Action).includes('kms:DescribeKey'),
    );
    expect(kmsStatements.map((st) => ({ ...st, Resource: asArray(st.Resource).map(render).sort() }))).toEqual([
      {
        Effect: 'Allow',
        Action: ['kms:DescribeKey', 'kms:ListKeyRotations'],
        Resource: [
          ADOPTED_ARN,
          `\${${keyLogicalId('orders-data-key')}.Arn}`,
          `\${${keyLogicalId('webhook-mac-key')}.Arn}`,
        ].sort(),
      },
      {
        Sid: 'ReadReplacementKeys',
        Effect: 'Allow',
        Action: ['kms:DescribeKey', 'kms:ListKeyRotations'],
        Resource: [ANY_KEY],
        Condition: { StringEquals: { [ENTRY_RESOURCE_TAG]: ['webhook-mac-key', 'legacy-signing-key'] } },
      },
    ]);
  });

  test('creates the symmetric key with automatic rotation every 180 days, its alias and tags, and keeps it', () => {
    // THEN
    core.hasResource('AWS::KMS::Key', {
      Properties: {
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        EnableKeyRotation: true,
        RotationPeriodInDays: 180,
        Tags: [
          { Key: 'cost-center', Value: 'orders' },
          { Key: 'keyturn:entry', Value: 'orders-data-key' },
          { Key: 'keyturn:owner', Value: 'platform' },
        ],
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    core.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/orders-data',
      TargetKeyId: { 'Fn::GetAtt': [keyLogicalId('orders-data-key'), 'Arn'] },
    });
  });

  test('creates the HMAC key of its spec and usage, without automatic rotation (KMS has none for it)', () => {
    // THEN
    core.hasResource('AWS::KMS::Key', {
      Properties: {
        KeySpec: 'HMAC_256',
        KeyUsage: 'GENERATE_VERIFY_MAC',
        EnableKeyRotation: false,
        Tags: [
          { Key: 'keyturn:entry', Value: 'webhook-mac-key' },
          { Key: 'keyturn:owner', Value: 'platform' },
        ],
      },
      DeletionPolicy: 'Retain',
    });
    core.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/webhook-mac' });
    // AND the adopted key is only referenced: three keys of the policy, the core's own four besides
    const described = Object.values(resourcesOf(core, 'AWS::KMS::Key')).map((k) => String(k.Properties.Description));
    expect(
      described.filter((d) => d.startsWith('keyturn: orders-data-key') || d.startsWith('keyturn: webhook-mac-key')),
    ).toHaveLength(2);
    expect(JSON.stringify(core.toJSON())).not.toContain('"AliasName":"alias/legacy-signing"');
  });

  test('the created keys keep the default key policy: IAM policies of the account (the function role) may use them', () => {
    // THEN
    core.hasResourceProperties('AWS::KMS::Key', {
      KeySpec: 'HMAC_256',
      KeyPolicy: {
        Statement: [
          {
            Action: 'kms:*',
            Effect: 'Allow',
            Principal: {
              AWS: {
                'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']],
              },
            },
            Resource: '*',
          },
        ],
      },
    });
  });

  test("the function: the kms-key handler, a timeout as long as the definition's longest task, the audit bus and default route", () => {
    // THEN
    const definition = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, 'statemachines', 'kms-key.asl.json'), 'utf8'),
    ) as {
      States: Record<string, { Type: string; TimeoutSeconds?: number }>;
    };
    const longestTask = Math.max(...Object.values(definition.States).map((s) => s.TimeoutSeconds ?? 0));
    expect(longestTask).toBeGreaterThanOrEqual(300);
    core.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      Runtime: 'nodejs24.x',
      Timeout: longestTask,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'keyturn-kms-key',
          POWERTOOLS_METRICS_NAMESPACE: 'keyturn',
          KEYTURN_DEFAULT_ALERT_TOPIC_ARN: { Ref: logicalIdOf(built.stack.alerts.topic('platform')) },
          KEYTURN_AUDIT_BUS_NAME: { Ref: logicalIdOf(built.stack.observability.auditTrail.bus) },
        },
      },
      LoggingConfig: { LogGroup: { Ref: logicalIdOf(rotation().function.logGroup) }, LogFormat: 'JSON' },
    });
  });

  test("the function's role may manage exactly the policy's keys, each with its usage's round trip, and move their aliases", () => {
    // THEN statements on the policy's keys name them by ARN
    const onKey = (resource: string) =>
      functionStatements().filter((s) => asArray(s.Resource).map(render).includes(resource));
    const actionsOn = (resource: string) => sorted(onKey(resource).flatMap((s) => asArray(s.Action)));
    expect(actionsOn(`\${${keyLogicalId('orders-data-key')}.Arn}`)).toEqual(
      sorted([...KEY_MANAGEMENT, 'kms:Encrypt', 'kms:Decrypt']),
    );
    expect(actionsOn(`\${${keyLogicalId('webhook-mac-key')}.Arn}`)).toEqual(
      sorted([...KEY_MANAGEMENT, 'kms:GenerateMac', 'kms:VerifyMac']),
    );
    // the adopted key's usage is unknown: every round trip
    expect(actionsOn(ADOPTED_ARN)).toEqual(
      sorted([
        ...KEY_MANAGEMENT,
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:Sign',
        'kms:Verify',
        'kms:GetPublicKey',
        'kms:GenerateMac',
        'kms:VerifyMac',
      ]),
    );
    expect(onKey(ADOPTED_ARN).every((s) => s.Condition === undefined)).toBe(true);
    // AND the aliases by ARN, for UpdateAlias and CreateAlias only
    const aliases = functionStatements().filter((s) =>
      asArray(s.Resource)
        .map(render)
        .some((r) => r.includes(':alias/')),
    );
    expect(aliases).toHaveLength(1);
    expect(sorted(asArray(aliases[0]?.Action))).toEqual(['kms:CreateAlias', 'kms:UpdateAlias']);
    expect(asArray(aliases[0]?.Resource).map(render).sort()).toEqual(
      ['legacy-signing', 'orders-data', 'webhook-mac'].map(aliasArn),
    );
  });

  test('replacement keys only through the keyturn:entry tag naming a replaceable entry of the policy', () => {
    // THEN the HMAC key and the adopted key may be replaced; the symmetric key only rotates its material
    const replaceable = ['webhook-mac-key', 'legacy-signing-key'];
    const onReplacements = functionStatements().filter((s) => s.Sid === 'ReplacementKeys');
    expect(onReplacements).toEqual([
      {
        Sid: 'ReplacementKeys',
        Effect: 'Allow',
        Action: expect.any(Array) as unknown,
        Resource: expect.anything() as unknown,
        Condition: { StringEquals: { 'aws:ResourceTag/keyturn:entry': replaceable } },
      },
    ]);
    expect(render(onReplacements[0]?.Resource)).toBe(ANY_KEY);
    expect(sorted(asArray(onReplacements[0]?.Action))).toEqual(
      sorted([
        // a replacement is the key the next run rotates, disables and retires: what the policy keys get
        ...KEY_MANAGEMENT_ACTIONS,
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:Sign',
        'kms:Verify',
        'kms:GetPublicKey',
        'kms:GenerateMac',
        'kms:VerifyMac',
      ]),
    );
    // AND CreateKey (no resource type) and the tags it sets only with the replacement tags in the request
    const requestTags = {
      StringEquals: { 'aws:RequestTag/keyturn:entry': replaceable },
      Null: { 'aws:RequestTag/keyturn:replaces': 'false', 'aws:RequestTag/keyturn:rotation-id': 'false' },
    };
    const byAction = (action: string) => functionStatements().filter((s) => asArray(s.Action).includes(action));
    expect(byAction('kms:CreateKey')).toEqual([
      {
        Sid: 'CreateTaggedReplacementKeys',
        Effect: 'Allow',
        Action: 'kms:CreateKey',
        Resource: '*',
        Condition: requestTags,
      },
    ]);
    // (TagResource on key/* is also in ReplacementKeys: only on keys already tagged with a replaceable entry)
    const tagAnyKey = byAction('kms:TagResource').filter(
      (s) => render(s.Resource) === ANY_KEY && s.Sid !== 'ReplacementKeys',
    );
    expect(tagAnyKey).toEqual([
      expect.objectContaining({
        Sid: 'TagReplacementKeysAtCreation',
        Action: 'kms:TagResource',
        Condition: requestTags,
      }),
    ]);
  });

  test('every KMS action of the role is accounted for: no wildcard resource without a condition except the lists', () => {
    // THEN
    const unconditionedWildcards = functionStatements()
      .filter((s) => s.Condition === undefined)
      .flatMap((s) =>
        asArray(s.Resource)
          .map(render)
          .filter((r) => r === '*' || r.endsWith('/*'))
          .flatMap(() => asArray(s.Action)),
      );
    expect(sorted(unconditionedWildcards)).toEqual(['cloudtrail:LookupEvents', 'kms:ListAliases', 'kms:ListKeys']);
    const kmsActions = new Set(
      functionStatements()
        .flatMap((s) => asArray(s.Action))
        .filter((a) => a.startsWith('kms:')),
    );
    // the alert topics' and the dead-letter queue's keys: publishing and sending need these two
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) expect(kmsActions.has(action)).toBe(true);
    expect([...kmsActions].filter((a) => a.includes('*'))).toEqual([]);
  });

  test('the state machine is statemachines/kms-key.asl.json with the function filled in, logged without data, timed by the settings', () => {
    // THEN
    const { stateMachine } = rotation();
    const resource = resourcesOf(core, 'AWS::StepFunctions::StateMachine')[logicalIdOf(stateMachine.stateMachine)];
    const fromFile = JSON.parse(
      fs.readFileSync(path.join(REPO_ROOT, 'statemachines', 'kms-key.asl.json'), 'utf8'),
    ) as object;
    const deployed = JSON.parse(String(resource?.Properties.DefinitionString)) as { TimeoutSeconds: number };
    expect(deployed).toEqual({ ...fromFile, TimeoutSeconds: kmsKeyTimeoutFor(built.policy.keys).toSeconds() });
    // the HMAC key's two days of grace, drain checks and six hours of canary watch are the longest run
    const mac = built.policy.keys.find((k) => k.id === 'webhook-mac-key');
    expect(deployed.TimeoutSeconds).toBe(mac ? keyRunSeconds(mac.settings) : NaN);
    expect(deployed.TimeoutSeconds).toBeGreaterThan(2 * 86_400 + 6 * 3_600);
    expect(resource?.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      DefinitionSubstitutions: { KmsKeyFunction: { 'Fn::GetAtt': [logicalIdOf(rotation().function.function), 'Arn'] } },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
    core.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(built.stack.dataKey), 'Arn'] },
      RetentionInDays: 365,
    });
    // AND valid Amazon States Language once the function's ARN is filled in
    const filled = String(resource?.Properties.DefinitionString)
      .split('${KmsKeyFunction}')
      .join('arn:aws:lambda:eu-west-1:111122223333:function:Keyturn-KmsKey');
    expect(aslErrors(JSON.parse(filled) as object)).toEqual([]);
    // AND its role may invoke exactly that function
    const invoked = statementsOfRole(core, logicalIdOf(stateMachine.role))
      .filter((s) => asArray(s.Action).includes('lambda:InvokeFunction'))
      .flatMap((s) => asArray(s.Resource).map(render));
    expect(invoked).toEqual([`\${${logicalIdOf(rotation().function.function)}.Arn}`]);
  });

  test("a schedule per key with a schedule starts the state machine with that key's run input; none for automatic rotation only", () => {
    // THEN
    const schedules = Object.values(resourcesOf(core, 'AWS::Scheduler::Schedule')).filter(
      (s) => s.Properties.Name !== 'keyturn.freshness-check',
    );
    expect(schedules.map((s) => s.Properties.Name).sort()).toEqual(['legacy-signing-key', 'webhook-mac-key']);
    core.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'webhook-mac-key',
      GroupName: 'keyturn',
      ScheduleExpression: 'rate(90 days)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 120 },
      Target: Match.objectLike({
        Arn: { Ref: logicalIdOf(rotation().stateMachine.stateMachine) },
        RoleArn: { 'Fn::GetAtt': [logicalIdOf(rotation().schedulerRole), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(built.stack.deadLetterQueue), 'Arn'] } },
      }),
    });
    const inputOf = (name: string): unknown =>
      JSON.parse(
        render((schedules.find((s) => s.Properties.Name === name)?.Properties.Target as { Input: unknown }).Input),
      );
    const macInput = {
      entryId: 'webhook-mac-key',
      keyId: `\${${keyLogicalId('webhook-mac-key')}.Arn}`,
      aliasName: 'alias/webhook-mac',
      alertTopicArn: `\${${logicalIdOf(built.stack.alerts.topic('security'))}}`,
      settings: {
        graceSeconds: 172_800,
        drainCheckSeconds: 300,
        drainChecks: 12,
        whenStillInUse: 'stop',
        keepForVerificationSeconds: 0,
        canaryWatchSeconds: 21_600,
        deletionWindowDays: 30,
        onDemandRotationLimit: 10,
      },
    };
    expect(inputOf('webhook-mac-key')).toEqual(macInput);
    expect(inputOf('legacy-signing-key')).toMatchObject({
      entryId: 'legacy-signing-key',
      keyId: ADOPTED_ARN,
      aliasName: 'alias/legacy-signing',
      alertTopicArn: `\${${logicalIdOf(built.stack.alerts.topic('platform'))}}`,
    });
    // AND each is an input the run accepts as it is
    expect(parseKeyRunInput(inputOf('webhook-mac-key'))).toEqual({ ...macInput, emergency: false });
    expect(() => parseKeyRunInput(inputOf('legacy-signing-key'))).not.toThrow();
  });

  test("the keys' scheduler role may only start the kms-key state machine and write to the dead-letter queue, for keyturn's group", () => {
    // THEN
    const role = rotation().schedulerRole;
    core.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('KMS key schedules'),
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalIdOf(built.stack.scheduleGroup), 'Arn'] } },
            },
          }),
        ],
      },
    });
    const statements = statementsOfRole(core, logicalIdOf(role));
    expect(sorted(statements.flatMap((s) => asArray(s.Action)))).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'sqs:SendMessage',
      'states:StartExecution',
    ]);
    expect(statements.find((s) => s.Action === 'states:StartExecution')?.Resource).toEqual({
      Ref: logicalIdOf(rotation().stateMachine.stateMachine),
    });
  });

  test("KMS's rotation and deletion events go to the kms-key function, which records them as audit events", () => {
    // THEN
    core.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.kms'], 'detail-type': ['KMS CMK Rotation', 'KMS CMK Deletion'] },
      Targets: Match.arrayWith([
        Match.objectLike({
          Arn: Match.anyValue(),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        }),
      ]),
    });
    core.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(rotation().function.function), 'Arn'] },
    });
  });

  test('outputs the state machine ARN (to start runs) and the function role ARN (for adopted keys’ key policies)', () => {
    // THEN
    const outputs = (core.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    expect(outputs.KmsKeyStateMachineArn?.Value).toEqual({ Ref: logicalIdOf(rotation().stateMachine.stateMachine) });
    expect(outputs.KmsKeyFunctionRoleArn?.Value).toEqual({
      'Fn::GetAtt': [logicalIdOf(rotation().function.role), 'Arn'],
    });
  });
});

describe('a policy whose keys only rotate their material', () => {
  test('gives the function no CreateKey, no replacement keys, no ListKeys and no CloudTrail; acknowledges KMS5 for on-demand rotation', () => {
    // GIVEN a symmetric key with automatic rotation and one rotated on demand on a schedule
    const onDemand: KeyEntryInput = {
      kind: 'kms-key',
      id: 'ledger-key',
      owner,
      key: { create: { alias: 'alias/ledger' } },
      schedule: { expression: 'rate(30 days)' },
      tags: { 'cost-center': 'orders' },
    };

    // WHEN
    const built = synthesizeApp({ policy: policyWithKeys([dataKey, onDemand]) });

    // THEN
    expect(findings(built.report)).toEqual([]);
    const core = built.core;
    if (!built.stack.kmsKeys) throw new Error('no KMS key rotation');
    const actions = statementsOfRole(core, logicalIdOf(built.stack.kmsKeys.function.role)).flatMap((s) =>
      asArray(s.Action),
    );
    for (const absent of ['kms:CreateKey', 'kms:ListKeys', 'cloudtrail:LookupEvents'])
      expect(actions).not.toContain(absent);
    expect(actions).toContain('kms:ListAliases');
    core.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: false, Tags: Match.arrayWith([{ Key: 'keyturn:entry', Value: 'ledger-key' }]) },
      Metadata: { cdk_nag: { rules_to_suppress: [Match.objectLike({ id: 'AwsSolutions-KMS5' })] } },
    });
  });
});

describe("a policy naming the account's CloudTrail log group", () => {
  test('alarms on uses of keys pending deletion through a metric filter there, routed to the default route', () => {
    // GIVEN the keys and the trail's log group / WHEN the app is synthesized
    const policy = policyOf([apiKey], {
      alerts: { routes, defaultRoute: 'platform', cloudTrailLogGroup: 'aws-cloudtrail-logs-111122223333' },
      keys: [macKey],
    });
    const built = synthesizeApp({ policy });
    const { core } = built;

    // THEN
    expect(findings(built.report)).toEqual([]);
    core.hasResourceProperties('AWS::Logs::MetricFilter', {
      LogGroupName: 'aws-cloudtrail-logs-111122223333',
      FilterPattern: Match.stringLikeRegexp('is pending deletion'),
      MetricTransformations: [Match.objectLike({ MetricName: 'KmsKeyPendingDeletionUses' })],
    });
    const platformTopic = logicalIdOf(built.stack.alerts.topic('platform'));
    core.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Keyturn-kms-key-pending-deletion-used',
      AlarmActions: [{ Ref: platformTopic }],
    });
  });
});

describe('a policy without keys', () => {
  test('synthesizes nothing KMS-key related, the same template as before keys existed', () => {
    // GIVEN the same policy without keys, and with an empty list / WHEN
    const without = synthesizeApp({ policy: policyWithKeys(undefined) });
    const empty = synthesizeApp({ policy: policyWithKeys([]) });

    // THEN
    expect(without.stack.kmsKeys).toBeUndefined();
    const core = without.core;
    const json = core.toJSON() as { Resources: Record<string, unknown>; Outputs: Record<string, unknown> };
    expect(Object.keys(json.Resources).filter((id) => id.startsWith('KmsKeys'))).toEqual([]);
    expect(Object.keys(json.Outputs).filter((id) => id.startsWith('KmsKey'))).toEqual([]);
    // (the dashboard's runbook index names every runbook, the KMS key one too)
    const withoutRunbookIndex = JSON.stringify(json)
      .replaceAll(RunbookAnchor.KmsKeyRotationFailed, '')
      .replaceAll(RunbookAnchor.KmsKeyPendingDeletionUsed, '');
    expect(withoutRunbookIndex).not.toMatch(/kms:CreateKey|keyturn:replaces|kms-key|KmsKeyFunction/);
    // no keys for the freshness check, no KMS keys row on the dashboard
    expect(JSON.stringify(json)).not.toContain(MONITORED_KEYS_ENV);
    expect(JSON.stringify(json)).not.toContain(KMS_KEYS_SECTION);
    expect(Object.keys(json.Outputs)).not.toContain('FreshnessCheckRoleArn');
    // the core's own keys only: secrets, data, alerts, audit
    expect(Object.keys(resourcesOf(core, 'AWS::KMS::Key'))).toHaveLength(4);
    expect(empty.core.toJSON()).toEqual(json);
  });
});

describe('adopted keys and the function bundle', () => {
  test('an adopted key of another Region than the stack is refused at synthesis, naming the key', () => {
    // GIVEN a stack in us-east-1 and a key in eu-west-1
    const policy = policyWithKeys([legacyKey]);
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-kms-'));

    // WHEN / THEN
    const create = () =>
      createKeyturnApp({
        appProps: { context: NO_BUNDLING, outdir },
        policy,
        stackProps: { env: { account: '111122223333', region: 'us-east-1' } },
      });
    expect(create).toThrow(RotatedKeysValidationError);
    expect(create).toThrow(
      `key "legacy-signing-key": ${ADOPTED_ARN} is in Region eu-west-1, the stack in us-east-1: keyturn rotates keys of its own account and Region`,
    );
  });

  test("the function's bundle keeps CloudTrail's client out of index.js (loaded only by a replacement's canary check)", async () => {
    // GIVEN the kms-key function's bundle settings / WHEN esbuild bundles its entry as NodejsFunction does
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-kms-bundle-'));
    try {
      const result = await build({
        ...toEsbuildOptions(KMS_KEY_FUNCTION.bundle, KMS_KEY_FUNCTION.entry, path.join(outdir, 'index.js')),
        metafile: true,
        write: false,
      });

      // THEN the KMS client is inside, the CloudTrail client is a lazy module of its own
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.some((file) => file.includes('@aws-sdk/client-kms/'))).toBe(true);
      expect(inputs.filter((file) => file.includes('@aws-sdk/client-cloudtrail/'))).toEqual([]);
      expect(KMS_KEY_FUNCTION.bundle.lazyModules.map((m) => m.specifier)).toEqual(['@aws-sdk/client-cloudtrail']);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
