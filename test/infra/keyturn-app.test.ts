import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { REPO_ROOT } from '../../infra/constructs/bundling-options';
import { aslErrors } from '../support/asl';
import { createKeyturnApp } from '../../infra/keyturn-app';
import { PolicyError } from '../../infra/policy/load-policy';
import { type SynthesizedApp, findings, synthesizeApp } from './support/app';
import {
  NO_BUNDLING,
  actionsOnWildcards,
  allowStatements,
  asArray,
  isSecretsManagerOrKmsWrite,
  logicalIdOf,
  owner,
  policyOf,
  render,
  resourcesOf,
  roleStatements,
} from './support/infra';

const execFileAsync = promisify(execFile);

describe('the keyturn app, from the example policy', () => {
  let built: SynthesizedApp;

  beforeAll(() => {
    // GIVEN the context cdk.json gives (it names the example policy) / WHEN the app is synthesized, as `cdk synth`
    // does it: with CDK's CloudFormation template validation
    built = synthesizeApp({ cloudFormationValidation: true });
  });

  function template(stackName: string): Template {
    const found = built.templates.get(stackName);
    if (!found) throw new Error(`no stack ${stackName}`);
    return found;
  }

  test('reads the policy the context names and places its 24 entries: one stack without network, one per network', () => {
    // THEN
    expect(built.policy.entries).toHaveLength(24);
    expect(built.plan.map((p) => [p.id, p.entries.length])).toEqual([
      ['KeyturnSecrets-1', 11],
      ['KeyturnSecrets-orders-vpc-1', 13],
    ]);
    expect([...built.templates.keys()]).toEqual(['Keyturn', 'KeyturnSecrets-1', 'KeyturnSecrets-orders-vpc-1']);
  });

  test('passes cdk-nag AWS Solutions checks and CDK template validation with zero unacknowledged findings', () => {
    expect(findings(built.report)).toEqual([]);
  });

  test('every acknowledgement names a rule and gives a reason', () => {
    // THEN
    const acknowledgements = [...built.templates.values()].flatMap((t) =>
      Object.values(resourcesOf(t)).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []),
    ) as { id: string; reason: string }[];
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const ack of acknowledgements) {
      expect(ack.id).toMatch(/^AwsSolutions-[A-Z]+\d+(\[.+\])?$/);
      expect(ack.reason.length).toBeGreaterThan(40);
    }
  });

  test('gives every entry one lifecycle schedule and one native rotation, in exactly one stack', () => {
    // THEN (lifecycle schedules live in the secrets stacks; the core holds only the freshness check's)
    const schedules = built.secretsStacks
      .map((stack) => template(stack.stackName))
      .flatMap((t) => Object.values(resourcesOf(t, 'AWS::Scheduler::Schedule')).map((r) => r.Properties.Name));
    expect(schedules.sort()).toEqual(built.policy.entries.map((e) => e.id).sort());
    const rotations = [...built.templates.values()].reduce(
      (n, t) => n + Object.keys(resourcesOf(t, 'AWS::SecretsManager::RotationSchedule')).length,
      0,
    );
    expect(rotations).toBe(24);
  });

  test('creates the secrets marked create, each with a resource policy, and attaches none to adopted secrets', () => {
    // THEN
    const created = built.policy.entries.filter((e) => e.secret.create).map((e) => e.secret.name);
    const secrets = [...built.templates.values()].flatMap((t) =>
      Object.values(resourcesOf(t, 'AWS::SecretsManager::Secret')),
    );
    expect(secrets.map((s) => s.Properties.Name).sort()).toEqual([...created].sort());
    const policies = [...built.templates.values()].reduce(
      (n, t) => n + Object.keys(resourcesOf(t, 'AWS::SecretsManager::ResourcePolicy')).length,
      0,
    );
    expect(policies).toBe(created.length);
  });

  test('encrypts every store with a customer managed key: secrets, queues, log groups (and keeps logs for a set time)', () => {
    // THEN listed by stack and logical id if any lacks it
    const unencrypted = [...built.templates].flatMap(([name, t]) => [
      ...Object.entries(resourcesOf(t, 'AWS::SecretsManager::Secret'))
        .filter(([, r]) => r.Properties.KmsKeyId === undefined)
        .map(([id]) => `${name}/${id}`),
      ...Object.entries(resourcesOf(t, 'AWS::SQS::Queue'))
        .filter(([, r]) => r.Properties.KmsMasterKeyId === undefined)
        .map(([id]) => `${name}/${id}`),
      ...Object.entries(resourcesOf(t, 'AWS::Logs::LogGroup'))
        .filter(([, r]) => r.Properties.KmsKeyId === undefined)
        .map(([id]) => `${name}/${id}`),
    ]);
    expect(unencrypted).toEqual([]);
    const kept = [...built.templates.values()].flatMap((t) =>
      Object.values(resourcesOf(t, 'AWS::Logs::LogGroup')).map((r) => r.Properties.RetentionInDays),
    );
    expect(kept.length).toBeGreaterThanOrEqual(4);
    expect(kept.every((days) => typeof days === 'number' && days > 0)).toBe(true);
  });

  test('allows no Secrets Manager or KMS write on a wildcard resource, except the resource-less GetRandomPassword and KMS key replacements by tag', () => {
    // THEN
    const onWildcards = [...built.templates].flatMap(([name, t]) =>
      actionsOnWildcards(t)
        .filter(({ action }) => isSecretsManagerOrKmsWrite(action))
        .map(({ action, resource }) => `${name}: ${action} on ${resource}`),
    );
    // a replacement key's id is KMS's to choose: the kms-key function reaches those keys only through the
    // keyturn:entry tag (on the key, or in the CreateKey request) naming one of the policy's entries
    const byReplacementTag = new Set(
      [...built.templates].flatMap(([name, t]) =>
        allowStatements(t)
          .filter((st) =>
            Object.values(st.Condition ?? {}).some((test) =>
              Object.keys(test).some((key) => /^aws:(Resource|Request)Tag\/keyturn:entry$/.test(key)),
            ),
          )
          .flatMap((st) =>
            asArray(st.Action).flatMap((a) => asArray(st.Resource).map((r) => `${name}: ${a} on ${render(r)}`)),
          ),
      ),
    );
    expect(
      onWildcards.filter(
        (finding) => !finding.includes('secretsmanager:GetRandomPassword on *') && !byReplacementTag.has(finding),
      ),
    ).toEqual([]);
    expect(
      onWildcards.filter((finding) => byReplacementTag.has(finding)).every((f) => f.startsWith('Keyturn: kms:')),
    ).toBe(true);
  });

  test('the lifecycle may rotate only secrets tagged keyturn:managed, and every managed secret carries that tag', () => {
    // THEN the lifecycle and emergency roles: Allow with the tag condition, narrowed by Deny
    const managed = { 'aws:ResourceTag/keyturn:managed': 'true' };
    const { orchestration } = built.stack;
    for (const machine of [orchestration.lifecycle, orchestration.emergency]) {
      template('Keyturn').hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalIdOf(machine.role) }],
        PolicyDocument: {
          Statement: [
            Match.objectLike({
              Effect: 'Allow',
              Action: 'secretsmanager:RotateSecret',
              Condition: { StringEquals: managed },
            }),
            Match.objectLike({
              Effect: 'Deny',
              Action: 'secretsmanager:RotateSecret',
              Condition: { StringNotEquals: managed },
            }),
          ],
        },
      });
    }
    // created secrets by CloudFormation tags, adopted ones through the tagging custom resource
    const tagged = [...built.templates.values()].flatMap((t) => [
      ...Object.values(resourcesOf(t, 'AWS::SecretsManager::Secret')).map((s) =>
        (s.Properties.Tags as { Key: string; Value: string }[]).some(
          (tag) => tag.Key === 'keyturn:managed' && tag.Value === 'true',
        ),
      ),
      ...Object.values(resourcesOf(t, 'Custom::AWS'))
        .filter((r) => String(r.Properties.Create).includes('"TagResource"'))
        .map((r) => String(r.Properties.Create).includes('{"Key":"keyturn:managed","Value":"true"}')),
    ]);
    expect(tagged).toHaveLength(24);
    expect(tagged.every(Boolean)).toBe(true);
  });

  test('schedules start the core lifecycle with the core role, retries and dead-letter queue', () => {
    // THEN
    for (const stackName of ['KeyturnSecrets-1', 'KeyturnSecrets-orders-vpc-1']) {
      template(stackName).allResourcesProperties('AWS::Scheduler::Schedule', {
        GroupName: Match.anyValue(),
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: Match.anyValue() },
        Target: Match.objectLike({
          Arn: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'Keyturn' }) },
          RoleArn: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'Keyturn' }) },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'Keyturn' }) } },
        }),
      });
    }
    // the search key rotates on a Monday cron; its backstop is a rate 1.5 weeks long
    template('KeyturnSecrets-1').hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'search-api-key',
      ScheduleExpression: 'cron(0 3 ? * MON *)',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 180 },
    });
    template('KeyturnSecrets-1').hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(11 days)', Duration: '3h' },
    });
  });

  test("each schedule tells the lifecycle its entry's alert route, and the coordinator may publish to every route", () => {
    // THEN stripe-webhook-secret routes to payments, metrics-ingest-token to the default route (platform)
    const inputOf = (name: string): string =>
      JSON.stringify(
        Object.values(resourcesOf(template('KeyturnSecrets-1'), 'AWS::Scheduler::Schedule')).find(
          (r) => r.Properties.Name === name,
        )?.Properties.Target,
      );
    expect(inputOf('stripe-webhook-secret')).toMatch(/alertTopicArn.*AlertsRoutepayments/);
    expect(inputOf('metrics-ingest-token')).toMatch(/alertTopicArn.*AlertsRouteplatform/);
    const coordinator = roleStatements(template('Keyturn'), built.stack.orchestration.coordinator.role).filter((st) =>
      st.actions.includes('sns:Publish'),
    );
    const published = coordinator.flatMap((st) => st.resources).join(' ');
    for (const route of ['platform', 'payments', 'data']) expect(published).toContain(`AlertsRoute${route}`);
  });

  test('builds the lifecycle, emergency and fleet state machines from statemachines/, placeholders filled on deploy', () => {
    // THEN each definition is its file, with the timeout the infrastructure sets
    const core = template('Keyturn');
    const { orchestration } = built.stack;
    const machines = [
      ['lifecycle.asl.json', orchestration.lifecycle.stateMachine],
      ['emergency.asl.json', orchestration.emergency.stateMachine],
      ['fleet.asl.json', orchestration.fleet.stateMachine],
    ] as const;
    const ids = new Map(machines.map(([file, sm]) => [file, logicalIdOf(sm)]));
    for (const [file, sm] of machines) {
      const resource = resourcesOf(core, 'AWS::StepFunctions::StateMachine')[logicalIdOf(sm)];
      const fromFile = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'statemachines', file), 'utf8')) as object;
      const deployed = JSON.parse(String(resource?.Properties.DefinitionString)) as { TimeoutSeconds: number };
      expect(deployed).toEqual({ ...fromFile, TimeoutSeconds: deployed.TimeoutSeconds });
      expect(resource?.Properties).toMatchObject({
        StateMachineType: 'STANDARD',
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      });
    }
    // and valid Amazon States Language once CloudFormation has filled the placeholders with ARNs
    const arns: Record<string, string> = {
      CoordinatorFunction: 'arn:aws:lambda:eu-west-1:111122223333:function:Keyturn-Coordinator',
      SelectFleetFunction: 'arn:aws:lambda:eu-west-1:111122223333:function:Keyturn-FleetSelect',
      SummarizeFleetFunction: 'arn:aws:lambda:eu-west-1:111122223333:function:Keyturn-FleetSummarize',
      LifecycleStateMachine: 'arn:aws:states:eu-west-1:111122223333:stateMachine:Keyturn-Lifecycle',
    };
    for (const [file] of machines) {
      const resource = resourcesOf(core, 'AWS::StepFunctions::StateMachine')[ids.get(file) ?? ''];
      const substitutions = Object.keys(resource?.Properties.DefinitionSubstitutions as object);
      const filled = substitutions.reduce(
        (text, name) => text.split(`\${${name}}`).join(arns[name] ?? ''),
        String(resource?.Properties.DefinitionString),
      );
      expect({ file, errors: aslErrors(JSON.parse(filled) as object) }).toEqual({ file, errors: [] });
    }
  });

  test("times a lifecycle out after the policy's longest grace plus drain wait and two hours; exports the three ARNs and the audit log group", () => {
    // THEN the JWT key's 48 h of grace (random: nothing to drain) and the alternating users' 24 h + 24 h tie
    const core = template('Keyturn');
    const { orchestration } = built.stack;
    const lifecycle = resourcesOf(core, 'AWS::StepFunctions::StateMachine')[
      logicalIdOf(orchestration.lifecycle.stateMachine)
    ];
    expect(
      (JSON.parse(String(lifecycle?.Properties.DefinitionString)) as { TimeoutSeconds: number }).TimeoutSeconds,
    ).toBe((48 + 2) * 3600);
    const outputs = (core.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    expect(outputs.LifecycleStateMachineArn?.Value).toEqual({ Ref: logicalIdOf(orchestration.lifecycle.stateMachine) });
    expect(outputs.EmergencyStateMachineArn?.Value).toEqual({ Ref: logicalIdOf(orchestration.emergency.stateMachine) });
    expect(outputs.FleetStateMachineArn?.Value).toEqual({ Ref: logicalIdOf(orchestration.fleet.stateMachine) });
    expect(outputs.AuditLogGroupName?.Value).toEqual({
      Ref: logicalIdOf(built.stack.observability.auditTrail.logGroup),
    });
  });

  test('lets the lifecycle and emergency state machines invoke exactly the rotation functions of the secrets stacks', () => {
    // THEN by the names the app gives them: no wildcard, no reference into stacks that depend on the core
    const { orchestration } = built.stack;
    const names = ['Keyturn-rotate-1', 'Keyturn-rotate-orders-vpc-1'];
    for (const machine of [orchestration.lifecycle, orchestration.emergency]) {
      const invoked = roleStatements(template('Keyturn'), machine.role)
        .filter((st) => st.actions.includes('lambda:InvokeFunction'))
        .flatMap((st) => st.resources);
      expect(invoked.sort()).toEqual(
        [
          `\${${logicalIdOf(orchestration.coordinator.function)}.Arn}`,
          ...names.map((n) => `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${n}`),
        ].sort(),
      );
    }
    // which are the secrets stacks' rotation functions, tagged as keyturn's
    for (const [stackName, name] of [
      ['KeyturnSecrets-1', names[0]],
      ['KeyturnSecrets-orders-vpc-1', names[1]],
    ] as const) {
      template(stackName).hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: name,
        Tags: [{ Key: 'keyturn:managed', Value: 'true' }],
      });
    }
    // the fleet starts lifecycles, it never invokes a rotation function itself
    const fleetInvokes = roleStatements(template('Keyturn'), orchestration.fleet.role)
      .filter((st) => st.actions.includes('lambda:InvokeFunction'))
      .flatMap((st) => st.resources);
    expect(fleetInvokes.some((r) => r.includes('Keyturn-rotate'))).toBe(false);
  });

  test("gives each rotation function the core's audit bus, the policy's change freezes, and PutEvents on that bus only", () => {
    // THEN
    for (const stackName of ['KeyturnSecrets-1', 'KeyturnSecrets-orders-vpc-1']) {
      const t = template(stackName);
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            KEYTURN_BLACKOUTS: '[]',
            KEYTURN_AUDIT_BUS_NAME: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'Keyturn' }) },
          }),
        },
      });
      const putEvents = allowStatements(t).filter((st) => asArray(st.Action).includes('events:PutEvents'));
      expect(putEvents).toHaveLength(1);
      expect(putEvents[0]?.Condition).toEqual({ StringEquals: { 'events:source': 'keyturn.rotation' } });
    }
  });

  test("paces every rotation function on the core's write schedule: its table and pace, UpdateItem on that table only", () => {
    // THEN one on-demand, encrypted table with point-in-time recovery in the core
    const core = template('Keyturn');
    const tables = resourcesOf(core, 'AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(1);
    core.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'region', KeyType: 'HASH' }],
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    // AND half of the default 50 writes/s for keyturn's rotations, in each rotation function's environment
    expect(built.policy.writePace).toEqual({ quotaPerSecond: 50, fraction: 0.5, writesPerSecond: 25 });
    for (const stackName of ['KeyturnSecrets-1', 'KeyturnSecrets-orders-vpc-1']) {
      const t = template(stackName);
      t.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            KEYTURN_WRITES_PER_SECOND: '25',
            KEYTURN_WRITE_PACER_TABLE: { 'Fn::GetStackOutput': Match.objectLike({ StackName: 'Keyturn' }) },
          }),
        },
      });
      const dynamodb = allowStatements(t).filter((st) => asArray(st.Action).some((a) => a.startsWith('dynamodb:')));
      expect(dynamodb.map((st) => asArray(st.Action))).toEqual([['dynamodb:UpdateItem']]);
      expect(render(dynamodb[0]?.Resource)).toMatch(/WritePacerTable.*Arn/);
    }
    // AND nothing else in the core may touch it (the KMS re-wrap job's DynamoDB grants name the policy's tables only)
    const elsewhere = [...built.templates]
      .filter(([name]) => name === 'Keyturn')
      .flatMap(([, t]) => allowStatements(t))
      .filter((st) => asArray(st.Action).some((a) => a.startsWith('dynamodb:')));
    expect(elsewhere.flatMap((st) => asArray(st.Resource).map(render))).toEqual([
      'arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders-data-keys',
    ]);
  });

  test('alarms when a lifecycle, emergency, fleet, kms-key or kms-rewrap execution fails or times out, each linking its runbook', () => {
    // THEN
    const alarms = Object.values(resourcesOf(template('Keyturn'), 'AWS::CloudWatch::Alarm')).map((a) => ({
      name: render(a.Properties.AlarmName),
      description: render(a.Properties.AlarmDescription),
    }));
    const failed = alarms.filter((a) => a.name.startsWith('Keyturn-state-machine-failed-'));
    expect(failed.map((a) => /#(runbook-[a-z-]+)$/.exec(a.description)?.[1]).sort()).toEqual([
      'runbook-emergency-rotation-failed',
      'runbook-fleet-rotation-failed',
      'runbook-kms-key-rotation-failed',
      // the re-wrap state machine and its starter (the example's data key re-wraps a table)
      'runbook-kms-re-wrap-failed',
      'runbook-kms-re-wrap-failed',
      'runbook-lifecycle-execution-failed',
    ]);
    expect(alarms.filter((a) => a.name.startsWith('Keyturn-state-machine-throttled-'))).toHaveLength(6);
    // and on errors of the coordinator, the fleet functions and the kms-key function
    const { orchestration, kmsKeys } = built.stack;
    for (const fn of [...orchestration.functions, ...(kmsKeys ? [kmsKeys.function.function] : [])]) {
      template('Keyturn').hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(fn) } }],
      });
    }
  });

  test('lets the scheduler role only start the lifecycle and write to the dead-letter queue, for its schedule group', () => {
    // THEN
    const core = template('Keyturn');
    core.hasResourceProperties('AWS::IAM::Role', {
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
    const roleId = logicalIdOf(built.stack.schedulerRole);
    const policy = Object.values(resourcesOf(core, 'AWS::IAM::Policy')).find((p) =>
      JSON.stringify(p.Properties.Roles).includes(roleId),
    );
    const actions = (
      policy?.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }
    ).Statement.flatMap((s) => asArray(s.Action));
    expect(actions.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey', 'sqs:SendMessage', 'states:StartExecution']);
  });

  test('runs the freshness check hourly from the keyturn schedule group, retrying into the dead-letter queue', () => {
    // THEN
    const core = template('Keyturn');
    const freshness = built.stack.freshnessCheck;
    // (besides the schedules of the policy's KMS keys, which share the group)
    expect(
      Object.values(resourcesOf(core, 'AWS::Scheduler::Schedule'))
        .map((r) => r.Properties.Name)
        .sort(),
    ).toEqual(['keyturn.freshness-check', ...built.policy.keys.filter((k) => k.schedule).map((k) => k.id)].sort());
    core.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: 'keyturn.freshness-check',
      GroupName: 'keyturn',
      ScheduleExpression: 'rate(1 hour)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [logicalIdOf(freshness.function), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [logicalIdOf(freshness.scheduleRole), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(built.stack.deadLetterQueue), 'Arn'] } },
      },
    });
    // a failed run is not retried and lands in the same queue; its logs are encrypted with the data key
    core.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalIdOf(freshness.function) },
      MaximumRetryAttempts: 0,
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(built.stack.deadLetterQueue), 'Arn'] } },
      },
    });
    core.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(built.stack.dataKey), 'Arn'] },
      RetentionInDays: 90,
    });
    core.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: { POWERTOOLS_SERVICE_NAME: 'keyturn-lifecycle', POWERTOOLS_METRICS_NAMESPACE: 'keyturn' },
      },
      LoggingConfig: { LogGroup: { Ref: logicalIdOf(freshness.logGroup) }, LogFormat: 'JSON' },
    });
  });

  test('lets the freshness schedule role only invoke the freshness check and write to the dead-letter queue', () => {
    // THEN its trust is Scheduler for this account and schedule group, as the lifecycle schedules' role
    const core = template('Keyturn');
    const freshness = built.stack.freshnessCheck;
    core.hasResourceProperties('AWS::IAM::Role', {
      Description: Match.stringLikeRegexp('freshness check schedule'),
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
    const roleId = logicalIdOf(freshness.scheduleRole);
    const statements = Object.values(resourcesOf(core, 'AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
      .flatMap(
        (p) =>
          (p.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement,
      );
    expect(statements.flatMap((s) => asArray(s.Action)).sort()).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'lambda:InvokeFunction',
      'sqs:SendMessage',
    ]);
    expect(statements.find((s) => s.Action === 'lambda:InvokeFunction')?.Resource).toEqual({
      'Fn::GetAtt': [logicalIdOf(freshness.function), 'Arn'],
    });
  });

  test('alarms on the freshness check, on the dead-letter queue, and on a silent overdue gauge', () => {
    // THEN
    const core = template('Keyturn');
    const freshnessRef = { Ref: logicalIdOf(built.stack.freshnessCheck.function) };
    for (const metric of ['Errors', 'Throttles']) {
      core.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: freshnessRef }],
      });
    }
    core.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: { 'Fn::Join': ['', ['Keyturn-dead-letters-', Match.anyValue()]] },
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: [
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateNumberOfMessagesVisible',
              Dimensions: [
                {
                  Name: 'QueueName',
                  Value: { 'Fn::GetAtt': [logicalIdOf(built.stack.deadLetterQueue), 'QueueName'] },
                },
              ],
            },
          }),
        }),
      ],
    });
    core.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Keyturn-rotation-overdue',
      TreatMissingData: 'breaching',
    });
  });

  test('places the rotation function of the network stack in that network, and the other outside any', () => {
    // THEN
    template('KeyturnSecrets-orders-vpc-1').hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'Keyturn-rotate-orders-vpc-1',
      VpcConfig: { SubnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-1a1b2c3d4e5f60718'] },
      ReservedConcurrentExecutions: 10,
    });
    template('KeyturnSecrets-1').hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'Keyturn-rotate-1',
      VpcConfig: Match.absent(),
    });
  });

  test('secrets stacks depend on the core only; the core on nothing', () => {
    // THEN
    expect(built.stack.dependencies).toEqual([]);
    for (const stack of built.secretsStacks) expect(stack.dependencies.map((d) => d.stackName)).toEqual(['Keyturn']);
  });

  test("rotates the example's two KMS keys: a symmetric key KMS rotates too, an HMAC key replaced behind its alias", () => {
    // THEN
    expect(built.policy.keys.map((k) => [k.id, k.create?.keySpec, k.automaticRotation?.periodDays])).toEqual([
      ['orders-data-key', 'SYMMETRIC_DEFAULT', 180],
      ['webhook-mac-key', 'HMAC_256', undefined],
    ]);
    template('Keyturn').hasResourceProperties('AWS::KMS::Key', { KeySpec: 'HMAC_256', EnableKeyRotation: false });
    template('Keyturn').hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/payments-webhook-mac' });
    const outputs = (template('Keyturn').toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs;
    const kmsKeys = built.stack.kmsKeys;
    expect(outputs.KmsKeyStateMachineArn?.Value).toEqual({
      Ref: kmsKeys && logicalIdOf(kmsKeys.stateMachine.stateMachine),
    });
    expect(outputs.KmsKeyFunctionRoleArn?.Value).toEqual({
      'Fn::GetAtt': [kmsKeys && logicalIdOf(kmsKeys.function.role), 'Arn'],
    });
  });

  test('keeps the secrets key and rotates it yearly', () => {
    template('Keyturn').hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true, Description: 'keyturn: encrypts the secrets keyturn creates' },
      DeletionPolicy: 'Retain',
    });
  });

  test('fails synthesis on a cdk-nag finding (the check is live, not vacuous)', () => {
    // GIVEN the app with a secret that has no rotation schedule (AwsSolutions-SMG4)
    const { app, stack } = createKeyturnApp({ appProps: { context: NO_BUNDLING, outdir: tmpDir() } });
    new Secret(stack, 'UnrotatedSecret');

    // WHEN / THEN
    expect(() => app.synth()).toThrow(/AwsSolutions-SMG4/);
  });
});

