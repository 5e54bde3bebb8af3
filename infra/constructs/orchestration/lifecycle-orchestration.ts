import * as path from 'node:path';
import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { AslPlaceholder, type AslPlaceholderName } from '../../../functions/shared/lifecycle-contract';
import { effectiveGraceSeconds, type ResolvedEntry } from '../../policy/defaults';
import type { KeyturnFunction } from '../keyturn-function';
import type { AlertTopic } from '../observability/alert-topic';
import type { AuditEventBus } from '../observability/audit-trail';
import { AlarmSeverity, type WatchedStateMachine } from '../observability/rotation-alarms';
import { RunbookAnchor } from '../observability/runbooks';
import { type AslTask, DIRECT_LAMBDA, placeholderOf } from './asl-definition';
import { CoordinatorFunction } from './coordinator-function';
import { FleetFunctions } from './fleet-functions';
import type { InvocableRotationFunctions } from './invocable-rotation-functions';
import { type AslSubstitutions, KeyturnStateMachine, STATEMACHINES_DIR } from './keyturn-state-machine';
import type { RotatableSecrets } from './rotatable-secrets';

/** The definition files, in `definitionsDir`. */
export const DEFINITION_FILES = {
  lifecycle: 'lifecycle.asl.json',
  emergency: 'emergency.asl.json',
  fleet: 'fleet.asl.json',
} as const;

/** Longest a lifecycle execution may run when nothing longer is asked for: two days of grace and drain, and slack. */
export const DEFAULT_LIFECYCLE_TIMEOUT = Duration.hours(50);
/** An emergency rotation has no grace window and no drain wait: verify, then revoke. */
export const DEFAULT_EMERGENCY_TIMEOUT = Duration.hours(2);
/**
 * A fleet run waits for every nested lifecycle execution, up to 40 at a time, each possibly through a day or two
 * of grace and drain, for up to 20 pages of 100 secrets before it continues in a new execution: months. Each
 * nested lifecycle has its own timeout and the pages are bounded, so the fleet's timeout is only a backstop, and
 * one that fired would stop the lifecycles it waits for: the longest a Standard workflow may run.
 */
export const DEFAULT_FLEET_TIMEOUT = Duration.days(365);

/** Slack on top of the longest grace and drain wait: pre-flight, the rotation itself, verify's retries, revoke. */
const LIFECYCLE_SLACK = Duration.hours(2);

/**
 * How long a lifecycle execution of `entries` may run: the longest grace window plus drain wait of any entry, and
 * two hours for the rest of the run (rotation, verify's retries, revoke).
 */
export function lifecycleTimeoutFor(entries: readonly ResolvedEntry[]): Duration {
  const longest = Math.max(
    0,
    ...entries.map((e) => effectiveGraceSeconds(e) + (e.revocation.waitForIdle ? e.revocation.maxWaitSeconds : 0)),
  );
  return Duration.seconds(longest + LIFECYCLE_SLACK.toSeconds());
}

/** The rule Step Functions manages to learn when a nested execution started with `.sync` ends. */
export const SYNC_EXECUTION_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

/** Properties of a {@link LifecycleOrchestration}. */
export interface LifecycleOrchestrationProps {
  /**
   * The secrets the state machines and functions may describe and start rotating (keyturn's: those tagged
   * `keyturn:managed=true`).
   */
  readonly secrets: RotatableSecrets;

  /** The rotation functions the lifecycle and emergency state machines may invoke for their target-side tasks. */
  readonly rotationFunctions: InvocableRotationFunctions;

  /** The alert routes the coordinator and the fleet summary publish to. */
  readonly alerts: AlertTopic;

  /**
   * keyturn's audit bus. Can also be connected later with {@link LifecycleOrchestration.sendAuditEventsTo}.
   *
   * @default - none yet
   */
  readonly auditBus?: AuditEventBus;

  /**
   * Key of every log group (execution logs, function logs). Its key policy must let CloudWatch Logs use it.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * How long execution logs are kept (part of the audit trail).
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly executionLogRetention?: logs.RetentionDays;

  /**
   * Where failed asynchronous invocations of the functions go.
   *
   * @default - a queue per function
   */
  readonly failureQueue?: sqs.IQueue;

  /**
   * The directory holding the definition files ({@link DEFINITION_FILES}). Only tests should change it.
   *
   * @default - `statemachines/` in this repository
   */
  readonly definitionsDir?: string;

  /**
   * How long a lifecycle execution may run. Must outlast the longest grace window plus drain wait of the policy
   * (see {@link lifecycleTimeoutFor}).
   *
   * @default DEFAULT_LIFECYCLE_TIMEOUT
   */
  readonly lifecycleTimeout?: Duration;

