import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { TaskEnvironment } from '../../../functions/shared/lifecycle-contract';
import { allowCloudWatchLogs } from '../../../infra/constructs/encryption';
import { AlarmSeverity, AlertTopic, AuditTrail, RunbookAnchor } from '../../../infra/constructs/observability';
import { InvocableRotationFunctions } from '../../../infra/constructs/orchestration/invocable-rotation-functions';
import {
  LifecycleOrchestration,
  type LifecycleOrchestrationProps,
  lifecycleTimeoutFor,
} from '../../../infra/constructs/orchestration/lifecycle-orchestration';
import { RotatableSecrets } from '../../../infra/constructs/orchestration/rotatable-secrets';
import {
  CDK_CONTEXT,
  type PolicyStatementJson,
  asArray,
  logicalIdOf,
  newStack,
  policyOf,
  render,
  resourcesOf,
} from '../support/infra';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'statemachines');
const ANY_SECRET = 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*';
const MANAGED = { StringEquals: { 'aws:ResourceTag/keyturn:managed': 'true' } };
const UNMANAGED = { StringNotEquals: { 'aws:ResourceTag/keyturn:managed': 'true' } };
const ROTATION_FUNCTIONS = ['Keyturn-rotate-1', 'Keyturn-rotate-db-vpc-1'];
const functionArn = (name: string): string =>
  `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:${name}`;
const CODE = lambda.Code.fromInline('exports.handler = async () => ({});');

interface Built {
  readonly app: App;
  readonly stack: Stack;
  readonly orchestration: LifecycleOrchestration;
  readonly alerts: AlertTopic;
  readonly audit: AuditTrail;
  readonly queue: sqs.Queue;
}

/** The orchestration in a stack checked by cdk-nag, as keyturn's core stack builds it (fixture definitions). */
function build(props: Partial<LifecycleOrchestrationProps> = {}): Built {
  const app = new App({ context: CDK_CONTEXT, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-orch-')) });
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
  const stack = new Stack(app, 'Keyturn');
  const key = new kms.Key(stack, 'DataKey', { enableKeyRotation: true });
  allowCloudWatchLogs(key);
  const queue = new sqs.Queue(stack, 'DeadLetters', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
  });
  Validations.of(queue.node.defaultChild as sqs.CfnQueue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'The test stack stands in for the core stack, whose dead-letter queue this is.',
  });
  const alerts = new AlertTopic(stack, 'Alerts', {
    routes: [{ id: 'platform' }, { id: 'payments' }],
    defaultRoute: 'platform',
  });
  const audit = new AuditTrail(stack, 'Audit');
  const orchestration = new LifecycleOrchestration(stack, 'Orchestration', {
    secrets: RotatableSecrets.taggedWith('keyturn:managed', 'true'),
    rotationFunctions: InvocableRotationFunctions.named(...ROTATION_FUNCTIONS),
    alerts,
    auditBus: audit,
    logEncryptionKey: key,
    failureQueue: queue,
    definitionsDir: FIXTURES,
    code: { coordinator: CODE, fleet: CODE },
    ...props,
  });
  return { app, stack, orchestration, alerts, audit, queue };
}

/** Every statement of the identity policies attached to `role`, resources rendered. */
function statementsOf(template: Template, role: IConstruct): PolicyStatementJson[] {
  const ref = JSON.stringify({ Ref: logicalIdOf(role) });
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(ref))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement)
    .map((s) => ({ ...s, Action: asArray(s.Action).sort(), Resource: asArray(s.Resource).map(render).sort() }));
}

/** The statements of a role, leaving out what Step Functions adds for logging and tracing (checked on its own). */
function taskStatements(template: Template, role: IConstruct): PolicyStatementJson[] {
  return statementsOf(template, role).filter((s) => !asArray(s.Action).every((a) => /^(logs|xray):/.test(a)));
}

function definitionOf(template: Template, machine: IConstruct): Record<string, unknown> {
  const resource = resourcesOf(template, 'AWS::StepFunctions::StateMachine')[logicalIdOf(machine)];
  return JSON.parse(String(resource?.Properties.DefinitionString)) as Record<string, unknown>;
}

