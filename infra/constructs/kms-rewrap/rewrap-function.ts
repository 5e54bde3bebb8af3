import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { REWRAP_FUNCTION } from '../bundling-options';
import { KeyturnFunction, type KeyturnFunctionProps, KeyturnFunctionValidationError } from '../keyturn-function';

/**
 * Lambda's longest invocation: a slice works until 20 s before its invocation ends (functions/kms-rewrap/slice.ts),
 * so the longer the invocation, the fewer slices (and history events) a table takes.
 */
export const DEFAULT_REWRAP_FUNCTION_TIMEOUT = Duration.seconds(900);

/** Properties of a {@link KmsRewrapFunction}. */
export interface KmsRewrapFunctionProps {
  /**
   * How long one slice may run.
   *
   * @default DEFAULT_REWRAP_FUNCTION_TIMEOUT
   */
  readonly timeout?: Duration;

  /**
   * Key of the function's log group.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * How long the function's logs are kept.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Where failed asynchronous invocations go (the state machine invokes it synchronously; this is for strays).
   *
   * @default - a queue of its own
   */
  readonly failureQueue?: sqs.IQueue;

  /**
   * Already-built code of the handler instead of bundling it (tests).
   *
   * @default - `functions/kms-rewrap/handler.ts` bundled with the shared settings
   */
  readonly code?: KeyturnFunctionProps['code'];
}

/** Thrown when a {@link KmsRewrapFunction} is given props it cannot work with. */
export class KmsRewrapFunctionValidationError extends KeyturnFunctionValidationError {
  override readonly name: string = 'KmsRewrapFunctionValidationError';
}

/**
 * The re-wrap state machine's function (`functions/kms-rewrap/handler.ts`): `slice` re-wraps items from a checkpoint
 * until its time is nearly up, `report-failure` records a failed job. Not in a VPC: it reaches only DynamoDB, KMS and
 * EventBridge. Its role may write its logs; the tables and keys are granted by `grantRewrap` (rewrap-permissions.ts)
 * and the audit bus by `connectAuditBus`. Its metrics are EMF log lines: no `cloudwatch:PutMetricData`.
 */
export class KmsRewrapFunction extends KeyturnFunction {
  constructor(scope: Construct, id: string, props: KmsRewrapFunctionProps = {}) {
    super(scope, id, {
      entry: REWRAP_FUNCTION.entry,
      handler: REWRAP_FUNCTION.handler,
      bundle: REWRAP_FUNCTION.bundle,
      environment: REWRAP_FUNCTION.environment,
      code: props.code,
      timeout: props.timeout ?? DEFAULT_REWRAP_FUNCTION_TIMEOUT,
      description: "keyturn: re-wraps a table's wrapped data keys under a KMS key's current material (ReEncrypt)",
      roleDescription: 'keyturn kms-rewrap: scans and updates the policy tables, ReEncrypt between the policy keys',
      logEncryptionKey: props.logEncryptionKey,
      logRetention: props.logRetention,
      failureQueue: props.failureQueue,
    });
  }

  protected override validationError(message: string): KeyturnFunctionValidationError {
    return new KmsRewrapFunctionValidationError(this, message);
  }
}
