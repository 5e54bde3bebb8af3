import { DEFAULT_BUS_NAME, eventBusArn, parseBusReference, type ServiceLocation } from './arn';
import { resourceAlreadyExists, resourceNotFound, validationException } from './errors';

/**
 * The local EventBridge's model: event buses (the `default` bus always exists) and every event
 * that was put on one. Rules and their log group targets are in rules.ts and log-group-delivery.ts.
 */

export interface EventBus {
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly kmsKeyIdentifier?: string;
  readonly deadLetterConfig?: { readonly Arn?: string };
  readonly logConfig?: { readonly IncludeDetail?: string; readonly Level?: string };
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
  readonly createdAt: Date;
  readonly lastModifiedAt: Date;
}

export type NewEventBus = Omit<EventBus, 'arn' | 'createdAt' | 'lastModifiedAt'>;

/** An event as it arrived on a bus. */
export interface RecordedEvent {
  readonly eventId: string;
  readonly busName: string;
  readonly busArn: string;
  readonly source: string;
  readonly detailType: string;
  /** The parsed Detail (always a JSON object). */
  readonly detail: Readonly<Record<string, unknown>>;
  /** The entry's Time, else the time of the call; whole seconds, as in the event's `time`. */
  readonly time: Date;
  readonly resources: readonly string[];
  readonly traceHeader?: string;
}

/**
 * An accepted entry naming a bus that does not exist: AWS answers with an EventId and no error
 * and the event goes nowhere. Kept apart so a test can see that an emitter was misrouted.
 */
export interface DroppedEvent extends Omit<RecordedEvent, 'busName' | 'busArn'> {
  /** The EventBusName as given (a name or an ARN). */
  readonly eventBusName: string;
}

export interface EventQuery {
  /** A bus name or ARN. */
  readonly bus?: string;
  readonly source?: string;
  readonly detailType?: string;
}

export class EventBridgeState {
  private readonly buses = new Map<string, EventBus>();
  private recorded: RecordedEvent[] = [];
  private droppedEvents: DroppedEvent[] = [];

  constructor(
    readonly location: ServiceLocation,
    private readonly now: () => Date,
  ) {
    this.addBus({ name: DEFAULT_BUS_NAME, tags: [] });
  }

  createBus(bus: NewEventBus): EventBus {
    if (this.buses.has(bus.name)) throw resourceAlreadyExists(`Event bus ${bus.name} already exists.`);
    // A `/` marks a partner event bus, which only a partner event source can create.
    if (bus.name.includes('/')) throw validationException("Event bus name must not contain '/'.");
    return this.addBus(bus);
  }

  /** A bus by name or ARN (undefined: the default bus). */
  findBus(nameOrArn: string | undefined): EventBus | undefined {
    const reference = parseBusReference(this.location, nameOrArn);
    return reference.kind === 'name' ? this.buses.get(reference.name) : undefined;
  }

  describeBus(nameOrArn: string | undefined): EventBus {
    const bus = this.findBus(nameOrArn);
    if (!bus) throw resourceNotFound(`Event bus ${nameOrArn ?? DEFAULT_BUS_NAME} does not exist.`);
    return bus;
  }

  /** Deleting a bus that does not exist is not an error; the default bus cannot be deleted. */
  deleteBus(name: string): void {
    if (name === DEFAULT_BUS_NAME) throw validationException(`Cannot delete event bus ${DEFAULT_BUS_NAME}.`);
    this.buses.delete(name);
  }

  /** Buses in name order, optionally those whose name starts with `prefix`. */
  listBuses(prefix?: string): EventBus[] {
    return [...this.buses.values()]
      .filter((bus) => prefix === undefined || bus.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  record(event: RecordedEvent): void {
    this.recorded.push(event);
  }

  recordDropped(event: DroppedEvent): void {
    this.droppedEvents.push(event);
  }

  events(query: EventQuery = {}): RecordedEvent[] {
    const bus = query.bus === undefined ? undefined : parseBusReference(this.location, query.bus);
    return this.recorded.filter(
      (event) =>
        (bus === undefined || (bus.kind === 'name' && event.busName === bus.name)) &&
        (query.source === undefined || event.source === query.source) &&
        (query.detailType === undefined || event.detailType === query.detailType),
    );
  }

  dropped(): DroppedEvent[] {
    return [...this.droppedEvents];
  }

  clearEvents(): void {
    this.recorded = [];
    this.droppedEvents = [];
  }

  private addBus(bus: NewEventBus): EventBus {
    const now = this.now();
    const created: EventBus = {
      ...bus,
      arn: eventBusArn(this.location, bus.name),
      createdAt: now,
      lastModifiedAt: now,
    };
    this.buses.set(created.name, created);
    return created;
  }
}
