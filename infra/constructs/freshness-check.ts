import { Duration, Stack, Token } from 'aws-cdk-lib';
import { grantListSecrets } from './list-secrets-policy';
import * as iam from 'aws-cdk-lib/aws-iam';
import { CfnSchedule, type IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FRESHNESS_CHECK_FUNCTION } from './bundling-options';
import { grantSendMessages } from './encryption';
import { KeyturnFunction, type KeyturnFunctionProps, KeyturnFunctionValidationError } from './keyturn-function';
import { validateSchedulerRetryPolicy } from './rotation-schedule';

/** Properties of a {@link FreshnessCheck}. */
export interface FreshnessCheckProps extends Pick<
  KeyturnFunctionProps,
  'code' | 'functionName' | 'memorySize' | 'logRetention' | 'logRemovalPolicy' | 'logEncryptionKey'
> {
  /**
   * The EventBridge Scheduler schedule group the hourly schedule belongs to (keyturn's, which also holds the
   * lifecycle schedules). The schedule's role trusts Scheduler only for this group.
   */
  readonly scheduleGroup: IScheduleGroup;

  /**
   * Where a run goes that Scheduler could not deliver after its retries, and a run that failed in the function
   * (asynchronous invocations are not retried: the next hour's run replaces it).
   */
  readonly deadLetterQueue: sqs.IQueue;

  /**
   * Name of the schedule in `scheduleGroup`. The default cannot collide with a lifecycle schedule, which is
   * named after its policy entry (lowercase letters, digits and hyphens: never a dot).
   *
   * @default 'keyturn.freshness-check'
   */
  readonly scheduleName?: string;

  /**
   * How often Scheduler retries an invocation it could not deliver (Lambda throttling, the service
   * unavailable). 0 to 185.
   *
   * @default 3 - as the lifecycle schedules
   */
  readonly retryAttempts?: number;

  /**
   * How long Scheduler keeps retrying an invocation. 1 minute to 24 hours; longer than an hour would only
   * overlap the next run.
   *
   * @default Duration.hours(1) - as the lifecycle schedules
   */
  readonly maxEventAge?: Duration;

  /**
   * Path of the handler's entry file. Only tests and tools should need to change it.
   *
   * @default - `functions/freshness-check/handler.ts` in this repository
   */
  readonly entry?: string;

  /**
   * How long one run may take: listing every managed secret, 100 per page.
   *
   * @default Duration.minutes(1)
   */
  readonly timeout?: Duration;
}

/** Thrown when a {@link FreshnessCheck} is given props it cannot work with; the message shows the bad value. */
export class FreshnessCheckValidationError extends KeyturnFunctionValidationError {
  override readonly name: string = 'FreshnessCheckValidationError';
}

/** Once an hour: the period of the rotation-overdue alarm, which reads the gauges this check publishes. */
export const FRESHNESS_CHECK_SCHEDULE = 'rate(1 hour)';

const DEFAULT_SCHEDULE_NAME = 'keyturn.freshness-check';
const DEFAULT_TIMEOUT = Duration.minutes(1);
const DEFAULT_RETRY_ATTEMPTS = 3;
const DEFAULT_MAX_EVENT_AGE = Duration.hours(1);

/**
 * The hourly freshness check: a {@link KeyturnFunction} running `functions/freshness-check/handler.ts` from an
 * EventBridge Scheduler schedule. It lists the secrets tagged `keyturn:managed` (ListSecrets returns metadata,
 * never values), compares each one's age with its `keyturn:max-age-seconds` tag, logs the overdue ones, and
 * publishes the gauges `SecretsOverdue` and `OldestSecretAgePercent` (service `keyturn-lifecycle`, dimension set
 * `[service]`) that the rotation-overdue alarm watches.
 *
 * - The function may call `secretsmanager:ListSecrets` and nothing else (besides writing its logs).
 * - The schedule runs in keyturn's schedule group with a role of its own, which may invoke this function and
 *   send to the dead-letter queue, and trusts Scheduler only for this account and that group. Undelivered
 *   invocations are retried, then land in the dead-letter queue, as the lifecycle schedules' do.
 * - Scheduler invokes the function asynchronously: a run that fails is not retried and lands in the same queue.
 */
