import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Construct } from 'constructs';
import { AslPlaceholder } from '../../../functions/shared/lifecycle-contract';
import type { RotatedKey } from '../kms-keys/rotated-keys';
import type { AuditEventBus } from '../observability/audit-trail';
import { AlarmSeverity, type WatchedStateMachine } from '../observability/rotation-alarms';
import { RunbookAnchor } from '../observability/runbooks';
import { connectAuditBus } from '../orchestration/reporting-function';
import { KeyturnStateMachine, STATEMACHINES_DIR } from '../orchestration/keyturn-state-machine';
import { stateMachineSchedulerRole } from '../rotation-schedule';
import { KmsRewrapFunction } from './rewrap-function';
import { grantRewrap } from './rewrap-permissions';
import { RewrapSchedule } from './rewrap-schedule';
import { RewrapTriggers } from './rewrap-triggers';

/** The definition files, in `definitionsDir`. */
export const REWRAP_DEFINITION_FILE = 'rewrap.asl.json';
export const REWRAP_START_DEFINITION_FILE = 'rewrap-start.asl.json';

/**
 * How long a re-wrap execution may run: about as long as its history allows. Each slice (up to 15 minutes) adds
 * about 7 of a Standard execution's 25,000 history events, some 3,500 slices: a month of slices. A job still running
 * then times out, and its alarm says so; a new execution goes on where it stopped (items already re-wrapped are
 * counted as current, not written again).
 */
export const REWRAP_EXECUTION_TIMEOUT = Duration.days(30);
/** The starter only starts executions: minutes are plenty, retries included. */
export const REWRAP_START_TIMEOUT = Duration.minutes(10);

/** Properties of a {@link KmsRewrap}. */
export interface KmsRewrapProps {
  /** The policy's keys (as the kms-key rotation built them); those with `rewrap` jobs are wired, at least one. */
  readonly keys: readonly RotatedKey[];

  /**
   * Key of the execution and function log groups.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * How long execution logs are kept.
   *
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly executionLogRetention?: logs.RetentionDays;

  /**
   * Where failed asynchronous invocations of the function go, and a job's schedule puts a start it could not deliver.
   * Required when a job has a `schedule`.
   *
   * @default - a queue of the function's own; no job may have a schedule
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * The group of the jobs' schedules (keyturn's, beside the secrets' and the keys' schedules). Required when a job
   * has a `schedule`.
   *
   * @default - no job may have a schedule
   */
  readonly scheduleGroup?: IScheduleGroup;

  /**
   * The directory holding the definition files. Only tests should change it.
   *
   * @default - `statemachines/` in this repository
   */
  readonly definitionsDir?: string;

  /**
   * Already-built code of the re-wrap function (tests).
   *
   * @default - bundled from `functions/kms-rewrap/handler.ts`
   */
  readonly code?: lambda.Code;
}

/** Thrown when the keys or the definitions ask for something this construct cannot build. */
export class KmsRewrapValidationError extends Error {
  override readonly name = 'KmsRewrapValidationError';

  constructor(scope: Construct, message: string) {
    super(`[${scope.node.path}] ${message}`);
  }
}

/**
 * The policy's KMS re-wrap jobs (docs/kms-rewrap.md):
 *
 * - `function` ({@link KmsRewrapFunction}): the job's slices, its role granted the policy's tables and keys only
 *   (rewrap-permissions.ts);
 * - `stateMachine`: `statemachines/rewrap.asl.json`, `${RewrapFunction}` filled, one execution per job and segment;
 * - `starter`: `statemachines/rewrap-start.asl.json`, `${RewrapStateMachine}` filled: starts a key's jobs, each
 *   segment under a name derived from the change, so a trigger delivered twice starts no twin;
 * - `triggers`: per key, the EventBridge rules that start the starter when the key's material changed
 *   ({@link RewrapTriggers}: KMS's rotation event now; keyturn's own events once {@link listenToAuditEvents}).
 */
export class KmsRewrap extends Construct {
  public readonly function: KmsRewrapFunction;
  public readonly stateMachine: KeyturnStateMachine;
  public readonly starter: KeyturnStateMachine;
  /** The triggers, by key entry id. */
  public readonly triggers: ReadonlyMap<string, RewrapTriggers>;
  /** The operator's schedules of jobs that have one. */
  public readonly schedules: readonly RewrapSchedule[];
  /** The role the schedules start the starter with (only when a job has a schedule). */
  public readonly schedulerRole?: iam.Role;

