import type { Construct } from 'constructs';
import { TaskEnvironment } from '../../../functions/shared/lifecycle-contract';
import { KeyturnFunction, type KeyturnFunctionProps, type KeyturnFunctionValidationError } from '../keyturn-function';
import type { AlertTopic } from '../observability/alert-topic';
import type { AuditEventBus } from '../observability/audit-trail';

/** Properties of a {@link ReportingFunction}: a keyturn function, and where it reports. */
export interface ReportingFunctionProps extends KeyturnFunctionProps {
  /**
   * The alert routes: the function publishes to the topic a run names (its entry's route) or to the default
   * route's, which it finds in `KEYTURN_DEFAULT_ALERT_TOPIC_ARN`.
   */
  readonly alerts: AlertTopic;

  /**
   * keyturn's audit bus (`KEYTURN_AUDIT_BUS_NAME`). Can also be connected later with
   * {@link ReportingFunction.sendAuditEventsTo}.
   *
   * @default - none yet: until connected, audit events are only logged
   */
  readonly auditBus?: AuditEventBus;
}

/**
 * A function that ends runs: it alerts any route (`sns:Publish` on every route's topic, with their key) and puts
 * audit events on the audit bus for keyturn's event source. The coordinator and the kms-key function are ones.
 */
export abstract class ReportingFunction extends KeyturnFunction {
  private auditBusConnected = false;

  protected constructor(scope: Construct, id: string, props: ReportingFunctionProps) {
    const { alerts, auditBus, ...functionProps } = props;
    super(scope, id, {
      ...functionProps,
      environment: {
        ...functionProps.environment,
        [TaskEnvironment.defaultAlertTopicArn]: alerts.defaultTopic.topicArn,
      },
    });
    for (const routeId of alerts.routeIds) alerts.grantPublish(this, routeId);
    if (auditBus) this.sendAuditEventsTo(auditBus);
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
