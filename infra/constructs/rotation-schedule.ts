/**
 * When keyturn rotates a secret, and what happens if it stops.
 *
 * ## The design
 *
 * The lifecycle state machine is the driver. Each policy entry gets one EventBridge Scheduler
 * schedule ({@link LifecycleSchedule}) with the entry's expression — Scheduler's `rate()` and
 * 6-field `cron()` read the same as Secrets Manager's, in UTC — and a FLEXIBLE time window as
 * long as the entry's rotation window. It starts the lifecycle state machine with a `LifecycleRequest`
 * (`{"secretArn", "trigger": "schedule", "entryId", "scheduledTime", "alertTopicArn"}`, the scheduled
 * time filled in by Scheduler); failed deliveries are retried (3 attempts, for at most an hour by
 * default) and then land in a dead-letter queue.
 *
 * Secrets Manager's native rotation stays configured as a BACKSTOP, on a schedule 1.5 times
 * the entry's interval ({@link backstopScheduleExpression}) with the same window. Every
 * lifecycle rotation goes through `RotateSecret`, which resets Secrets Manager's clock (the
 * next native rotation is counted from the last rotation), so while keyturn's schedule works
 * the backstop never fires. If the schedule, the state machine or its permissions break, the
 * backstop rotates the secret anyway, at most half an interval late: rotation degrades, it
 * does not stop.
 *
 * - `rate(N days)`: backstop `rate(ceil(1.5 N) days)`, at most 999 days (the largest interval
 *   Secrets Manager documents for a schedule expression).
 * - `rate(N hours)`: backstop `ceil(1.5 N)` hours, written in hours up to 23 (Secrets Manager
 *   takes rates in hours below a day) and in whole days, rounded up, beyond.
 * - `cron(...)`: there is no single interval, so the backstop is a rate of 1.5 times the
 *   longest gap between consecutive occurrences over the next year (`longestIntervalMs`, built
 *   on `nextCronOccurrence`), expressed as above; a cron firing less than twice a year gets the
 *   longest backstop, 999 days.
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CfnSchedule, ContextAttribute, type IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  longestIntervalMs,
  nextCronOccurrence,
  parseScheduleExpression,
  startOfUtcDay,
} from '../../functions/shared/rotation-schedule';
import type { LifecycleRequest } from '../../functions/shared/lifecycle-contract';
import { grantSendMessages } from './encryption';

/** How much later than the lifecycle the native backstop is due. */
export const BACKSTOP_FACTOR = 1.5;

/**
 * The longest interval Secrets Manager documents for a rotation schedule expression (its
 * `AutomaticallyAfterDays` goes to 1000, the schedule-expression page says 999): the safe cap.
 */
export const MAX_BACKSTOP_DAYS = 999;

/** Secrets Manager takes `rate(N hours)` for intervals shorter than a day. */
const MAX_RATE_HOURS = 23;

const HOUR_MS = 3_600_000;

/** A schedule keyturn cannot turn into a lifecycle schedule and backstop. */
export class RotationScheduleError extends Error {
  override readonly name = 'RotationScheduleError';
}

/**
 * The Secrets Manager schedule expression of the native backstop for a lifecycle schedule
 * `expression` (see the module comment for the rules).
 *
 * @param from where a cron's next year of occurrences starts. Synthesis passes the start of the
 *   current UTC day, so repeated synths on one day give the same template; for the usual crons
 *   (hourly, daily, weekly, monthly) the result does not depend on the day at all.
 */
export function backstopScheduleExpression(expression: string, from: Date = startOfUtcDay(new Date())): string {
  const schedule = parseScheduleExpression(expression);
  if (schedule.kind === 'cron' && nextCronOccurrence(schedule.cron, from) === undefined) {
    throw new RotationScheduleError(`${expression} never fires after ${from.toISOString()}: nothing would rotate`);
  }
  if (schedule.kind === 'days') return rateInDays(Math.ceil(schedule.days * BACKSTOP_FACTOR));
  // Rates in hours, and crons by their widest gap over the next year; a cron that fires less than twice
  // in a year gets the longest backstop there is.
  const longest = longestIntervalMs(schedule, from);
  if (longest === undefined) return rateInDays(MAX_BACKSTOP_DAYS);
  return rateInHours(Math.ceil((longest / HOUR_MS) * BACKSTOP_FACTOR));
}