  /** @default DEFAULT_EMERGENCY_TIMEOUT */
  readonly emergencyTimeout?: Duration;

  /** @default DEFAULT_FLEET_TIMEOUT */
  readonly fleetTimeout?: Duration;

  /**
   * Already-built code of the coordinator and of the fleet functions, instead of bundling them (tests).
   *
   * @default - each bundled from its entry file
   */
  readonly code?: { readonly coordinator?: lambda.Code; readonly fleet?: lambda.Code };
}

/** Thrown when a definition asks for something the orchestration does not grant. */
export class LifecycleOrchestrationValidationError extends Error {
  override readonly name = 'LifecycleOrchestrationValidationError';

  constructor(scope: Construct, message: string) {
    super(`[${scope.node.path}] ${message}`);
  }
}

/** The Secrets Manager SDK integrations a definition may call, and the IAM action each needs. */
const SECRETS_MANAGER_TASKS: Readonly<Record<string, string>> = {
  'aws-sdk:secretsmanager:describeSecret': 'secretsmanager:DescribeSecret',
  'aws-sdk:secretsmanager:rotateSecret': 'secretsmanager:RotateSecret',
};
const LAMBDA_INVOKE = 'lambda:invoke';
const START_EXECUTION = /^states:startExecution(\.sync(:2)?)?$/;
/** The context path of an execution's own state machine: a task starting it continues in a new execution. */
const OWN_STATE_MACHINE = '$$.StateMachine.Id';

/**
 * keyturn's orchestration: three Standard state machines from `statemachines/` and the functions they call.
 *
 * - **lifecycle** (`lifecycle.asl.json`): one secret's scheduled or on-demand rotation, what the schedules start.
 * - **emergency** (`emergency.asl.json`): a suspected leak: no grace window, revoke right after verify, never roll
 *   back.
 * - **fleet** (`fleet.asl.json`): a Map over nested lifecycle executions (`states:startExecution.sync:2`).
 * - The **coordinator** function (begin / report) and the **fleet functions** (select / summarize), outside any
 *   VPC. The target-side tasks (pre-flight, verify, drain, revoke, rollback) run in each secret's own rotation
 *   function, which the state machines find in the secret (`RotationLambdaARN`) and invoke dynamically.
 *
 * Each state machine's role is granted what its definition's Task states call, read from the file at synthesis,
 * and nothing else: `lambda:InvokeFunction` on the functions its placeholders name (and on the rotation functions
 * when a task's `FunctionName` is dynamic); the Secrets Manager SDK actions its tasks call, on the given secrets
 * only; for nested executions, `states:StartExecution` on the lifecycle and, for `.sync`, `DescribeExecution` /
 * `StopExecution` on its executions and the managed EventBridge rule Step Functions uses to follow them; for a
 * task that continues in a new execution (`$$.StateMachine.Id`), `states:StartExecution` on the state machine
 * itself. A task the orchestration knows no grant for stops the synthesis.
 */
export class LifecycleOrchestration extends Construct {
  public readonly lifecycle: KeyturnStateMachine;
  public readonly emergency: KeyturnStateMachine;
  public readonly fleet: KeyturnStateMachine;
  public readonly coordinator: CoordinatorFunction;
  public readonly fleetFunctions: FleetFunctions;

  private readonly props: LifecycleOrchestrationProps;
  /** The functions a definition may name, by placeholder. */
  private readonly invokable: ReadonlyMap<string, KeyturnFunction>;

