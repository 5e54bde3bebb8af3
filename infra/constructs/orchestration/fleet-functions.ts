import { Duration } from 'aws-cdk-lib';
import { grantListSecrets } from '../list-secrets-policy';
import { Construct } from 'constructs';
import { TaskEnvironment } from '../../../functions/shared/lifecycle-contract';
import { FLEET_SELECT_FUNCTION, FLEET_SUMMARIZE_FUNCTION } from '../bundling-options';
import { KeyturnFunction, type KeyturnFunctionProps } from '../keyturn-function';
import type { AlertTopic } from '../observability/alert-topic';
import type { AuditEventBus } from '../observability/audit-trail';
import type { OrchestrationFunctionOptions } from './reporting-function';
import { connectAuditBus } from './reporting-function';

/**
 * Pages through the account's secrets, 100 per ListSecrets call, until a page holds a match: longer than the
 * default, and under the fleet state's own 120-second TimeoutSeconds, so a slow listing ends as a Lambda timeout
 * (in the function's logs and errors alarm) rather than a bare States.Timeout.
 */
const SELECT_TIMEOUT = Duration.seconds(90);

/** Properties of {@link FleetFunctions}. */
export interface FleetFunctionsProps extends OrchestrationFunctionOptions {
  /** The alert routes: the summary is published to the run's route, else the default route's topic. */
  readonly alerts: AlertTopic;

  /**
   * keyturn's audit bus (the summary puts one event per fleet run there). Can also be connected later with
   * {@link FleetFunctions.sendAuditEventsTo}.
   *
   * @default - none yet: until connected, the summary is only logged
   */
  readonly auditBus?: AuditEventBus;

  /**
   * Path of the entry file exporting `selectHandler` and `summarizeHandler`. Only tests and tools should change it.
   *
   * @default - `functions/fleet/handler.ts` in this repository
   */
  readonly entry?: string;

  /**
   * Already-built code of the handlers instead of bundling `entry` (tests, benchmarks).
   *
   * @default - `entry` bundled by `NodejsFunction`
   */
  readonly code?: KeyturnFunctionProps['code'];
}

/**
 * The fleet state machine's two functions (`functions/fleet/handler.ts`), outside any VPC:
 *
 * - `select` pages through the secrets a fleet run rotates (an explicit list, or the managed secrets carrying
 *   given tags): `secretsmanager:ListSecrets` only, which supports no resource (in a policy of its own) and
 *   returns metadata and tags, never a value. Each selected secret is checked again by the lifecycle's own
 *   `begin`, which may describe managed secrets only.
 * - `summarize` reports the whole run: `events:PutEvents` on the audit bus (keyturn's source only), `sns:Publish`
 *   on every alert route's topic with `kms:GenerateDataKey` and `kms:Decrypt` on their key.
 */
export class FleetFunctions extends Construct {
  public readonly select: KeyturnFunction;
  public readonly summarize: KeyturnFunction;

  private auditBusConnected = false;

  constructor(scope: Construct, id: string, props: FleetFunctionsProps) {
    super(scope, id);
    const common = {
      code: props.code,
      logEncryptionKey: props.logEncryptionKey,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      failureQueue: props.failureQueue,
    };

    this.select = new KeyturnFunction(this, 'Select', {
      ...common,
      entry: props.entry ?? FLEET_SELECT_FUNCTION.entry,
      handler: FLEET_SELECT_FUNCTION.handler,
      bundle: FLEET_SELECT_FUNCTION.bundle,
      environment: FLEET_SELECT_FUNCTION.environment,
      description: 'keyturn: selects the managed secrets a fleet rotation rotates (metadata only)',
      roleDescription: 'keyturn fleet selection: lists secrets (metadata only), never reads a value',
      timeout: SELECT_TIMEOUT,
    });
    grantListSecrets(this.select, this.select.role);

    this.summarize = new KeyturnFunction(this, 'Summarize', {
      ...common,
      entry: props.entry ?? FLEET_SUMMARIZE_FUNCTION.entry,
      handler: FLEET_SUMMARIZE_FUNCTION.handler,
      bundle: FLEET_SUMMARIZE_FUNCTION.bundle,
      environment: {
        ...FLEET_SUMMARIZE_FUNCTION.environment,
        [TaskEnvironment.defaultAlertTopicArn]: props.alerts.defaultTopic.topicArn,
      },
      description: 'keyturn: reports a fleet rotation (audit events per page, one alert per run)',
      roleDescription: 'keyturn fleet summary: publishes alerts and audit events',
    });
    for (const routeId of props.alerts.routeIds) props.alerts.grantPublish(this.summarize, routeId);
    if (props.auditBus) this.sendAuditEventsTo(props.auditBus);
  }

  /** Both functions, for alarms. */
  public get functions(): KeyturnFunction[] {
    return [this.select, this.summarize];
  }

  /** Puts the summary's audit events on `auditBus`. */
  public sendAuditEventsTo(auditBus: AuditEventBus): void {
    if (this.auditBusConnected) throw new Error(`[${this.node.path}] the audit bus is already connected`);
    this.auditBusConnected = true;
    connectAuditBus(this.summarize, auditBus);
  }
}
