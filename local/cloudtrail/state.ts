import { newEvent, type CloudTrailEventInput, type LocalCloudTrailEvent } from './events';

/**
 * The local CloudTrail's event history: the management events of one account in one Region,
 * kept for 90 days as CloudTrail keeps them. Each event carries its recording sequence, so a
 * paged lookup can leave out events recorded after its first page.
 */

/** Event history covers the last 90 days. */
export const EVENT_HISTORY_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
/** Beyond this many events the oldest are forgotten (a long local run stays bounded). */
const MAX_EVENTS = 100_000;

export interface HistoryLocation {
  readonly region: string;
  readonly accountId: string;
}

export interface StoredEvent {
  readonly sequence: number;
  readonly event: LocalCloudTrailEvent;
}

export class CloudTrailState {
  private stored: StoredEvent[] = [];
  private sequence = 0;

  constructor(
    readonly location: HistoryLocation,
    private readonly now: () => Date,
    /** How long after its time an event recorded from now on starts to show. */
    public deliveryDelayMs: number,
  ) {}

  /** The sequence number of the newest event recorded so far (0: none yet). */
  get lastSequence(): number {
    return this.sequence;
  }

  /**
   * Records an event if it belongs to this history (this account and Region); returns it, or
   * undefined when it belongs to another one.
   */
  record(input: CloudTrailEventInput): LocalCloudTrailEvent | undefined {
    if (input.awsRegion !== this.location.region || input.recipientAccountId !== this.location.accountId) {
      return undefined;
    }
    const event = newEvent(input, this.deliveryDelayMs);
    this.sequence += 1;
    this.stored.push({ sequence: this.sequence, event });
    this.forgetExpired();
    return event;
  }

  /** Every event still held, newest first (by event time, then by recording order). */
  newestFirst(): StoredEvent[] {
    this.forgetExpired();
    return [...this.stored].sort(
      (a, b) => b.event.eventTime.getTime() - a.event.eventTime.getTime() || b.sequence - a.sequence,
    );
  }

  clear(): void {
    this.stored = [];
  }

  private forgetExpired(): void {
    const oldest = this.now().getTime() - EVENT_HISTORY_RETENTION_MS;
    this.stored = this.stored.filter((stored) => stored.event.eventTime.getTime() >= oldest);
    if (this.stored.length > MAX_EVENTS) this.stored.splice(0, this.stored.length - MAX_EVENTS);
  }
}