  constructor(scope: Construct, id: string, props: LifecycleOrchestrationProps) {
    super(scope, id);
    this.props = props;
    const dir = props.definitionsDir ?? STATEMACHINES_DIR;
    const functionOptions = { logEncryptionKey: props.logEncryptionKey, failureQueue: props.failureQueue };

    this.coordinator = new CoordinatorFunction(this, 'Coordinator', {
      ...functionOptions,
      secrets: props.secrets,
      alerts: props.alerts,
      code: props.code?.coordinator,
    });
    this.fleetFunctions = new FleetFunctions(this, 'FleetFunctions', {
      ...functionOptions,
      alerts: props.alerts,
      code: props.code?.fleet,
    });
    this.invokable = new Map<AslPlaceholderName, KeyturnFunction>([
      [AslPlaceholder.CoordinatorFunction, this.coordinator],
      [AslPlaceholder.SelectFleetFunction, this.fleetFunctions.select],
      [AslPlaceholder.SummarizeFleetFunction, this.fleetFunctions.summarize],
    ]);

    const machine = (machineId: string, file: string, timeout: Duration, substitutions: AslSubstitutions) =>
      new KeyturnStateMachine(this, machineId, {
        definitionFile: path.join(dir, file),
        substitutions,
        timeout,
        logEncryptionKey: props.logEncryptionKey,
        logRetention: props.executionLogRetention,
      });
    const coordinated: AslSubstitutions = { CoordinatorFunction: this.coordinator.function.functionArn };

    this.lifecycle = machine(
      'Lifecycle',
      DEFINITION_FILES.lifecycle,
      props.lifecycleTimeout ?? DEFAULT_LIFECYCLE_TIMEOUT,
      coordinated,
    );
    this.emergency = machine(
      'Emergency',
      DEFINITION_FILES.emergency,
      props.emergencyTimeout ?? DEFAULT_EMERGENCY_TIMEOUT,
      coordinated,
    );
    this.fleet = machine('Fleet', DEFINITION_FILES.fleet, props.fleetTimeout ?? DEFAULT_FLEET_TIMEOUT, {
      SelectFleetFunction: this.fleetFunctions.select.function.functionArn,
      SummarizeFleetFunction: this.fleetFunctions.summarize.function.functionArn,
      LifecycleStateMachine: this.lifecycle.stateMachine.stateMachineArn,
    });

    for (const sm of [this.lifecycle, this.emergency, this.fleet]) this.grantTasks(sm);
    if (props.auditBus) this.sendAuditEventsTo(props.auditBus);
  }

  /** The three state machines, with what their failure means, for alarms and the dashboard. */
  public get stateMachines(): WatchedStateMachine[] {
    return [
      {
        stateMachine: this.lifecycle.stateMachine,
        label: 'lifecycle',
        failureRunbook: RunbookAnchor.LifecycleExecutionFailed,
        failureSeverity: AlarmSeverity.PAGE,
        failureMeaning:
          "A lifecycle execution (one secret's scheduled or on-demand rotation) failed or timed out. Its report " +
          "step alerted the entry's route with the rotation id and the failed step; AWSCURRENT holds the previous " +
          'credential (rolled back) or a verified new one. First: open the failed execution and read the ' +
          'failing state.',
      },
      {
        stateMachine: this.emergency.stateMachine,
        label: 'emergency',
        failureRunbook: RunbookAnchor.EmergencyRotationFailed,
        failureSeverity: AlarmSeverity.PAGE,
        failureMeaning:
          'An emergency rotation (suspected leak) failed or timed out: the suspected credential may still work. ' +
          'First: open the failed execution; if the new credential is not verified current or the old one not ' +
          'revoked, finish by hand.',
      },
      {
        stateMachine: this.fleet.stateMachine,
        label: 'fleet',
        failureRunbook: RunbookAnchor.FleetRotationFailed,
        failureSeverity: AlarmSeverity.TICKET,
        failureMeaning:
          'A fleet rotation failed or timed out before every selected secret was done. Each nested lifecycle ' +
          "execution alarms on its own failure. First: read the fleet execution's Map results for the secrets " +
          'that did not complete, and start a new fleet run for them.',
      },
    ];
  }

  /** The coordinator and fleet functions, for alarms. */
  public get functions(): lambda.IFunction[] {
    return [this.coordinator.function, ...this.fleetFunctions.functions.map((f) => f.function)];
  }

  /** Connects the functions that report (coordinator, fleet summary) to keyturn's audit bus. */
  public sendAuditEventsTo(auditBus: AuditEventBus): void {
    this.coordinator.sendAuditEventsTo(auditBus);
    this.fleetFunctions.sendAuditEventsTo(auditBus);
  }