const arnOf = (fn: { function: lambda.IFunction }): string => `\${${logicalIdOf(fn.function)}.Arn}`;

describe('LifecycleOrchestration', () => {
  let built: Built;
  let template: Template;

  beforeAll(() => {
    // GIVEN the fixture definitions, two rotation functions by name, two alert routes, the audit trail / WHEN
    built = build();
    template = Template.fromStack(built.stack);
  });

  test('the lifecycle may invoke the coordinator and the named rotation functions, and describe and rotate managed secrets', () => {
    // THEN exactly these statements besides logging and tracing
    const { orchestration } = built;
    expect(taskStatements(template, orchestration.lifecycle.role)).toEqual(
      expect.arrayContaining([
        { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [arnOf(orchestration.coordinator)] },
        { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: ROTATION_FUNCTIONS.map(functionArn) },
        {
          Sid: 'TaggedSecrets',
          Effect: 'Allow',
          Action: ['secretsmanager:DescribeSecret', 'secretsmanager:RotateSecret'],
          Resource: [ANY_SECRET],
          Condition: MANAGED,
        },
        {
          Sid: 'OnlyTaggedSecrets',
          Effect: 'Deny',
          Action: ['secretsmanager:DescribeSecret', 'secretsmanager:RotateSecret'],
          Resource: [ANY_SECRET],
          Condition: UNMANAGED,
        },
      ]),
    );
    expect(taskStatements(template, orchestration.lifecycle.role)).toHaveLength(4);
  });

  test('the emergency state machine gets only what its definition calls: no DescribeSecret', () => {
    // THEN the fixture's emergency definition never describes the secret
    const { orchestration } = built;
    const statements = taskStatements(template, orchestration.emergency.role);
    expect(statements.flatMap((s) => asArray(s.Action)).sort()).toEqual([
      'lambda:InvokeFunction',
      'lambda:InvokeFunction',
      'secretsmanager:RotateSecret',
      'secretsmanager:RotateSecret',
    ]);
    expect(statements.find((s) => s.Effect === 'Deny')?.Condition).toEqual(UNMANAGED);
  });

  test('the fleet may invoke its two functions, start lifecycles and follow them, and touch no secret', () => {
    // THEN
    const { orchestration } = built;
    const lifecycleId = logicalIdOf(orchestration.lifecycle.stateMachine);
    expect(taskStatements(template, orchestration.fleet.role)).toEqual(
      expect.arrayContaining([
        {
          Effect: 'Allow',
          Action: ['lambda:InvokeFunction'],
          Resource: [arnOf(orchestration.fleetFunctions.select), arnOf(orchestration.fleetFunctions.summarize)].sort(),
        },
        { Effect: 'Allow', Action: ['states:StartExecution'], Resource: [`\${${lifecycleId}}`] },
        {
          Effect: 'Allow',
          Action: ['states:DescribeExecution', 'states:StopExecution'],
          Resource: [
            `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:\${${lifecycleId}.Name}:*`,
          ],
        },
        {
          Effect: 'Allow',
          Action: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
          Resource: [
            'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
          ],
        },
      ]),
    );
    expect(taskStatements(template, orchestration.fleet.role)).toHaveLength(4);
  });

  test('fills each definition with its functions and the lifecycle ARN, nothing else', () => {
    // THEN
    const { orchestration } = built;
    const substitutions = (machine: IConstruct) =>
      resourcesOf(template, 'AWS::StepFunctions::StateMachine')[logicalIdOf(machine)]?.Properties
        .DefinitionSubstitutions;
    const coordinator = { 'Fn::GetAtt': [logicalIdOf(orchestration.coordinator.function), 'Arn'] };
    expect(substitutions(orchestration.lifecycle.stateMachine)).toEqual({ CoordinatorFunction: coordinator });
    expect(substitutions(orchestration.emergency.stateMachine)).toEqual({ CoordinatorFunction: coordinator });
    expect(substitutions(orchestration.fleet.stateMachine)).toEqual({
      SelectFleetFunction: { 'Fn::GetAtt': [logicalIdOf(orchestration.fleetFunctions.select.function), 'Arn'] },
      SummarizeFleetFunction: { 'Fn::GetAtt': [logicalIdOf(orchestration.fleetFunctions.summarize.function), 'Arn'] },
      LifecycleStateMachine: { Ref: logicalIdOf(orchestration.lifecycle.stateMachine) },
    });
  });

  test('times out lifecycles after about two days, emergencies after two hours, fleets after a year', () => {
    // THEN
    const { orchestration } = built;
    expect(definitionOf(template, orchestration.lifecycle.stateMachine).TimeoutSeconds).toBe(50 * 3600);
    expect(definitionOf(template, orchestration.emergency.stateMachine).TimeoutSeconds).toBe(2 * 3600);
    expect(definitionOf(template, orchestration.fleet.stateMachine).TimeoutSeconds).toBe(365 * 86_400);
  });

  test('logs each state machine to its own encrypted log group, never with execution data', () => {
    // THEN
    const machines = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'));
    expect(machines).toHaveLength(3);
    for (const machine of machines) {
      expect(machine.Properties).toMatchObject({
        StateMachineType: 'STANDARD',
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      });
    }
    const groups = new Set(
      machines.map((m) =>
        JSON.stringify((m.Properties.LoggingConfiguration as { Destinations: unknown }).Destinations),
      ),
    );
    expect(groups.size).toBe(3);
  });

  test('runs the coordinator outside any VPC, with the default route and the audit bus in its environment', () => {
    // THEN
    const { orchestration, alerts, audit } = built;
    const fn = resourcesOf(template, 'AWS::Lambda::Function')[logicalIdOf(orchestration.coordinator.function)];
    expect(fn?.Properties.VpcConfig).toBeUndefined();
    expect(fn?.Properties.Environment).toEqual({
      Variables: {
        POWERTOOLS_SERVICE_NAME: 'keyturn-lifecycle',
        POWERTOOLS_METRICS_NAMESPACE: 'keyturn',
        [TaskEnvironment.defaultAlertTopicArn]: { Ref: logicalIdOf(alerts.topic('platform')) },
        [TaskEnvironment.auditBusName]: { Ref: logicalIdOf(audit.bus) },
      },
    });
  });

  test('lets the coordinator describe managed secrets, publish to every route, and put keyturn audit events', () => {
    // THEN
    const { orchestration, alerts, audit } = built;
    const statements = statementsOf(template, orchestration.coordinator.role);
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Sid: 'TaggedSecrets',
          Effect: 'Allow',
          Action: ['secretsmanager:DescribeSecret'],
          Resource: [ANY_SECRET],
          Condition: MANAGED,
        },
        {
          Sid: 'OnlyTaggedSecrets',
          Effect: 'Deny',
          Action: ['secretsmanager:DescribeSecret'],
          Resource: [ANY_SECRET],
          Condition: UNMANAGED,
        },
        {
          Effect: 'Allow',
          Action: ['sns:Publish'],
          Resource: ['payments', 'platform'].map((r) => `\${${logicalIdOf(alerts.topic(r))}}`),
        },
        {
          Effect: 'Allow',
          Action: ['events:PutEvents'],
          Resource: [`\${${logicalIdOf(audit.bus)}.Arn}`],
          Condition: { StringEquals: { 'events:source': 'keyturn.rotation' } },
        },
      ]),
    );
    const kmsActions = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('kms:')));
    expect(kmsActions.flatMap((s) => asArray(s.Action))).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(kmsActions.flatMap((s) => asArray(s.Resource))).toContain(`\${${logicalIdOf(alerts.key)}.Arn}`);
    const secretsManager = statements.flatMap((s) => asArray(s.Action)).filter((a) => a.startsWith('secretsmanager:'));
    expect(new Set(secretsManager)).toEqual(new Set(['secretsmanager:DescribeSecret']));
  });

  test('lets the fleet selection list secrets and nothing else; the summary publish and put audit events', () => {
    // THEN
    const { orchestration } = built;
    const select = statementsOf(template, orchestration.fleetFunctions.select.role).flatMap((s) => asArray(s.Action));
    expect(select.filter((a) => !/^(logs|sqs|kms):/.test(a))).toEqual(['secretsmanager:ListSecrets']);
    const summarize = statementsOf(template, orchestration.fleetFunctions.summarize.role).flatMap((s) =>
      asArray(s.Action),
    );
    expect(summarize.filter((a) => !/^(logs|sqs|kms):/.test(a)).sort()).toEqual(['events:PutEvents', 'sns:Publish']);
    const summarizeFn = resourcesOf(template, 'AWS::Lambda::Function')[
      logicalIdOf(orchestration.fleetFunctions.summarize.function)
    ];
    expect(Object.keys((summarizeFn?.Properties.Environment as { Variables: object }).Variables)).toEqual(
      expect.arrayContaining([TaskEnvironment.auditBusName, TaskEnvironment.defaultAlertTopicArn]),
    );
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.selectHandler',
      Timeout: 90,
    });
  });

  test('sends failed asynchronous invocations of its functions to the given queue', () => {
    // THEN
    const configs = Object.values(resourcesOf(template, 'AWS::Lambda::EventInvokeConfig'));
    expect(configs).toHaveLength(3);
    for (const config of configs) {
      expect(config.Properties).toMatchObject({
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(built.queue), 'Arn'] } } },
      });
    }
  });

  test('says what each state machine failing means: lifecycle and emergency page, fleet tickets, each its runbook', () => {
    // THEN
    const watched = built.orchestration.stateMachines.map((w) => [w.label, w.failureRunbook, w.failureSeverity]);
    expect(watched).toEqual([
      ['lifecycle', RunbookAnchor.LifecycleExecutionFailed, AlarmSeverity.PAGE],
      ['emergency', RunbookAnchor.EmergencyRotationFailed, AlarmSeverity.PAGE],
      ['fleet', RunbookAnchor.FleetRotationFailed, AlarmSeverity.TICKET],
    ]);
    expect(built.orchestration.functions).toHaveLength(3);
  });

  test('passes cdk-nag AWS Solutions checks with zero unacknowledged findings', () => {
    // WHEN
    const assembly = built.app.synth();

    // THEN
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: { ruleName: string }[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName))).toEqual([]);
  });

  test('connects the audit bus once', () => {
    expect(() => {
      built.orchestration.sendAuditEventsTo(built.audit);
    }).toThrow(/already connected/);
  });
});

