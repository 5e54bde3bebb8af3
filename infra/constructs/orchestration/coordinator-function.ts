import type { Construct } from 'constructs';
import { COORDINATOR_FUNCTION } from '../bundling-options';
import { type KeyturnFunctionProps, KeyturnFunctionValidationError } from '../keyturn-function';
import type { AlertTopic } from '../observability/alert-topic';
import type { AuditEventBus } from '../observability/audit-trail';
import { ReportingFunction } from './reporting-function';
import type { RotatableSecrets } from './rotatable-secrets';

/** Settings every function of the orchestration takes from its stack. */
export type OrchestrationFunctionOptions = Pick<
  KeyturnFunctionProps,
  'logEncryptionKey' | 'logRetention' | 'logRemovalPolicy' | 'failureQueue'
>;

/** Properties of a {@link CoordinatorFunction}. */
export interface CoordinatorFunctionProps extends OrchestrationFunctionOptions {
  /** The secrets a run may be opened for (`begin` describes the secret: metadata and tags, never its value). */
  readonly secrets: RotatableSecrets;

  /**
   * The alert routes: `report` publishes to the topic a run names (each entry's route) or to the default route's,
   * which it finds in `KEYTURN_DEFAULT_ALERT_TOPIC_ARN`.
   */
  readonly alerts: AlertTopic;

  /**
   * keyturn's audit bus (`report` puts each run's outcome there). Can also be connected later with
   * {@link CoordinatorFunction.sendAuditEventsTo}.
   *
   * @default - none yet: until connected, audit events are only logged
   */
  readonly auditBus?: AuditEventBus;

  /**
   * Path of the handler's entry file (exporting `handler`). Only tests and tools should need to change it.
   *
   * @default - `functions/coordinator/handler.ts` in this repository
   */
  readonly entry?: string;

  /**
   * Already-built code of the handler instead of bundling `entry` (tests, benchmarks).
   *
   * @default - `entry` bundled by `NodejsFunction`
   */
  readonly code?: KeyturnFunctionProps['code'];
}

/** Thrown when a {@link CoordinatorFunction} is given props it cannot work with. */
export class CoordinatorFunctionValidationError extends KeyturnFunctionValidationError {
  override readonly name: string = 'CoordinatorFunctionValidationError';
}

/**
 * The state machines' coordinator (`functions/coordinator/handler.ts`): `{"task": "begin"}` opens a run (checks
 * the secret is managed and has a rotation function, draws the rotation id), `{"task": "report"}` records how it
 * ended on the audit bus and alerts the run's route. Not in a VPC: it reaches only AWS APIs.
 *
 * Its role may, besides writing its logs: `secretsmanager:DescribeSecret` on the given secrets (for keyturn, those
 * tagged `keyturn:managed=true`); `sns:Publish` on every alert route's topic, with `kms:GenerateDataKey` and
 * `kms:Decrypt` on their key; `events:PutEvents` on the audit bus for keyturn's event source only.
 */
export class CoordinatorFunction extends ReportingFunction {
  constructor(scope: Construct, id: string, props: CoordinatorFunctionProps) {
    super(scope, id, {
      entry: props.entry ?? COORDINATOR_FUNCTION.entry,
      handler: COORDINATOR_FUNCTION.handler,
      bundle: COORDINATOR_FUNCTION.bundle,
      code: props.code,
      environment: COORDINATOR_FUNCTION.environment,
      alerts: props.alerts,
      auditBus: props.auditBus,
      description: 'keyturn: opens each rotation run (begin) and reports how it ended (report: audit event, alert)',
      roleDescription: 'keyturn coordinator: describes managed secrets, publishes alerts and audit events',
      logEncryptionKey: props.logEncryptionKey,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      failureQueue: props.failureQueue,
    });
    props.secrets.grant(this, 'ManagedSecretsPolicy', this.role, ['secretsmanager:DescribeSecret']);
  }

  protected override validationError(message: string): KeyturnFunctionValidationError {
    return new CoordinatorFunctionValidationError(this, message);
  }
}
