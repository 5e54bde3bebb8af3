import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { KMS_KEY_FUNCTION } from '../bundling-options';
import { KeyturnFunctionValidationError } from '../keyturn-function';
import { ReportingFunction, type ReportingFunctionOptions } from '../orchestration/reporting-function';

/** The longest Task TimeoutSeconds of `statemachines/kms-key.asl.json` (VerifyOnDemand waits for KMS). */
export const DEFAULT_KMS_KEY_FUNCTION_TIMEOUT = Duration.seconds(300);

/** Properties of a {@link KmsKeyFunction} (every step of a run puts its audit event on the audit bus). */
export interface KmsKeyFunctionProps extends ReportingFunctionOptions {
  /**
   * How long one invocation may run: at least the longest `TimeoutSeconds` of the state machine's Task states, so
   * a task that waits (VerifyOnDemand) gives up on its own deadline, with a named error the state machine retries,
   * rather than Step Functions' timeout.
   *
   * @default DEFAULT_KMS_KEY_FUNCTION_TIMEOUT
   */
  readonly timeout?: Duration;
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
    super(scope, id, KMS_KEY_FUNCTION, props, {
      timeout: props.timeout ?? DEFAULT_KMS_KEY_FUNCTION_TIMEOUT,
      description: "keyturn: the steps of a KMS key's rotation (on demand, or replaced behind its alias)",
      roleDescription: "keyturn kms-key: rotates the policy's KMS keys, publishes alerts and audit events",
    });
  }

  protected override validationError(message: string): KeyturnFunctionValidationError {
    return new KmsKeyFunctionValidationError(this, message);
  }
}
