import { Duration, Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { CfnSchedule, type IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { z } from 'zod/mini';
import { parseKeyRunInput, type keyRunInputSchema } from '../../../functions/kms-key/run-input';
import { schedulerExpression, validateSchedulerRetryPolicy } from '../rotation-schedule';

/** What starts a kms-key run: the run input's schema (functions/kms-key/run-input.ts) is its one definition. */
export type KeyRunRequest = z.input<typeof keyRunInputSchema>;

/** Properties of a {@link KeyRotationSchedule}. */
export interface KeyRotationScheduleProps {
  /**
   * The execution input of every run it starts (`entryId`, `keyId`, `aliasName`, `alertTopicArn`, `settings`),
   * checked against the run input's schema at synthesis. Its `entryId` names the schedule.
   */
  readonly input: KeyRunRequest;

  /**
   * `rate(N hours|days)` or `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, in UTC, as in the policy
   * file (Secrets Manager's syntax, which EventBridge Scheduler reads too).
   */
  readonly expression: string;

  /** How long after each due time the state machine may be started (a FLEXIBLE time window). 1 minute to 24 hours. */
  readonly window: Duration;

  /** The kms-key state machine. */
  readonly stateMachine: sfn.IStateMachine;

  /** The role Scheduler uses: it may start the state machine and send to the dead-letter queue (granted by the caller). */
  readonly role: iam.IRole;

  /** Where Scheduler puts an invocation it could not deliver after its retries. */
  readonly deadLetterQueue: sqs.IQueue;

  /** The schedule group the schedule belongs to. */
  readonly group: IScheduleGroup;

  /**
   * How often Scheduler retries a failed StartExecution. 0 to 185.
   *
   * @default 3
   */
  readonly retryAttempts?: number;

  /**
   * How long Scheduler keeps retrying an invocation. 1 minute to 24 hours.
   *
   * @default Duration.hours(1)
   */
  readonly maxEventAge?: Duration;
}

/** Thrown when a {@link KeyRotationSchedule} is given props it cannot work with; the message shows the bad value. */
export class KeyRotationScheduleError extends Error {
  override readonly name = 'KeyRotationScheduleError';

  constructor(scope: Construct, message: string) {
    super(`[${scope.node.path}] ${message}`);
  }
}

const DEFAULT_RETRY_ATTEMPTS = 3;
const DEFAULT_MAX_EVENT_AGE = Duration.hours(1);

/**
 * The EventBridge Scheduler schedule that starts the kms-key state machine for one key of the policy, the way each
 * secret's lifecycle schedule starts the lifecycle: the entry's expression in UTC, a FLEXIBLE window, retries, then
 * the dead-letter queue. Named by the entry id in keyturn's schedule group (ids are unique across entries and keys).
 */
export class KeyRotationSchedule extends Construct {
  /** The schedule resource. */
  public readonly schedule: CfnSchedule;

  /** The expression as Scheduler takes it. */
  public readonly expression: string;

  constructor(scope: Construct, id: string, props: KeyRotationScheduleProps) {
    super(scope, id);
    const retryAttempts = props.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    const maxEventAge = props.maxEventAge ?? DEFAULT_MAX_EVENT_AGE;
    const fail = (message: string): never => {
      throw new KeyRotationScheduleError(this, message);
    };
    validateSchedulerRetryPolicy(retryAttempts, maxEventAge, fail);
    if (!props.window.isUnresolved()) {
      const minutes = props.window.toMinutes({ integral: false });
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
        fail(`window must be whole minutes from 1 minute to 24 hours, got ${props.window.toHumanString()}`);
      }
    }
    try {
      // Tokens (the key's and topic's ARNs) are strings here: the shape and the literal values are what is checked.
      parseKeyRunInput(props.input);
    } catch (error) {
      fail((error as Error).message);
    }
    try {
      this.expression = schedulerExpression(props.expression);
    } catch (error) {
      throw new KeyRotationScheduleError(this, `${(error as Error).message}, got "${props.expression}"`);
    }

    this.schedule = new CfnSchedule(this, 'Resource', {
      name: props.input.entryId,
      groupName: props.group.scheduleGroupName,
      description: `keyturn: starts the rotation of KMS key ${props.input.entryId} (${props.expression})`,
      scheduleExpression: this.expression,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: props.window.toMinutes() },
      state: 'ENABLED',
      target: {
        arn: props.stateMachine.stateMachineArn,
        roleArn: props.role.roleArn,
        input: Stack.of(this).toJsonString(props.input),
        retryPolicy: { maximumRetryAttempts: retryAttempts, maximumEventAgeInSeconds: maxEventAge.toSeconds() },
        deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
      },
    });
  }
}
