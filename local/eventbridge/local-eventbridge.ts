import type { Server } from 'node:http';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import { eventBusArn } from './arn';
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
}

export async function startLocalEventBridge(options: LocalEventBridgeOptions = {}): Promise<LocalEventBridge> {
  const location = emulatorLocation(options);
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