describe('the keyturn app with consumers of created secrets', () => {
  test('lets consumer roles decrypt with the secrets key, through Secrets Manager only', () => {
    // GIVEN a created secret with a consumer role
    const consumer = 'arn:aws:iam::111122223333:role/checkout';
    const policy = policyOf([
      {
        id: 'api-key',
        kind: 'random',
        secret: { name: 'svc/api-key', create: true },
        owner,
        consumers: [{ name: 'checkout', roleArn: consumer }],
      },
    ]);

    // WHEN
    const { stack, app } = createKeyturnApp({ appProps: { context: NO_BUNDLING, outdir: tmpDir() }, policy });
    const core = app.synth().getStackByName(stack.stackName).template as {
      Resources: Record<
        string,
        { Type: string; Properties: { KeyPolicy?: { Statement: unknown[] }; Description?: string } }
      >;
    };

    // THEN
    const secretsKey = Object.values(core.Resources).find(
      (r) => r.Type === 'AWS::KMS::Key' && r.Properties.Description === 'keyturn: encrypts the secrets keyturn creates',
    );
    expect(secretsKey?.Properties.KeyPolicy?.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Sid: 'ConsumersDecryptThroughSecretsManager',
          Effect: 'Allow',
          Principal: { AWS: consumer },
          Action: 'kms:Decrypt',
          Condition: { StringEquals: { 'kms:ViaService': expect.anything() as unknown } },
        }),
      ]),
    );
  });
});

