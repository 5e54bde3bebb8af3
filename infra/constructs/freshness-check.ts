import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { CfnSchedule, type IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { encodeMonitoredKeys, MONITORED_KEYS_ENV } from '../../functions/freshness-check/monitored-keys';
import { POLICY_SECRETS_FIELD, policySecretsInput, type PolicySecret } from '../../functions/inventory/policy-secrets';
import { ManagementTag } from '../../functions/shared/management-tags';
import { FRESHNESS_CHECK_FUNCTION } from './bundling-options';
import { grantSendMessages } from './encryption';
import { grantKeyFreshnessReads } from './freshness-key-permissions';
import { grantListSecrets } from './list-secrets-policy';
import { KeyturnFunction, type KeyturnFunctionProps, KeyturnFunctionValidationError } from './keyturn-function';
import { RotatableSecrets } from './orchestration/rotatable-secrets';
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
   * How long one run may take: listing every managed secret, 100 per page, and reading each key.
   *
   * @default Duration.minutes(1)
   */
  readonly timeout?: Duration;

  /**
   * The policy's KMS keys to check, each with the age its policy allows. They reach the function in
   * `KEYTURN_FRESHNESS_KEYS` (functions/freshness-check/monitored-keys.ts says why not tags), and its role may
   * `kms:DescribeKey` and `kms:ListKeyRotations` on them and on the replacements of the replaceable ones.
   *
   * @default - none: the key gauges read 0
   */
  readonly keys?: readonly FreshnessCheckedKey[];

  /**
   * The policy's secret entries: the check reports managed secrets no entry names, and entries whose secret is
   * missing. They reach the function in the schedule's input, field `policySecrets`, compressed
   * (functions/inventory/policy-secrets.ts): the event each run receives. Lambda's 4 KB environment, which holds the
   * keys, would not fit the documented scale; the input holds as much as an asynchronous invocation carries
   * ({@link MAX_SCHEDULE_INPUT_BYTES}), and a policy larger than that is a synth error.
   *
   * @default - not compared with a policy
   */
  readonly policySecrets?: readonly PolicySecret[];
}

/** A KMS key the freshness check watches. */
export interface FreshnessCheckedKey {
  /** The policy entry (`keys[].id`): what the check's log lines name. */
  readonly entryId: string;
  /** The key, created or imported by ARN. */
  readonly key: kms.IKey;
  /**
   * The alias the entry names. The check reads the key through it, so a replaced key is judged by the key consumers
   * use now; without one, by the key's ARN (which must then be known at synthesis: an adopted key's).
   *
   * @default - the key's ARN
   */
  readonly aliasName?: string;
  /** How long after its last rotation the key counts as overdue (infra/policy/max-age.ts). */
  readonly maxAgeSeconds: number;
  /** A run may replace the key: the check may read the keys tagged as its successors too. */
  readonly replaceable: boolean;
}

/** The longest KEYTURN_FRESHNESS_KEYS: with the function's other variables, its environment stays within 4 KB. */
export const MAX_MONITORED_KEYS_CHARS = 3_500;

/**
 * The largest schedule input, in bytes: Scheduler documents no maximum for a target's `Input` (only a minimum of 1),
 * so the bound is the payload of the asynchronous invocation it makes of the function, 1 MB (Lambda's Invoke API).
 * The stack's template, which carries the input, has a size limit of its own that a policy this large would reach too.
 */
export const MAX_SCHEDULE_INPUT_BYTES = 1_048_576;