export class FreshnessCheck extends KeyturnFunction {
  /** The hourly schedule. */
  public readonly schedule: CfnSchedule;

  /** The role the schedule invokes the function with. */
  public readonly scheduleRole: iam.Role;

  constructor(scope: Construct, id: string, props: FreshnessCheckProps) {
    super(scope, id, {
      entry: props.entry ?? FRESHNESS_CHECK_FUNCTION.entry,
      handler: FRESHNESS_CHECK_FUNCTION.handler,
      bundle: FRESHNESS_CHECK_FUNCTION.bundle,
      code: props.code,
      environment: FRESHNESS_CHECK_FUNCTION.environment,
      description: 'keyturn: hourly freshness check, publishes SecretsOverdue for the rotation-overdue alarm',
      roleDescription: 'keyturn freshness check: lists secrets (metadata only) and writes its own logs',
      functionName: props.functionName,
      memorySize: props.memorySize,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      logEncryptionKey: props.logEncryptionKey,
      failureQueue: props.deadLetterQueue,
    });
    const scheduleName = props.scheduleName ?? DEFAULT_SCHEDULE_NAME;
    const retryAttempts = props.retryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
    const maxEventAge = props.maxEventAge ?? DEFAULT_MAX_EVENT_AGE;
    this.validateSchedule(scheduleName, retryAttempts, maxEventAge);

    grantListSecrets(this, this.role);

    // Only EventBridge Scheduler, for this account's keyturn schedule group (confused-deputy protection).
    this.scheduleRole = new iam.Role(this, 'ScheduleRole', {
      description: 'keyturn: lets the freshness check schedule invoke the freshness check, nothing else',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnEquals: { 'aws:SourceArn': props.scheduleGroup.scheduleGroupArn },
        },
      }),
    });
    // The function itself, not its versions and aliases (`grantInvoke` would add `<arn>:*`).
    iam.Grant.addToPrincipal({
      grantee: this.scheduleRole,
      actions: ['lambda:InvokeFunction'],
      resourceArns: [this.function.functionArn],
    });
    grantSendMessages(props.deadLetterQueue, this.scheduleRole);

    this.schedule = new CfnSchedule(this, 'Schedule', {
      name: scheduleName,
      groupName: props.scheduleGroup.scheduleGroupName,
      description: 'keyturn: hourly freshness check of the managed secrets (feeds the rotation-overdue alarm)',
      scheduleExpression: FRESHNESS_CHECK_SCHEDULE,
      scheduleExpressionTimezone: 'UTC',
      // Exactly hourly: the gauges feed an alarm with an hour's period.
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: this.function.functionArn,
        roleArn: this.scheduleRole.roleArn,
        retryPolicy: {
          maximumRetryAttempts: retryAttempts,
          maximumEventAgeInSeconds: maxEventAge.toSeconds(),
        },
        deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
      },
    });
    // Scheduler assumes the role at the first run: its permissions must exist by then.
    this.schedule.node.addDependency(this.scheduleRole);
  }

  protected override validationError(message: string): KeyturnFunctionValidationError {
    return new FreshnessCheckValidationError(this, message);
  }

  private validateSchedule(name: string, retryAttempts: number, maxEventAge: Duration): void {
    const fail = (message: string): never => {
      throw this.validationError(message);
    };
    if (!Token.isUnresolved(name) && !/^[0-9a-zA-Z._-]{1,64}$/.test(name)) {
      fail(`scheduleName must be 1 to 64 letters, digits, ".", "-" or "_", got "${name}"`);
    }
    validateSchedulerRetryPolicy(retryAttempts, maxEventAge, fail);
  }
}
