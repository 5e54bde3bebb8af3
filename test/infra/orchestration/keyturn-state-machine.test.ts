import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import {
  KeyturnStateMachine,
  type KeyturnStateMachineProps,
} from '../../../infra/constructs/orchestration/keyturn-state-machine';
import { asArray, identityStatements, logicalIdOf, newStack, resourcesOf } from '../support/infra';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'statemachines');
const EMERGENCY = path.join(FIXTURES, 'emergency.asl.json');
const COORDINATOR_ARN = 'arn:aws:lambda:eu-west-1:111111111111:function:coordinator';

/** A definition file in a temporary directory. */
function definitionFile(definition: unknown): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'keyturn-asl-')), 'machine.asl.json');
  fs.writeFileSync(file, typeof definition === 'string' ? definition : JSON.stringify(definition));
  return file;
}

const task = (resource: string, parameters: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: resource,
  Parameters: parameters,
  End: true,
});

describe('KeyturnStateMachine from a definition file', () => {
  let template: Template;
  let machine: KeyturnStateMachine;
  let key: kms.Key;

  beforeAll(() => {
    // GIVEN a key for the logs
    const stack = newStack();
    key = new kms.Key(stack, 'DataKey', { enableKeyRotation: true });

    // WHEN
    machine = new KeyturnStateMachine(stack, 'Emergency', {
      definitionFile: EMERGENCY,
      substitutions: { CoordinatorFunction: COORDINATOR_ARN },
      timeout: Duration.hours(2),
      logEncryptionKey: key,
    });
    template = Template.fromStack(stack);
  });

  function definition(): Record<string, unknown> {
    const sm = Object.values(resourcesOf(template, 'AWS::StepFunctions::StateMachine'))[0];
    return JSON.parse(String(sm?.Properties.DefinitionString)) as Record<string, unknown>;
  }

  test('is a Standard workflow whose definition is the file, with the timeout added and placeholders left in', () => {
    // THEN
    const file = JSON.parse(fs.readFileSync(EMERGENCY, 'utf8')) as Record<string, unknown>;
    expect(definition()).toEqual({ ...file, TimeoutSeconds: 7200 });
    expect(JSON.stringify(definition())).toContain('${CoordinatorFunction}');
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD' });
  });

  test('has CloudFormation fill the placeholders: DefinitionSubstitutions holds exactly the given values', () => {
    // THEN
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: { CoordinatorFunction: COORDINATOR_ARN },
    });
    expect(machine.definition.placeholders).toEqual(['CoordinatorFunction']);
  });

  test('logs every event but never execution data, to its own encrypted log group kept a year and retained', () => {
    // THEN
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [
          { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalIdOf(machine.logGroup), 'Arn'] } } },
        ],
      },
      TracingConfiguration: { Enabled: true },
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(key), 'Arn'] } },
      DeletionPolicy: 'Retain',
    });
  });

  test("leaves the definition's structure to asl-validator: cfn-lint's schema rejects valid JSONPath fields", () => {
    // THEN
    template.hasResource('AWS::StepFunctions::StateMachine', {
      Metadata: { 'cfn-lint': { config: { ignore_checks: ['E3601'] } } },
    });
  });

  test('gives its role nothing but what Step Functions needs to log and trace', () => {
    // THEN the role's only policy; the tasks' permissions are granted by whoever builds it
    const actions = identityStatements(template).flatMap((s) => asArray(s.Action));
    expect(actions.every((a) => /^(logs|xray):/.test(a))).toBe(true);
    expect(actions).toContain('logs:CreateLogDelivery');
  });

  test('reads the Task states of the file, direct function tasks and integrations alike', () => {
    // THEN
    expect(machine.definition.tasks.map((t) => [t.state, t.integration, t.functionPlaceholder])).toEqual([
      ['Begin', 'lambda:function', 'CoordinatorFunction'],
      ['RotateSecret', 'aws-sdk:secretsmanager:rotateSecret', undefined],
      ['Revoke', 'lambda:invoke', undefined],
    ]);
  });
});