/**
 * The expression as EventBridge Scheduler takes it. Scheduler reads Secrets Manager's `rate()`
 * and 6-field `cron()` alike, but wants the unit singular for 1 and plural otherwise.
 */
export function schedulerExpression(expression: string): string {
  const schedule = parseScheduleExpression(expression);
  switch (schedule.kind) {
    case 'days':
      return plural(schedule.days, 'day');
    case 'hours':
      return plural(schedule.hours, 'hour');
    case 'cron':
      return expression.trim();
  }
}

/** A policy window (`4h`) as a Duration; the schema already holds it to whole hours, 1 to 24. */
export function windowDuration(window: string): Duration {
  const match = /^(\d{1,2})h$/.exec(window);
  const hours = Number(match?.[1]);
  if (!match || !(hours >= 1 && hours <= 24)) {
    throw new RotationScheduleError(`rotation window must be whole hours from 1h to 24h, got "${window}"`);
  }
  return Duration.hours(hours);
}

function rateInHours(hours: number): string {
  return hours <= MAX_RATE_HOURS ? plural(hours, 'hour') : rateInDays(Math.ceil(hours / 24));
}

function rateInDays(days: number): string {
  return plural(Math.min(days, MAX_BACKSTOP_DAYS), 'day');
}

function plural(value: number, unit: string): string {
  return `rate(${value} ${value === 1 ? unit : `${unit}s`})`;
}

/** Properties of a {@link LifecycleSchedule}. */
export interface LifecycleScheduleProps extends StateMachineScheduleOptions {
  /** The policy entry the schedule rotates; it names the schedule and travels in the input as `entryId`. */
  readonly entryId: string;

  /**
   * The entry's alert route; its ARN travels in the input as `alertTopicArn`, for the lifecycle to notify.
   *
   * @default - none: the lifecycle's failures reach only the global alarms
   */
  readonly alertTopic?: sns.ITopic;

  /** The secret; its ARN travels in the input as `secretArn`. */
  readonly secret: ISecret;
}

const DEFAULT_RETRY_ATTEMPTS = 3;
const DEFAULT_MAX_EVENT_AGE = Duration.hours(1);

/**
 * The EventBridge Scheduler schedule that starts the lifecycle state machine for one secret (see the
 * module comment for how it relates to Secrets Manager's own rotation schedule).
 */
export class LifecycleSchedule extends Construct {
  /** The schedule resource. */
  public readonly schedule: CfnSchedule;

  /** The expression as Scheduler takes it. */
  public readonly expression: string;

  constructor(scope: Construct, id: string, props: LifecycleScheduleProps) {
    super(scope, id);
    const fail = (message: string): never => {
      throw new RotationScheduleError(`[${this.node.path}] ${message}`);
    };
    if (!/^[a-z][a-z0-9-]{0,63}$/.test(props.entryId)) {
      fail(
        `entryId must be a schedule name of lowercase letters, digits and hyphens (at most 64), got "${props.entryId}"`,
      );
    }
    props.stateMachine.grantStartExecution(props.role);
    grantSendMessages(props.deadLetterQueue, props.role);
    ({ schedule: this.schedule, expression: this.expression } = createStateMachineSchedule(
      this,
      {
        ...props,
        name: props.entryId,
        description: `keyturn: starts the lifecycle of ${props.entryId} (${props.expression})`,
        input: this.lifecycleRequest(props),
      },
      fail,
    ));
  }

  /**
   * The lifecycle's execution input. Scheduler replaces `<aws.scheduler.scheduled-time>` with the time the
   * schedule was due (not when it delivered, which the flexible window and retries delay): the lifecycle
   * measures the rotation window from it.
   */
  private lifecycleRequest(props: LifecycleScheduleProps): LifecycleRequest {
    return {
      secretArn: props.secret.secretArn,
      trigger: 'schedule',
      entryId: props.entryId,
      scheduledTime: ContextAttribute.scheduledTime,
      ...(props.alertTopic ? { alertTopicArn: props.alertTopic.topicArn } : {}),
    };
  }
}

/**
 * EventBridge Scheduler's limits on a target's retry policy: 0 to 185 attempts, and an event age of one
 * minute to a day in whole seconds. `fail` reports the bad value in the caller's own error type.
 */
