import type { Construct } from 'constructs';
import { TaskEnvironment } from '../../../functions/shared/lifecycle-contract';
import type { LambdaHandlerSource } from '../bundling-options';
import { KeyturnFunction, type KeyturnFunctionProps, type KeyturnFunctionValidationError } from '../keyturn-function';
import type { AlertTopic } from '../observability/alert-topic';
import type { AuditEventBus } from '../observability/audit-trail';

/** Settings every function of the orchestration takes from its stack. */
export type OrchestrationFunctionOptions = Pick<
  KeyturnFunctionProps,
  'logEncryptionKey' | 'logRetention' | 'logRemovalPolicy' | 'failureQueue'
>;

/** What the props of every {@link ReportingFunction} hold: where it reports, and the handler's source. */
export interface ReportingFunctionOptions extends OrchestrationFunctionOptions {
  /**
   * The alert routes: the function publishes to the topic a run names (its entry's route) or to the default
   * route's, which it finds in `KEYTURN_DEFAULT_ALERT_TOPIC_ARN`.
   */
  readonly alerts: AlertTopic;

  /**
   * keyturn's audit bus (`KEYTURN_AUDIT_BUS_NAME`): the function puts its audit events there. Can also be
   * connected later with {@link ReportingFunction.sendAuditEventsTo}.
   *
   * @default - none yet: until connected, audit events are only logged
   */
  readonly auditBus?: AuditEventBus;

  /**
   * Path of the handler's entry file (exporting `handler`). Only tests and tools should need to change it.
   *
   * @default - the function's own handler in this repository (`functions/<name>/handler.ts`)
   */
  readonly entry?: string;

  /**
   * Already-built code of the handler instead of bundling `entry` (tests, benchmarks).
   *
   * @default - `entry` bundled by `NodejsFunction` with the function's bundle settings (bundling-options.ts)
   */
  readonly code?: KeyturnFunctionProps['code'];
}

/** What a {@link ReportingFunction} says of itself. */
export type ReportingFunctionDescription = Pick<KeyturnFunctionProps, 'description' | 'roleDescription' | 'timeout'>;

/**
 * A function that ends runs: it alerts any route (`sns:Publish` on every route's topic, with their key) and puts
 * audit events on the audit bus for keyturn's event source. The coordinator and the kms-key function are ones.
 */
export abstract class ReportingFunction extends KeyturnFunction {
  private auditBusConnected = false;

  protected constructor(
    scope: Construct,
    id: string,
    source: LambdaHandlerSource,
    options: ReportingFunctionOptions,
    description: ReportingFunctionDescription,
  ) {
    super(scope, id, {
      entry: options.entry ?? source.entry,
      handler: source.handler,
      bundle: source.bundle,
      code: options.code,
      environment: {
        ...source.environment,
        [TaskEnvironment.defaultAlertTopicArn]: options.alerts.defaultTopic.topicArn,
      },
      ...description,
      logEncryptionKey: options.logEncryptionKey,
      logRetention: options.logRetention,
      logRemovalPolicy: options.logRemovalPolicy,
      failureQueue: options.failureQueue,
    });
    for (const routeId of options.alerts.routeIds) options.alerts.grantPublish(this, routeId);
    if (options.auditBus) this.sendAuditEventsTo(options.auditBus);
  }

  /** Puts the function's audit events on `auditBus` (`KEYTURN_AUDIT_BUS_NAME`, and the grant to put). */
  public sendAuditEventsTo(auditBus: AuditEventBus): void {
    if (this.auditBusConnected) throw this.validationError('the audit bus is already connected');
    this.auditBusConnected = true;
    connectAuditBus(this, auditBus);
  }

  protected abstract override validationError(message: string): KeyturnFunctionValidationError;
}

/** Lets `fn` put audit events on `auditBus`, and tells it the bus's name. */
export function connectAuditBus(fn: KeyturnFunction, auditBus: AuditEventBus): void {
  fn.function.addEnvironment(TaskEnvironment.auditBusName, auditBus.bus.eventBusName);
  auditBus.grantPutEvents(fn);
}