  constructor(scope: Construct, id: string, props: KmsRewrapProps) {
    super(scope, id);
    const keys = props.keys.filter((key) => key.entry.rewrap.length > 0);
    if (keys.length === 0) throw new KmsRewrapValidationError(this, 'no key of the policy has rewrap jobs');
    const dir = props.definitionsDir ?? STATEMACHINES_DIR;

    this.function = new KmsRewrapFunction(this, 'Function', {
      logEncryptionKey: props.logEncryptionKey,
      failureQueue: props.deadLetterQueue,
      code: props.code,
    });
    grantRewrap(this.function, { role: this.function.role, keys });

    this.stateMachine = new KeyturnStateMachine(this, 'StateMachine', {
      definitionFile: path.join(dir, REWRAP_DEFINITION_FILE),
      substitutions: { [AslPlaceholder.RewrapFunction]: this.function.function.functionArn },
      timeout: REWRAP_EXECUTION_TIMEOUT,
      logEncryptionKey: props.logEncryptionKey,
      logRetention: props.executionLogRetention,
    });
    this.stateMachine.grantInvokeOnly(AslPlaceholder.RewrapFunction, this.function.function);

    this.starter = new KeyturnStateMachine(this, 'Starter', {
      definitionFile: path.join(dir, REWRAP_START_DEFINITION_FILE),
      substitutions: { [AslPlaceholder.RewrapStateMachine]: this.stateMachine.stateMachine.stateMachineArn },
      timeout: REWRAP_START_TIMEOUT,
      logEncryptionKey: props.logEncryptionKey,
      logRetention: props.executionLogRetention,
    });
    this.grantStarterTasks();

    this.triggers = new Map(
      keys.map((key) => [
        key.entry.id,
        new RewrapTriggers(this, `Triggers-${key.entry.id}`, { key, starter: this.starter.stateMachine }),
      ]),
    );

    const scheduled = keys.flatMap((key) =>
      key.entry.rewrap.filter((job) => job.schedule !== undefined).map((job) => ({ key, job })),
    );
    this.schedules = [];
    if (scheduled.length === 0) return;
    const { scheduleGroup, deadLetterQueue } = props;
    if (!scheduleGroup || !deadLetterQueue) {
      throw new KmsRewrapValidationError(this, 'a job with a schedule needs scheduleGroup and deadLetterQueue');
    }
    this.schedulerRole = stateMachineSchedulerRole(this, 'SchedulerRole', {
      description: "keyturn: lets the re-wrap jobs' schedules start the re-wrap starter, nothing else",
      group: scheduleGroup,
      stateMachine: this.starter.stateMachine,
      deadLetterQueue,
    });
    const role = this.schedulerRole;
    this.schedules = scheduled.map(
      ({ key, job }, index) =>
        new RewrapSchedule(this, `Schedule-${key.entry.id}-${index}`, {
          key,
          job,
          starter: this.starter.stateMachine,
          role,
          deadLetterQueue,
          group: scheduleGroup,
        }),
    );
  }

  /** Puts the job's audit events on `auditBus`, and starts jobs on keyturn's own events of the keys there. */
  public listenToAuditEvents(auditBus: AuditEventBus): void {
    connectAuditBus(this.function, auditBus);
    for (const triggers of this.triggers.values()) triggers.listenToAuditEvents(auditBus.bus);
  }

  /** The re-wrap and starter state machines, with what their failures mean, for the alarms and the dashboard. */
  public get watchedStateMachines(): WatchedStateMachine[] {
    const meaning =
      'Data keys still under the old key material (or the old key) stay readable while that key is enabled, but a ' +
      "replaced key is disabled and deleted after the kms-key run's grace and drain: re-wrap them before that. ";
    return [
      {
        stateMachine: this.stateMachine.stateMachine,
        label: 'kms-rewrap',
        failureRunbook: RunbookAnchor.KmsRewrapFailed,
        failureSeverity: AlarmSeverity.PAGE,
        failureMeaning:
          'A KMS re-wrap job failed or timed out: some wrapped data keys of its table were not re-wrapped. ' +
          meaning +
          'First: open the failed execution; its error names why (RewrapItemsRefusedError: the RewrapCompleted ' +
          'audit event names the first refused items).',
      },
      {
        stateMachine: this.starter.stateMachine,
        label: 'kms-rewrap-start',
        failureRunbook: RunbookAnchor.KmsRewrapFailed,
        failureSeverity: AlarmSeverity.PAGE,
        failureMeaning:
          "A key's material changed but its re-wrap jobs could not be started. " +
          meaning +
          'First: open the failed starter execution and read the failing StartRewrap state.',
      },
    ];
  }

  /** The starter may start executions of the re-wrap state machine, which every task does; anything else stops synthesis. */
  private grantStarterTasks(): void {
    for (const task of this.starter.definition.tasks) {
      if (task.integration !== 'states:startExecution' || task.parameters.StateMachineArn !== '${RewrapStateMachine}') {
        throw new KmsRewrapValidationError(
          this,
          `${REWRAP_START_DEFINITION_FILE}, state ${task.state} (${task.integration}): every task must start ` +
            `\${${AslPlaceholder.RewrapStateMachine}} (states:startExecution, without .sync): keyturn grants the ` +
            'starter nothing else',
        );
      }
    }
    this.stateMachine.stateMachine.grantStartExecution(this.starter.role);
  }
}
