import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { KMS_EVENT_SOURCE, KmsEventType } from '../../../functions/kms-key/kms-events';
import { AslPlaceholder } from '../../../functions/shared/lifecycle-contract';
import { keyRunSeconds, MAX_RUN_SECONDS } from '../../policy/key-settings';
import type { ResolvedKey } from '../../policy/resolve-keys';
import type { AlertTopic } from '../observability/alert-topic';
import type { AuditEventBus } from '../observability/audit-trail';
import { AlarmSeverity, type WatchedStateMachine } from '../observability/rotation-alarms';
import { RunbookAnchor } from '../observability/runbooks';
import { readAslDefinition } from '../orchestration/asl-definition';
import { KeyturnStateMachine, STATEMACHINES_DIR } from '../orchestration/keyturn-state-machine';
import { stateMachineSchedulerRole, windowDuration } from '../rotation-schedule';
import { KmsKeyFunction } from './kms-key-function';
import { grantKeyRotation } from './kms-key-permissions';
import { KeyRotationSchedule, type KeyRunRequest } from './kms-key-schedule';
import { type RotatedKey, RotatedKeys } from './rotated-keys';

/** The definition file, in `definitionsDir`. */
export const KMS_KEY_DEFINITION_FILE = 'kms-key.asl.json';

/** Lambda's longest invocation. */
const MAX_FUNCTION_TIMEOUT_SECONDS = 900;

/** Properties of a {@link KmsKeyRotation}. */
export interface KmsKeyRotationProps {
  /** The policy's keys, defaults applied. At least one. */
  readonly keys: readonly ResolvedKey[];

  /** The alert routes: a key's run alerts its entry's route; the function may publish to every route. */
  readonly alerts: AlertTopic;

  /**
   * keyturn's audit bus (every step of a run puts its event there).
   *
   * @default - none: the function only logs its audit events
   */
  readonly auditBus?: AuditEventBus;

  /** The group the keys' schedules belong to (keyturn's, beside the secrets' schedules). */
  readonly scheduleGroup: IScheduleGroup;

  /** Where Scheduler puts a start it could not deliver, and where failed asynchronous invocations go. */
  readonly deadLetterQueue: sqs.IQueue;

  /**
   * Key of the execution and function log groups. Its key policy must let CloudWatch Logs use it.
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
   * The directory holding {@link KMS_KEY_DEFINITION_FILE}. Only tests should change it.
   *
   * @default - `statemachines/` in this repository
   */
  readonly definitionsDir?: string;

  /**
   * Already-built code of the kms-key function, instead of bundling it (tests).
   *
   * @default - bundled from `functions/kms-key/handler.ts`
   */
  readonly code?: lambda.Code;
}

/** Thrown when the definition or the keys ask for something this construct cannot build. */
export class KmsKeyRotationValidationError extends Error {
  override readonly name = 'KmsKeyRotationValidationError';

  constructor(scope: Construct, message: string) {
    super(`[${scope.node.path}] ${message}`);
  }
}

/**
 * The rotation of the policy's KMS keys:
 *
 * - `keys` ({@link RotatedKeys}): the keys keyturn creates (spec, usage, automatic rotation, alias, retained) and
 *   the ones it adopts by ARN;
 * - `function` ({@link KmsKeyFunction}): the task function, its role granted exactly what a run calls on these keys
 *   (see kms-key-permissions.ts);
 * - `stateMachine`: `statemachines/kms-key.asl.json` with `${KmsKeyFunction}` filled, logged like keyturn's other
 *   state machines, timed out after the longest run the keys' settings allow ({@link kmsKeyTimeoutFor});
 * - `schedules`: one per key with a `schedule`, starting the state machine with that key's run input, through
 *   `schedulerRole`, which may start this state machine and write to the dead-letter queue, nothing else.
 */
export class KmsKeyRotation extends Construct {
  public readonly keys: readonly RotatedKey[];
  public readonly function: KmsKeyFunction;
  public readonly stateMachine: KeyturnStateMachine;
  public readonly schedulerRole: iam.Role;
  /** The schedules, by key entry id. */
  public readonly schedules: ReadonlyMap<string, KeyRotationSchedule>;
  /** KMS's own events (material rotated, key deleted) to the function, which records them as audit events. */
  public readonly kmsEventsRule: events.Rule;