  /** Grants `machine`'s role what its Task states call, and nothing else. */
  private grantTasks(machine: KeyturnStateMachine): void {
    const role = machine.role;
    const secretActions = new Set<string>();
    const invoked = new Set<KeyturnFunction>();
    let invokesRotationFunctions = false;
    let startsLifecycle: 'async' | 'sync' | undefined;
    let startsItself = false;

    for (const task of machine.definition.tasks) {
      const fail = (problem: string): never => {
        throw new LifecycleOrchestrationValidationError(
          machine,
          `${path.basename(machine.definition.file)}, state ${task.state} (${task.integration}): ${problem}`,
        );
      };
      const secretAction = SECRETS_MANAGER_TASKS[task.integration];
      if (task.integration === LAMBDA_INVOKE || task.integration === DIRECT_LAMBDA) {
        const target = lambdaTarget(task);
        if (target === undefined) fail('the function must be a ${Placeholder} or a path (FunctionName.$)');
        else if (target.dynamic) invokesRotationFunctions = true;
        else {
          const fn = this.invokable.get(target.placeholder);
          if (!fn) fail(`\${${target.placeholder}} names no function of the orchestration`);
          else invoked.add(fn);
        }
      } else if (secretAction !== undefined) {
        secretActions.add(secretAction);
      } else if (START_EXECUTION.test(task.integration)) {
        const sync = task.integration.includes('.sync');
        if (placeholderOf(task.parameters.StateMachineArn) === AslPlaceholder.LifecycleStateMachine) {
          startsLifecycle = sync ? 'sync' : (startsLifecycle ?? 'async');
        } else if (task.parameters['StateMachineArn.$'] === OWN_STATE_MACHINE && !sync) {
          startsItself = true;
        } else {
          fail(
            `StateMachineArn must be \${${AslPlaceholder.LifecycleStateMachine}} (a nested lifecycle), or ` +
              `"StateMachineArn.$": "${OWN_STATE_MACHINE}" without .sync (continue in a new execution)`,
          );
        }
      } else {
        fail('keyturn grants nothing for this integration: add its permissions to LifecycleOrchestration first');
      }
    }

    // The functions the placeholders name: exactly their unqualified ARNs (no versions or aliases).
    for (const fn of invoked) {
      iam.Grant.addToPrincipal({
        grantee: role,
        actions: ['lambda:InvokeFunction'],
        resourceArns: [fn.function.functionArn],
      });
    }
    if (invokesRotationFunctions) this.props.rotationFunctions.grantInvoke(machine, 'RotationFunctionsPolicy', role);
    if (secretActions.size > 0) {
      this.props.secrets.grant(machine, 'ManagedSecretsPolicy', role, [...secretActions].sort());
    }
    if (startsLifecycle) this.grantNestedLifecycle(machine, startsLifecycle === 'sync');
    if (startsItself) {
      // A policy of its own: in the role's default policy, which the state machine depends on, a reference to
      // the state machine's own ARN would be a circular dependency.
      new iam.Policy(machine, 'ContinueAsNewPolicy', {
        roles: [machine.role],
        statements: [
          new iam.PolicyStatement({
            actions: ['states:StartExecution'],
            resources: [machine.stateMachine.stateMachineArn],
          }),
        ],
      });
    }
  }

  /**
   * Starting lifecycle executions, and for `.sync` following them: what Step Functions documents for nested
   * workflows (`DescribeExecution` and `StopExecution` on the child's executions, and its managed EventBridge rule).
   */
  private grantNestedLifecycle(machine: KeyturnStateMachine, sync: boolean): void {
    const lifecycle = this.lifecycle.stateMachine;
    lifecycle.grantStartExecution(machine.role);
    if (!sync) return;
    const stack = Stack.of(this);
    const executions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${lifecycle.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const policy = new iam.Policy(machine, 'NestedExecutionsPolicy', {
      roles: [machine.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['states:DescribeExecution', 'states:StopExecution'],
          resources: [executions],
        }),
        new iam.PolicyStatement({
          actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          resources: [
            stack.formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: SYNC_EXECUTION_RULE,
              arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });
    const lifecycleId = stack.getLogicalId(lifecycle.node.defaultChild as sfn.CfnStateMachine);
    const executionsFinding = `arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<${lifecycleId}.Name>:*`;
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${executionsFinding}]`,
      reason:
        'The executions of the lifecycle state machine, whose ids Step Functions assigns when the fleet starts ' +
        'them: DescribeExecution and StopExecution are what startExecution.sync needs to follow a nested ' +
        'execution (and stop it if the fleet run is stopped). Only that state machine, only those two actions.',
    });
  }
}

/** The function a Lambda task invokes, as far as the infrastructure knows: named by a placeholder, or dynamic. */
type LambdaTarget = { readonly dynamic: true } | { readonly dynamic: false; readonly placeholder: string };

/**
 * The function a Lambda task invokes: the placeholder of its `Resource` (a direct invocation) or of its
 * `FunctionName` (`lambda:invoke`), or dynamic for `FunctionName.$`; undefined for anything else.
 */
function lambdaTarget(task: AslTask): LambdaTarget | undefined {
  if (task.functionPlaceholder !== undefined) return { dynamic: false, placeholder: task.functionPlaceholder };
  if (task.parameters['FunctionName.$'] !== undefined) return { dynamic: true };
  const placeholder = placeholderOf(task.parameters.FunctionName);
  return placeholder === undefined ? undefined : { dynamic: false, placeholder };
}
