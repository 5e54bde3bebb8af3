import type { Server } from 'node:http';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import { eventBusArn } from './arn';
import { EventBridgeFaults, type EventBridgeFaultControl } from './faults';
import {
  logGroupOfTarget,
  LogGroupDelivery,
  type FailedDelivery,
  type LogGroupDestination,
} from './log-group-delivery';
import { createOperationHandlers } from './operations';
import { DEFAULT_MAX_PUT_EVENTS_BYTES } from './put-events';
import { parseRequest } from './requests';
import { EventRules, type RuleTarget } from './rules';
import { createEventBridgeServer } from './server';
import { EventBridgeState, type DroppedEvent, type EventQuery, type RecordedEvent } from './state';

/**
 * The in-process API of the local EventBridge: start it, point an unmodified EventBridgeClient
 * at `endpoint` (or AWS_ENDPOINT_URL_EVENTBRIDGE), then read which events arrived on which bus
 * and inject faults.
 */

export interface LocalEventBridgeOptions extends LoopbackEmulatorOptions {
  /** The clock for bus dates and for events put without a Time. */
  readonly now?: () => Date;
  /** Limit on the total entry size of one PutEvents request. @default 262144 (256 KiB) */
  readonly maxPutEventsBytes?: number;
}

/**
 * `endpoint`: for `new EventBridgeClient({ endpoint })` or AWS_ENDPOINT_URL_EVENTBRIDGE. `faults`:
 * whole-request failures of any operation, and per-entry failures of PutEvents.
 */
export class LocalEventBridge extends LoopbackEmulator<EventBridgeFaultControl> {
  /** @internal use startLocalEventBridge */
  constructor(
    server: Server,
    private readonly state: EventBridgeState,
    private readonly rules: EventRules,
    private readonly delivery: LogGroupDelivery,
    faults: EventBridgeFaults,
  ) {
    super(server, state.location, faults);
  }

  /** Events that arrived on a bus, oldest first; filter by bus (name or ARN), source, detail-type. */
  events(query?: EventQuery): RecordedEvent[] {
    return this.state.events(query);
  }

  /** Accepted entries that named a bus that does not exist (AWS drops them without an error). */
  droppedEvents(): DroppedEvent[] {
    return this.state.dropped();
  }

  /** Forgets recorded and dropped events and failed deliveries; buses, rules and planned faults stay. */
  clear(): void {
    this.state.clearEvents();
    this.delivery.clear();
  }

  /**
   * Where rules' CloudWatch Logs log group targets are written (the local CloudWatch Logs): from
   * now on, an event matching a rule goes to its log group targets during PutEvents.
   */
  deliverLogGroupTargetsTo(destination: LogGroupDestination): void {
    this.delivery.connect(destination);
  }

  /** Deliveries to log group targets that could not be made (a missing group, nothing connected). */
  failedDeliveries(): FailedDelivery[] {
    return this.delivery.failed();
  }

  /**
   * A rule with an event pattern and log group targets, without going through the API (a fixture,
   * as the CDK app deploys it). Same rules as PutRule and PutTargets; returns the rule's ARN.
   */
  putRule(rule: { name: string; busName?: string; eventPattern: object; targets: readonly RuleTarget[] }): string {
    const request = parseRequest('PutRule', {
      Name: rule.name,
      EventBusName: rule.busName,
      EventPattern: JSON.stringify(rule.eventPattern),
    });
    const bus = this.state.describeBus(request.EventBusName);
    const ruleArn = this.rules.put({
      name: request.Name,
      busName: bus.name,
      eventPattern: request.EventPattern ?? '',
      state: 'ENABLED',
    });
    const undeliverable = rule.targets.find((target) => logGroupOfTarget(target.arn) === undefined);
    if (undeliverable) throw new RangeError(`target ${undeliverable.id} is not a CloudWatch Logs log group ARN`);
    this.rules.putTargets(bus.name, request.Name, rule.targets);
    return ruleArn;
  }

  /**
   * Creates a bus without going through the API (a fixture: setup that should not cost an SDK
   * round trip). Same rules as CreateEventBus; returns the bus's ARN.
   */
  createEventBus(name: string): string {
    return this.state.createBus({ name: parseRequest('CreateEventBus', { Name: name }).Name, tags: [] }).arn;
  }

  /** The ARN a bus of this name has (or would have) here. */
  busArn(name: string): string {
    return eventBusArn(this.state.location, name);
  }
}

export async function startLocalEventBridge(options: LocalEventBridgeOptions = {}): Promise<LocalEventBridge> {
  const location = emulatorLocation(options);
  const now = options.now ?? (() => new Date());
  const state = new EventBridgeState(location, now);
  const rules = new EventRules(location);
  const delivery = new LogGroupDelivery();
  const faults = new EventBridgeFaults();
  const handlers = createOperationHandlers({
    state,
    rules,
    delivery,
    now,
    maxRequestBytes: options.maxPutEventsBytes ?? DEFAULT_MAX_PUT_EVENTS_BYTES,
  });
  const server = createEventBridgeServer(handlers, faults);
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalEventBridge(server, state, rules, delivery, faults);
}