describe('an invalid policy file', () => {
  const badPolicy = `export default {
  version: 1,
  alerts: { routes: { platform: {} }, defaultRoute: 'platform' },
  entries: [
    { id: 'orders-db', kind: 'random', secret: { name: 'orders/db', create: true }, owner: { team: 'platform' },
      schedule: { expression: 'rate(2 hours)' } },
  ],
};
`;
  let file: string;

  beforeAll(() => {
    file = path.join(tmpDir(), 'bad.policy.ts');
    fs.writeFileSync(file, badPolicy);
  });

  test('makes the app throw PolicyError naming the entry and the field', () => {
    // GIVEN the context naming it / WHEN / THEN
    expect(() => createKeyturnApp({ appProps: { context: { ...NO_BUNDLING, policy: file } } })).toThrow(PolicyError);
    expect(() => createKeyturnApp({ appProps: { context: { ...NO_BUNDLING, policy: file } } })).toThrow(
      /entry "orders-db" \(entries\[0\]\) schedule\.expression: A rate in hours must be at least 4 hours/,
    );
  });

  test('makes `cdk synth` exit 1 with the problems on stderr and no stack trace', async () => {
    // GIVEN the app entry run as the CDK CLI runs it (context in CDK_CONTEXT_JSON)
    const tsx = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

    // WHEN
    const run = execFileAsync(tsx, [path.join(REPO_ROOT, 'infra', 'app.ts')], {
      cwd: REPO_ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ policy: file }), CDK_OUTDIR: tmpDir() },
    });

    // THEN
    const failure = (await run.then(
      () => undefined,
      (error: unknown) => error,
    )) as { code?: number; stderr?: string } | undefined;
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(`invalid keyturn policy ${file}:`);
    expect(failure?.stderr).toContain('entry "orders-db" (entries[0]) schedule.expression');
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
  });
});

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-test-'));
}