describe('LifecycleOrchestration with rotation functions found by tag', () => {
  test('allows invoking functions tagged keyturn:managed=true only, acknowledging the wildcard with a reason', () => {
    // GIVEN / WHEN
    const { stack, orchestration } = build({
      rotationFunctions: InvocableRotationFunctions.taggedWith('keyturn:managed', 'true'),
    });

    // THEN
    const template = Template.fromStack(stack);
    const invoke = taskStatements(template, orchestration.lifecycle.role).filter((s) =>
      asArray(s.Resource)
        .map(render)
        .every((r) => r.endsWith(':function:*')),
    );
    expect(invoke).toEqual([
      { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [functionArn('*')], Condition: MANAGED },
    ]);
    const policy = resourcesOf(template, 'AWS::IAM::Policy')[
      logicalIdOf(orchestration.lifecycle.node.findChild('RotationFunctionsPolicy'))
    ];
    expect(policy?.Metadata?.cdk_nag?.rules_to_suppress.map((r) => r.id)).toEqual([
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:lambda:<AWS::Region>:<AWS::AccountId>:function:*]',
    ]);
  });
});

describe('LifecycleOrchestration with a fleet that continues in a new execution', () => {
  test('lets the fleet start itself, in a policy of its own (no circular dependency)', () => {
    // GIVEN a fleet definition whose last state starts its own state machine
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-defs-'));
    for (const file of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, file), path.join(dir, file));
    const fleet = JSON.parse(fs.readFileSync(path.join(dir, 'fleet.asl.json'), 'utf8')) as {
      States: Record<string, Record<string, unknown>>;
    };
    const summarize = fleet.States.Summarize ?? {};
    delete summarize.End;
    summarize.Next = 'Continue';
    fleet.States.Continue = {
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: { 'StateMachineArn.$': '$$.StateMachine.Id', 'Input.$': '$' },
      End: true,
    };
    fs.writeFileSync(path.join(dir, 'fleet.asl.json'), JSON.stringify(fleet));

    // WHEN
    const { stack, orchestration } = build({ definitionsDir: dir });

    // THEN
    const template = Template.fromStack(stack);
    const fleetId = logicalIdOf(orchestration.fleet.stateMachine);
    const own = resourcesOf(template, 'AWS::IAM::Policy')[
      logicalIdOf(orchestration.fleet.node.findChild('ContinueAsNewPolicy'))
    ];
    expect(own?.Properties.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: fleetId } }],
    });
    const defaultPolicy = resourcesOf(template, 'AWS::IAM::Policy')[
      logicalIdOf(orchestration.fleet.role.node.findChild('DefaultPolicy'))
    ];
    expect(JSON.stringify(defaultPolicy)).not.toContain(`"Ref":"${fleetId}"`);
  });
});

