import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { KMS_KEY_FUNCTION } from '../bundling-options';
import { type KeyturnFunctionProps, KeyturnFunctionValidationError } from '../keyturn-function';
import type { AlertTopic } from '../observability/alert-topic';
import type { AuditEventBus } from '../observability/audit-trail';
import type { OrchestrationFunctionOptions } from '../orchestration/coordinator-function';
import { ReportingFunction } from '../orchestration/reporting-function';

/** The longest Task TimeoutSeconds of `statemachines/kms-key.asl.json` (VerifyOnDemand waits for KMS). */
export const DEFAULT_KMS_KEY_FUNCTION_TIMEOUT = Duration.seconds(300);

/** Properties of a {@link KmsKeyFunction}. */
export interface KmsKeyFunctionProps extends OrchestrationFunctionOptions {
  /**
   * The alert routes: `report` publishes to the topic a run names (its entry's route) or to the default route's,
   * which it finds in `KEYTURN_DEFAULT_ALERT_TOPIC_ARN`.
   */
  readonly alerts: AlertTopic;

  /**
   * keyturn's audit bus: every step of a run puts its event there (`KEYTURN_AUDIT_BUS_NAME`).
   *
   * @default - none: audit events are only logged
   */
  readonly auditBus?: AuditEventBus;

  /**
   * How long one invocation may run: at least the longest `TimeoutSeconds` of the state machine's Task states, so
   * a task that waits (VerifyOnDemand) gives up on its own deadline, with a named error the state machine retries,
   * rather than Step Functions' timeout.
   *
   * @default DEFAULT_KMS_KEY_FUNCTION_TIMEOUT
   */
  readonly timeout?: Duration;

  /**
   * Path of the handler's entry file (exporting `handler`). Only tests and tools should need to change it.
   *
   * @default - `functions/kms-key/handler.ts` in this repository
   */
  readonly entry?: string;

  /**
   * Already-built code of the handler instead of bundling `entry` (tests, benchmarks).
   *
   * @default - `entry` bundled by `NodejsFunction` with the kms-key bundle settings (CloudTrail's client lazy)
   */
  readonly code?: KeyturnFunctionProps['code'];
}

/** Thrown when a {@link KmsKeyFunction} is given props it cannot work with. */
export class KmsKeyFunctionValidationError extends KeyturnFunctionValidationError {
  override readonly name: string = 'KmsKeyFunctionValidationError';
}

/**
 * The kms-key state machine's task function (`functions/kms-key/handler.ts`): every step of a KMS key's rotation,
 * `{"task": ..., "state": ...}`. Not in a VPC: it reaches only AWS APIs.
 *
 * Its role may, besides writing its logs: `sns:Publish` on every alert route's topic (with `kms:GenerateDataKey`
 * and `kms:Decrypt` on their key) and `events:PutEvents` on the audit bus for keyturn's event source. What it may
 * do with KMS keys is granted by `grantKeyRotation` (kms-key-permissions.ts), for the policy's keys only.
 */
export class KmsKeyFunction extends ReportingFunction {
  constructor(scope: Construct, id: string, props: KmsKeyFunctionProps) {
    super(scope, id, {
      entry: props.entry ?? KMS_KEY_FUNCTION.entry,
      handler: KMS_KEY_FUNCTION.handler,
      bundle: KMS_KEY_FUNCTION.bundle,
      code: props.code,
      environment: KMS_KEY_FUNCTION.environment,
      alerts: props.alerts,
      auditBus: props.auditBus,
      timeout: props.timeout ?? DEFAULT_KMS_KEY_FUNCTION_TIMEOUT,
      description: "keyturn: the steps of a KMS key's rotation (on demand, or replaced behind its alias)",
      roleDescription: "keyturn kms-key: rotates the policy's KMS keys, publishes alerts and audit events",
      logEncryptionKey: props.logEncryptionKey,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      failureQueue: props.failureQueue,
    });
  }

  protected override validationError(message: string): KeyturnFunctionValidationError {
    return new KmsKeyFunctionValidationError(this, message);
  }
}