  constructor(scope: Construct, id: string, props: KmsKeyRotationProps) {
    super(scope, id);
    if (props.keys.length === 0) throw new KmsKeyRotationValidationError(this, 'keys must name at least one key');
    const file = path.join(props.definitionsDir ?? STATEMACHINES_DIR, KMS_KEY_DEFINITION_FILE);

    this.keys = new RotatedKeys(this, 'Keys', { keys: props.keys }).keys;
    this.function = new KmsKeyFunction(this, 'Function', {
      alerts: props.alerts,
      auditBus: props.auditBus,
      timeout: this.functionTimeout(file),
      logEncryptionKey: props.logEncryptionKey,
      failureQueue: props.deadLetterQueue,
      code: props.code,
    });
    grantKeyRotation(this.function, { role: this.function.role, keys: this.keys });

    this.stateMachine = new KeyturnStateMachine(this, 'StateMachine', {
      definitionFile: file,
      substitutions: { [AslPlaceholder.KmsKeyFunction]: this.function.function.functionArn },
      timeout: kmsKeyTimeoutFor(props.keys),
      logEncryptionKey: props.logEncryptionKey,
      logRetention: props.executionLogRetention,
    });
    this.stateMachine.grantInvokeOnly(AslPlaceholder.KmsKeyFunction, this.function.function);

    this.schedulerRole = stateMachineSchedulerRole(this, 'SchedulerRole', {
      description: 'keyturn: lets the KMS key schedules start the kms-key state machine, nothing else',
      group: props.scheduleGroup,
      stateMachine: this.stateMachine.stateMachine,
      deadLetterQueue: props.deadLetterQueue,
    });

    const schedules = new Map<string, KeyRotationSchedule>();
    for (const key of this.keys) {
      const schedule = key.entry.schedule;
      if (!schedule) continue;
      schedules.set(
        key.entry.id,
        new KeyRotationSchedule(this, `Schedule-${key.entry.id}`, {
          input: this.runInput(key, props.alerts),
          expression: schedule.expression,
          window: windowDuration(schedule.window),
          stateMachine: this.stateMachine.stateMachine,
          role: this.schedulerRole,
          deadLetterQueue: props.deadLetterQueue,
          group: props.scheduleGroup,
        }),
      );
    }
    this.schedules = schedules;

    // Every key of the account, not just the policy's: replacement keys' ARNs are not known here, and a rotation
    // keyturn did not start belongs in the audit trail too (KMS sends these events best effort).
    this.kmsEventsRule = new events.Rule(this, 'KmsEventsToAudit', {
      description: "keyturn: KMS's key rotation and deletion events become keyturn audit events",
      eventPattern: { source: [KMS_EVENT_SOURCE], detailType: [KmsEventType.Rotation, KmsEventType.Deletion] },
      targets: [
        // EventBridge invokes asynchronously: once Lambda accepted an event, a failure of the function goes to the
        // function's own failure queue; these retries cover delivery to Lambda itself.
        new targets.LambdaFunction(this.function.function, { retryAttempts: 3, maxEventAge: Duration.hours(2) }),
      ],
    });
  }

  /** The kms-key state machine, with what its failure means, for the alarms and the dashboard. */
  public get watchedStateMachine(): WatchedStateMachine {
    return {
      stateMachine: this.stateMachine.stateMachine,
      label: 'kms-key',
      failureRunbook: RunbookAnchor.KmsKeyRotationFailed,
      failureSeverity: AlarmSeverity.PAGE,
      failureMeaning:
        "A KMS key's rotation failed or timed out. Its report step alerted the entry's route with the rotation id " +
        'and the failed step; before a deletion was scheduled the run rolled back (old key enabled, alias on it). ' +
        'First: open the failed execution and read the failing state.',
    };
  }

  /** A key's run input: its entry, its ARN, its alias, its route's topic and its settings (seconds and days). */
  public runInput(key: RotatedKey, alerts: AlertTopic): KeyRunRequest {
    return {
      entryId: key.entry.id,
      keyId: key.key.keyArn,
      ...(key.entry.aliasName === undefined ? {} : { aliasName: key.entry.aliasName }),
      alertTopicArn: alerts.topic(key.entry.alertRoute).topicArn,
      settings: key.entry.settings,
    };
  }

  /** The function's timeout: the longest TimeoutSeconds of the definition's Task states (what a task may wait). */
  private functionTimeout(file: string): Duration {
    const longest = Math.max(1, ...taskTimeouts(readAslDefinition(file).json));
    if (longest > MAX_FUNCTION_TIMEOUT_SECONDS) {
      throw new KmsKeyRotationValidationError(
        this,
        `${KMS_KEY_DEFINITION_FILE} gives a task TimeoutSeconds ${longest}, more than a Lambda invocation may run ` +
          `(${MAX_FUNCTION_TIMEOUT_SECONDS})`,
      );
    }
    return Duration.seconds(longest);
  }
}

/**
 * How long a kms-key execution may run: the longest run any key's settings allow (a replacement's grace, drain
 * checks, verification hold and canary watch, and its tasks; see `keyRunSeconds`), at most a year (a Standard
 * workflow's limit, which the policy already holds every key to).
 */
export function kmsKeyTimeoutFor(keys: readonly ResolvedKey[]): Duration {
  return Duration.seconds(Math.min(MAX_RUN_SECONDS, Math.max(0, ...keys.map((key) => keyRunSeconds(key.settings)))));
}

interface StatesJson {
  readonly States?: Readonly<Record<string, StateJson>>;
}
interface StateJson {
  readonly Type?: unknown;
  readonly TimeoutSeconds?: unknown;
  readonly Iterator?: StatesJson;
  readonly ItemProcessor?: StatesJson;
  readonly Branches?: readonly StatesJson[];
}

/** The TimeoutSeconds of every Task state, nested ones included. */
function taskTimeouts(definition: StatesJson): number[] {
  return Object.values(definition.States ?? {}).flatMap((state) => [
    ...(state.Type === 'Task' && typeof state.TimeoutSeconds === 'number' ? [state.TimeoutSeconds] : []),
    ...[state.Iterator, state.ItemProcessor, ...(state.Branches ?? [])].flatMap((nested) =>
      nested ? taskTimeouts(nested) : [],
    ),
  ]);
}