describe('LifecycleOrchestration validation', () => {
  /** A copy of the fixtures with one state of one definition replaced (or added). */
  function definitionsWith(file: string, state: string, replacement: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-defs-'));
    for (const name of fs.readdirSync(FIXTURES)) fs.copyFileSync(path.join(FIXTURES, name), path.join(dir, name));
    const definition = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
      States: Record<string, Record<string, unknown>>;
    };
    definition.States[state] = { ...definition.States[state], ...replacement };
    fs.writeFileSync(path.join(dir, file), JSON.stringify(definition));
    return dir;
  }

  test.each<[string, string, string, Record<string, unknown>, RegExp]>([
    [
      'an integration it grants nothing for',
      'lifecycle.asl.json',
      'RotateSecret',
      { Resource: 'arn:aws:states:::sns:publish', Parameters: { 'TopicArn.$': '$.topic', Message: 'x' } },
      /lifecycle\.asl\.json, state RotateSecret \(sns:publish\): keyturn grants nothing for this integration/,
    ],
    [
      'a Secrets Manager action beyond describe and rotate',
      'emergency.asl.json',
      'RotateSecret',
      { Resource: 'arn:aws:states:::aws-sdk:secretsmanager:getSecretValue' },
      /state RotateSecret \(aws-sdk:secretsmanager:getSecretValue\): keyturn grants nothing/,
    ],
    [
      'a function named by its ARN instead of a placeholder',
      'emergency.asl.json',
      'Revoke',
      { Parameters: { FunctionName: 'arn:aws:lambda:eu-west-1:111111111111:function:other', Payload: {} } },
      /state Revoke \(lambda:invoke\): the function must be a \$\{Placeholder\} or a path/,
    ],
    [
      'a nested execution of another state machine',
      'fleet.asl.json',
      'StartOther',
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution',
        Parameters: { StateMachineArn: 'arn:aws:states:eu-west-1:111111111111:stateMachine:other' },
        End: true,
      },
      /state StartOther \(states:startExecution\): StateMachineArn must be \$\{LifecycleStateMachine\}/,
    ],
  ])('rejects %s, naming the file and the state', (_case, file, state, replacement, message) => {
    // GIVEN / WHEN / THEN
    expect(() => build({ definitionsDir: definitionsWith(file, state, replacement) })).toThrow(message);
  });
});