export function validateSchedulerRetryPolicy(
  retryAttempts: number,
  maxEventAge: Duration,
  fail: (message: string) => never,
): void {
  if (
    !Token.isUnresolved(retryAttempts) &&
    (!Number.isInteger(retryAttempts) || retryAttempts < 0 || retryAttempts > 185)
  ) {
    fail(`retryAttempts must be an integer from 0 to 185, got ${retryAttempts}`);
  }
  if (!maxEventAge.isUnresolved()) {
    const seconds = maxEventAge.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < 60 || seconds > 86_400) {
      fail(`maxEventAge must be whole seconds from 1 minute to 24 hours, got ${maxEventAge.toHumanString()}`);
    }
  }
}

/** The settings every keyturn schedule that starts a state machine takes (a secret's lifecycle, a KMS key). */
export interface StateMachineScheduleOptions {
  /**
   * `rate(N hours|days)` or `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, in UTC, as in the policy
   * file (Secrets Manager's syntax, which EventBridge Scheduler reads too).
   */
  readonly expression: string;

  /** How long after each due time the state machine may be started (a FLEXIBLE time window). 1 minute to 24 hours. */
  readonly window: Duration;

  /** The state machine to start. */
  readonly stateMachine: sfn.IStateMachine;

  /** The role Scheduler uses: it may start the state machine and send to the dead-letter queue, nothing else. */
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

/** A schedule to create: the options, its name, description and the execution input (tokens allowed). */
export interface StateMachineScheduleTarget extends StateMachineScheduleOptions {
  /** The schedule's name in its group (the policy entry's id). */
  readonly name: string;
  readonly description: string;
  readonly input: unknown;
}

/**
 * The EventBridge Scheduler schedule both the lifecycle's and the KMS keys' schedules are: the expression in UTC,
 * a FLEXIBLE window, retries, then the dead-letter queue. Checks the window, the retry policy and the expression
 * first, reporting a bad value through `fail` (the caller's own error type).
 */
export function createStateMachineSchedule(
  scope: Construct,
  target: StateMachineScheduleTarget,
  fail: (message: string) => never,
): { readonly schedule: CfnSchedule; readonly expression: string } {
  const retryAttempts = target.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
  const maxEventAge = target.maxEventAge ?? DEFAULT_MAX_EVENT_AGE;
  if (!target.window.isUnresolved()) {
    const minutes = target.window.toMinutes({ integral: false });
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      fail(`window must be whole minutes from 1 minute to 24 hours, got ${target.window.toHumanString()}`);
    }
  }
  validateSchedulerRetryPolicy(retryAttempts, maxEventAge, fail);
  let expression = '';
  try {
    expression = schedulerExpression(target.expression);
  } catch (error) {
    fail(`${(error as Error).message}, got "${target.expression}"`);
  }
  const schedule = new CfnSchedule(scope, 'Resource', {
    name: target.name,
    groupName: target.group.scheduleGroupName,
    description: target.description,
    scheduleExpression: expression,
    scheduleExpressionTimezone: 'UTC',
    flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: target.window.toMinutes() },
    state: 'ENABLED',
    target: {
      arn: target.stateMachine.stateMachineArn,
      roleArn: target.role.roleArn,
      input: Stack.of(scope).toJsonString(target.input),
      retryPolicy: { maximumRetryAttempts: retryAttempts, maximumEventAgeInSeconds: maxEventAge.toSeconds() },
      deadLetterConfig: { arn: target.deadLetterQueue.queueArn },
    },
  });
  return { schedule, expression };
}

/** Properties of {@link stateMachineSchedulerRole}. */
export interface StateMachineSchedulerRoleProps {
  /** The group whose schedules may use the role. */
  readonly group: IScheduleGroup;
  /** What the schedules start. */
  readonly stateMachine: sfn.IStateMachine;
  /** Where Scheduler puts a start it could not deliver. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly description: string;
}

/**
 * The role EventBridge Scheduler assumes for the schedules of `group` only, in this account (confused-deputy
 * protection): it may start `stateMachine` and write to the dead-letter queue, nothing else.
 */
export function stateMachineSchedulerRole(
  scope: Construct,
  id: string,
  props: StateMachineSchedulerRoleProps,
): iam.Role {
  const role = new iam.Role(scope, id, {
    description: props.description,
    assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
      conditions: {
        StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
        ArnEquals: { 'aws:SourceArn': props.group.scheduleGroupArn },
      },
    }),
  });
  props.stateMachine.grantStartExecution(role);
  grantSendMessages(props.deadLetterQueue, role);
  return role;
}