describe('KeyturnStateMachine options', () => {
  test('takes a log level, retention, removal policy and tracing', () => {
    // GIVEN / WHEN
    const stack = newStack();
    new KeyturnStateMachine(stack, 'Machine', {
      definitionFile: EMERGENCY,
      substitutions: { CoordinatorFunction: COORDINATOR_ARN },
      timeout: Duration.days(365),
      logRetention: RetentionDays.ONE_MONTH,
      logRemovalPolicy: RemovalPolicy.DESTROY,
      logLevel: sfn.LogLevel.ERROR,
      tracing: false,
    });

    // THEN
    const template = Template.fromStack(stack);
    template.hasResource('AWS::Logs::LogGroup', { Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: false },
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false },
    });
    expect(identityStatements(template).flatMap((s) => asArray(s.Action))).not.toContain('xray:PutTraceSegments');
  });

  test('accepts a TimeoutSeconds in the file when it agrees with the timeout', () => {
    // GIVEN
    const file = definitionFile({ StartAt: 'Done', TimeoutSeconds: 60, States: { Done: { Type: 'Succeed' } } });

    // WHEN / THEN
    expect(
      () =>
        new KeyturnStateMachine(newStack(), 'Machine', {
          definitionFile: file,
          substitutions: {},
          timeout: Duration.minutes(1),
        }),
    ).not.toThrow();
  });
});

describe('KeyturnStateMachine validation', () => {
  const simple = { StartAt: 'Begin', States: { Begin: task('${CoordinatorFunction}') } };

  test.each<[string, () => Partial<KeyturnStateMachineProps>, RegExp]>([
    [
      'a placeholder without a value',
      () => ({ definitionFile: definitionFile(simple), substitutions: {} }),
      /uses \$\{CoordinatorFunction\}, which is not given a value \(given: none\)$/,
    ],
    [
      'a value the file does not use',
      () => ({
        definitionFile: definitionFile(simple),
        substitutions: { CoordinatorFunction: COORDINATOR_ARN, LifecycleStateMachine: 'arn:x' },
      }),
      /does not use \$\{LifecycleStateMachine\}, which is given a value \(it uses: CoordinatorFunction\): the definition and the infrastructure disagree$/,
    ],
    [
      'a malformed placeholder',
      () => ({ definitionFile: definitionFile({ StartAt: 'A', States: { A: task('${Not A Name}') } }) }),
      /has a malformed placeholder "\$\{Not A Name\}"/,
    ],
    ['a file that is not JSON', () => ({ definitionFile: definitionFile('{"StartAt": "A",') }), /is not valid JSON/],
    [
      'a file without States',
      () => ({ definitionFile: definitionFile({ StartAt: 'A' }) }),
      /needs "StartAt" and "States"/,
    ],
    [
      'a missing file',
      () => ({ definitionFile: '/nonexistent/machine.asl.json' }),
      /cannot read state machine definition \/nonexistent\/machine\.asl\.json/,
    ],
    [
      'a JSONata definition',
      () => ({ definitionFile: definitionFile({ ...simple, QueryLanguage: 'JSONata' }) }),
      /uses QueryLanguage "JSONata": keyturn's definitions are JSONPath/,
    ],
    [
      'a Task that is neither an integration nor a placeholder',
      () => ({
        definitionFile: definitionFile({ StartAt: 'A', States: { A: task('arn:aws:lambda:eu-west-1:1:function:f') } }),
      }),
      /state A: Resource "arn:aws:lambda:eu-west-1:1:function:f" is neither an AWS service integration/,
    ],
    [
      'a TimeoutSeconds in the file that disagrees',
      () => ({
        definitionFile: definitionFile({ ...simple, TimeoutSeconds: 60 }),
        substitutions: { CoordinatorFunction: COORDINATOR_ARN },
      }),
      /sets TimeoutSeconds 60, but the infrastructure asks for 3600: remove it from the file/,
    ],
    [
      'a timeout of a fraction of a second',
      () => ({ timeout: Duration.millis(500) }),
      /timeout must be whole seconds from 1 second to 365 days, got 500 millis$/,
    ],
    [
      'a timeout longer than a Standard workflow may run',
      () => ({ timeout: Duration.days(400) }),
      /timeout must be whole seconds from 1 second to 365 days, got 400 days$/,
    ],
    [
      'infinite log retention',
      () => ({ logRetention: RetentionDays.INFINITE }),
      /logRetention must be finite, got RetentionDays\.INFINITE/,
    ],
  ])('rejects %s, naming the file or the value', (_case, props, message) => {
    // GIVEN / WHEN / THEN
    expect(
      () =>
        new KeyturnStateMachine(newStack(), 'Machine', {
          definitionFile: definitionFile(simple),
          substitutions: { CoordinatorFunction: COORDINATOR_ARN },
          timeout: Duration.hours(1),
          ...props(),
        }),
    ).toThrow(message);
  });
});