describe('lifecycleTimeoutFor', () => {
  test('is the longest grace plus drain wait of any entry, and two hours for the rest', () => {
    // GIVEN an API key with two days of grace and a database user with a day of grace and a day of draining
    const policy = policyOf([
      { id: 'api-key', kind: 'random', secret: { name: 'svc/key' }, owner: { team: 'x' }, grace: '48h' },
      {
        id: 'db',
        kind: 'postgres-single-user',
        secret: { name: 'svc/db' },
        owner: { team: 'x' },
        grace: '24h',
        revocation: { waitForIdle: true, maxWait: '30h' },
      },
    ]);

    // WHEN / THEN (54 h of grace and drain for the database beat 48 h for the key)
    expect(lifecycleTimeoutFor(policy.entries).toHours()).toBe(24 + 30 + 2);
    expect(lifecycleTimeoutFor([]).toHours()).toBe(2);
  });
});

describe('RotatableSecrets and InvocableRotationFunctions', () => {
  test('RotatableSecrets.of allows exactly the given secrets, by ARN, with no Deny needed', () => {
    // GIVEN a created and an adopted secret, and a role
    const stack = newStack();
    const created = new Secret(stack, 'Created');
    const adopted = Secret.fromSecretCompleteArn(
      stack,
      'Adopted',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders/db-AbCdEf',
    );
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });

    // WHEN
    RotatableSecrets.of(created, adopted).grant(stack, 'Policy', role, ['secretsmanager:RotateSecret']);

    // THEN
    expect(statementsOf(Template.fromStack(stack), role)).toEqual([
      {
        Effect: 'Allow',
        Action: ['secretsmanager:RotateSecret'],
        Resource: [
          `\${${logicalIdOf(created)}}`,
          'arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders/db-AbCdEf',
        ],
      },
    ]);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['no secrets', () => RotatableSecrets.of(), /at least one secret/],
    [
      'an empty tag key',
      () => RotatableSecrets.taggedWith('', 'x'),
      /needs a tag key \(1-128 tag characters\), got ""/,
    ],
    ['no function names', () => InvocableRotationFunctions.named(), /at least one function name/],
    [
      'a function name Lambda would refuse',
      () => InvocableRotationFunctions.named('rotate secrets'),
      /needs Lambda function names \(1-64 of a-z A-Z 0-9 - _\), got "rotate secrets"/,
    ],
    [
      'no actions to grant',
      () => {
        const stack = newStack();
        const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
        RotatableSecrets.taggedWith('keyturn:managed', 'true').grant(stack, 'Policy', role, []);
      },
      /needs at least one action/,
    ],
  ])('reject %s, showing the bad value', (_case, build, message) => {
    expect(build).toThrow(message);
  });
});

