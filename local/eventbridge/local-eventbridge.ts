import type { Server } from 'node:http';
import { closeServer, endpointOf, listenOnLoopback } from '../http/listen';
import { eventBusArn, type ServiceLocation } from './arn';
import { EventBridgeFaults, type EventBridgeFaultControl } from './faults';
import { createOperationHandlers } from './operations';
import { DEFAULT_MAX_PUT_EVENTS_BYTES } from './put-events';
import { parseRequest } from './requests';
import { createEventBridgeServer } from './server';
import { EventBridgeState, type DroppedEvent, type EventQuery, type RecordedEvent } from './state';

/**
 * The in-process API of the local EventBridge: start it, point an unmodified EventBridgeClient
 * at `endpoint` (or AWS_ENDPOINT_URL_EVENTBRIDGE), then read which events arrived on which bus
 * and inject faults.
 */

export interface LocalEventBridgeOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Loopback only. @default '127.0.0.1' */
  readonly host?: '127.0.0.1';
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** The clock for bus dates and for events put without a Time. */
  readonly now?: () => Date;
  /** Limit on the total entry size of one PutEvents request. @default 262144 (256 KiB) */
  readonly maxPutEventsBytes?: number;
}

export class LocalEventBridge {
  /** Base URL for `new EventBridgeClient({ endpoint })` or AWS_ENDPOINT_URL_EVENTBRIDGE. */
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  /** Whole-request failures of any operation, and per-entry failures of PutEvents. */
  readonly faults: EventBridgeFaultControl;

  private stopping: Promise<void> | undefined;

  /** @internal use startLocalEventBridge */
  constructor(
    private readonly server: Server,
    private readonly state: EventBridgeState,
    faults: EventBridgeFaults,
  ) {
    this.endpoint = endpointOf(server);
    this.region = state.location.region;
    this.accountId = state.location.accountId;
    this.faults = faults;
  }

  /** Events that arrived on a bus, oldest first; filter by bus (name or ARN), source, detail-type. */
  events(query?: EventQuery): RecordedEvent[] {
    return this.state.events(query);
  }

  /** Accepted entries that named a bus that does not exist (AWS drops them without an error). */
  droppedEvents(): DroppedEvent[] {
    return this.state.dropped();
  }

  /** Forgets recorded and dropped events; buses and planned faults stay. */
  clear(): void {
    this.state.clearEvents();
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

  stop(): Promise<void> {
    this.stopping ??= closeServer(this.server);
    return this.stopping;
  }
}

export async function startLocalEventBridge(options: LocalEventBridgeOptions = {}): Promise<LocalEventBridge> {
  const location: ServiceLocation = {
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
  };
  const now = options.now ?? (() => new Date());
  const state = new EventBridgeState(location, now);
  const faults = new EventBridgeFaults();
  const handlers = createOperationHandlers({
    state,
    now,
    maxRequestBytes: options.maxPutEventsBytes ?? DEFAULT_MAX_PUT_EVENTS_BYTES,
  });
  const server = createEventBridgeServer(handlers, faults);
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalEventBridge(server, state, faults);
}