/** What the check may call on the managed secrets it describes (functions/inventory/secrets-inventory.ts): reads only. */
export const INVENTORY_SECRET_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:ListSecretVersionIds',
] as const;

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
 * never values), compares each one's age with its `keyturn:max-age-seconds` tag, reads the policy's KMS keys
 * (`keys`: DescribeKey through the alias, ListKeyRotations) and compares each one's last rotation with its bound,
 * logs what is overdue or cannot be checked, and publishes the gauges `SecretsOverdue`, `KeysOverdue`,
 * `KeysUnchecked`, `OldestSecretAgePercent` and `OldestKeyAgePercent` (service `keyturn-lifecycle`, dimension set
 * `[service]`) that the rotation-overdue alarm watches. It also takes the inventory's findings
 * (functions/inventory: stuck AWSPENDING, rotation off, unmanaged keyturn tags, drift from `policySecrets`, replicas
 * out of sync) and publishes one gauge each for the inventory alarms. It only reads.
 *
 * - The function may call `secretsmanager:ListSecrets`, `secretsmanager:DescribeSecret` and
 *   `secretsmanager:ListSecretVersionIds` on secrets tagged `keyturn:managed=true` only, and `kms:DescribeKey` and
 *   `kms:ListKeyRotations` on the policy's keys and their replacements, and nothing else (besides writing its logs).
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
      environment: {
        ...FRESHNESS_CHECK_FUNCTION.environment,
        ...monitoredKeysEnvironment(scope, id, props.keys ?? []),
      },
      description: 'keyturn: hourly freshness check of secrets and KMS keys, feeds the rotation-overdue alarm',
      roleDescription:
        "keyturn freshness check: lists secrets, describes managed ones (metadata only), reads the policy's KMS keys",
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
    const input = props.policySecrets === undefined ? undefined : this.scheduleInput(props.policySecrets);

    grantListSecrets(this, this.role);
    // Only managed secrets: the inventory needs nothing of the others beyond what ListSecrets shows.
    RotatableSecrets.taggedWith(ManagementTag.managed, 'true').grant(this, 'DescribeManagedSecretsPolicy', this.role, [
      ...INVENTORY_SECRET_ACTIONS,
    ]);
    grantKeyFreshnessReads(this, this.role, props.keys ?? []);

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
      description: 'keyturn: hourly freshness check of the managed secrets and keys (feeds the rotation-overdue alarm)',
      scheduleExpression: FRESHNESS_CHECK_SCHEDULE,
      scheduleExpressionTimezone: 'UTC',
      // Exactly hourly: the gauges feed an alarm with an hour's period.
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: this.function.functionArn,
        roleArn: this.scheduleRole.roleArn,
        // The event each run receives: the policy's secret entries (absent: no comparison with the policy).
        input,
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

  /** The schedule's input carrying `policySecrets`; too large for an asynchronous invocation is an error. */
  private scheduleInput(policySecrets: readonly PolicySecret[]): string {
    const input = policySecretsInput(policySecrets);
    const bytes = Buffer.byteLength(input, 'utf8');
    if (bytes > MAX_SCHEDULE_INPUT_BYTES) {
      throw this.validationError(
        `the ${policySecrets.length} secret entries take ${bytes} bytes of the schedule's input ` +
          `${POLICY_SECRETS_FIELD}, more than the ${MAX_SCHEDULE_INPUT_BYTES} an asynchronous Lambda invocation ` +
          'carries: shorten the entry ids and secret names, or split the policy',
      );
    }
    return input;
  }
}

/** `KEYTURN_FRESHNESS_KEYS` for `keys` (nothing for none); thrown as the construct's own validation error otherwise. */
function monitoredKeysEnvironment(
  scope: Construct,
  id: string,
  keys: readonly FreshnessCheckedKey[],
): Record<string, string> {
  if (keys.length === 0) return {};
  const fail = (message: string): never => {
    throw new FreshnessCheckValidationError(scope, `${id}: ${message}`);
  };
  const monitored = keys.map((key) => {
    const keyRef = key.aliasName ?? key.key.keyArn;
    if (Token.isUnresolved(keyRef)) {
      fail(`key "${key.entryId}" needs an alias or an ARN known at synthesis (the check reads the key by it)`);
    }
    if (!Number.isInteger(key.maxAgeSeconds) || key.maxAgeSeconds < 1) {
      fail(`key "${key.entryId}": maxAgeSeconds must be a positive whole number, got ${key.maxAgeSeconds}`);
    }
    return { entryId: key.entryId, keyRef, maxAgeSeconds: key.maxAgeSeconds };
  });
  const value = encodeMonitoredKeys(monitored);
  if (value.length > MAX_MONITORED_KEYS_CHARS) {
    fail(
      `the ${keys.length} keys take ${value.length} characters of ${MONITORED_KEYS_ENV}, more than ` +
        `${MAX_MONITORED_KEYS_CHARS} (Lambda's environment holds 4 KB): shorten the ids and aliases, or split the policy`,
    );
  }
  return { [MONITORED_KEYS_ENV]: value };
}