describe('consumer refresh grants', () => {
  test('the coordinator may refresh exactly the named ECS services and Lambda functions, cdk-nag clean', () => {
    // GIVEN the orchestration / WHEN consumers name two services (one twice) and a function
    const { app, stack, orchestration } = build();
    orchestration.coordinator.grantConsumerRefresh([
      { kind: 'ecs-service', cluster: 'orders', service: 'orders-api' },
      { kind: 'event' },
      { kind: 'lambda-function', functionName: 'billing-invoicer' },
      { kind: 'ecs-service', cluster: 'orders', service: 'orders-api' },
      { kind: 'ecs-service', cluster: 'shop', service: 'web' },
    ]);
    const template = Template.fromStack(stack);

    // THEN those resources only, by exact ARN, and the synthesis passes the AwsSolutions checks
    const statements = statementsOf(template, orchestration.coordinator.role);
    expect(statements.filter((s) => s.Sid?.startsWith('RefreshConsumer'))).toEqual([
      {
        Sid: 'RefreshConsumerEcsServices',
        Effect: 'Allow',
        Action: ['ecs:DescribeServices', 'ecs:UpdateService'],
        Resource: [
          'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/orders/orders-api',
          'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/shop/web',
        ],
      },
      {
        Sid: 'RefreshConsumerLambdaFunctions',
        Effect: 'Allow',
        Action: ['lambda:GetFunctionConfiguration', 'lambda:UpdateFunctionConfiguration'],
        Resource: [functionArn('billing-invoicer')],
      },
    ]);
    expect(statements.flatMap((s) => asArray(s.Action)).filter((a) => /^(ecs|lambda):Update/.test(a))).toHaveLength(2);
    const assembly = app.synth();
    const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: { ruleName: string }[] }[];
    };
    expect(report.pluginReports.flatMap((r) => r.violations.map((v) => v.ruleName))).toEqual([]);
  });

  test('nothing is granted when no consumer names a target', () => {
    const { stack, orchestration } = build();
    orchestration.coordinator.grantConsumerRefresh([{ kind: 'event' }]);
    const statements = statementsOf(Template.fromStack(stack), orchestration.coordinator.role);
    expect(statements.flatMap((s) => asArray(s.Action)).filter((a) => /^(ecs|lambda):/.test(a))).toEqual([]);
  });
});
