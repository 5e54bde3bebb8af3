import type { MetricStore } from '../cloudwatch/metric-store';
import type { EmulatorLocation } from '../http/loopback-emulator';
import type { MetricFilter } from './metric-filters';
import { invalidParameter, logGroupNotFound, logStreamNotFound, resourceAlreadyExists } from './errors';

/**
 * The local CloudWatch Logs' model: log groups, their streams and the events put into them.
 * Events are kept in timestamp order per stream; an event older than its group's retention is no
 * longer returned (AWS deletes it some time after; here it is gone at once).
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export interface StoredLogEvent {
  readonly logStreamName: string;
  readonly timestamp: number;
  readonly message: string;
  readonly ingestionTime: number;
  /** A 56-digit id, as FilterLogEvents returns. */
  readonly eventId: string;
}

export interface LogStream {
  readonly name: string;
  readonly creationTime: number;
  /** Timestamp order; equal timestamps keep arrival order. */
  readonly events: StoredLogEvent[];
  lastIngestionTime?: number;
}

export interface LogGroup {
  readonly name: string;
  readonly creationTime: number;
  readonly kmsKeyId?: string;
  readonly logGroupClass: string;
  readonly tags: Readonly<Record<string, string>>;
  retentionInDays?: number;
  readonly streams: Map<string, LogStream>;
  /** By filter name. */
  readonly metricFilters: Map<string, MetricFilter>;
}

export type NewLogGroup = Pick<LogGroup, 'name' | 'kmsKeyId' | 'logGroupClass' | 'tags'>;

export interface NewLogEvent {
  readonly timestamp: number;
  readonly message: string;
}

export class LogsState {
  private readonly groups = new Map<string, LogGroup>();
  private sequence = 0;

  constructor(
    readonly location: EmulatorLocation,
    readonly now: () => Date,
    /** Where metric filters put their data points (shared with the local CloudWatch). */
    readonly metrics: MetricStore,
  ) {}

  createGroup(group: NewLogGroup): LogGroup {
    if (this.groups.has(group.name)) throw resourceAlreadyExists('The specified log group already exists');
    const created: LogGroup = {
      ...group,
      creationTime: this.now().getTime(),
      streams: new Map(),
      metricFilters: new Map(),
    };
    this.groups.set(group.name, created);
    return created;
  }

  deleteGroup(name: string): void {
    if (!this.groups.delete(name)) throw logGroupNotFound();
  }

  /** A group by name or by ARN (`arn:aws:logs:<region>:<account>:log-group:<name>`, with or without `:*`). */
  group(nameOrArn: string): LogGroup {
    const group = this.groups.get(this.groupName(nameOrArn));
    if (!group) throw logGroupNotFound();
    return group;
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  /** Groups in name order. */
  listGroups(): LogGroup[] {
    return [...this.groups.values()].sort((a, b) => compareText(a.name, b.name));
  }

  groupArn(name: string): string {
    return `arn:aws:logs:${this.location.region}:${this.location.accountId}:log-group:${name}`;
  }

  streamArn(group: string, stream: string): string {
    return `${this.groupArn(group)}:log-stream:${stream}`;
  }

  createStream(group: LogGroup, name: string): LogStream {
    if (group.streams.has(name)) throw resourceAlreadyExists('The specified log stream already exists');
    const stream: LogStream = { name, creationTime: this.now().getTime(), events: [] };
    group.streams.set(name, stream);
    return stream;
  }

  stream(group: LogGroup, name: string): LogStream {
    const stream = group.streams.get(name);
    if (!stream) throw logStreamNotFound();
    return stream;
  }

  /** Appends accepted events (already validated, in timestamp order), keeping the stream ordered. */
  append(stream: LogStream, events: readonly NewLogEvent[]): void {
    const ingestionTime = this.now().getTime();
    for (const event of events) {
      const stored: StoredLogEvent = {
        logStreamName: stream.name,
        timestamp: event.timestamp,
        message: event.message,
        ingestionTime,
        eventId: this.nextEventId(event.timestamp),
      };
      let at = stream.events.length;
      while (at > 0 && (stream.events[at - 1]?.timestamp ?? 0) > event.timestamp) at -= 1;
      stream.events.splice(at, 0, stored);
    }
    if (events.length > 0) stream.lastIngestionTime = ingestionTime;
  }

  /** A stream's events its group still keeps (within the retention period). */
  liveEvents(group: LogGroup, stream: LogStream): StoredLogEvent[] {
    const oldest = this.oldestKept(group);
    return oldest === undefined ? stream.events : stream.events.filter((event) => event.timestamp >= oldest);
  }

  /** The earliest timestamp the group keeps, or undefined when it keeps everything. */
  oldestKept(group: LogGroup): number | undefined {
    return group.retentionInDays === undefined ? undefined : this.now().getTime() - group.retentionInDays * DAY_MS;
  }

  private groupName(nameOrArn: string): string {
    const prefix = `arn:aws:logs:${this.location.region}:${this.location.accountId}:log-group:`;
    if (!nameOrArn.startsWith('arn:')) return nameOrArn;
    if (!nameOrArn.startsWith(prefix)) throw logGroupNotFound();
    const name = nameOrArn.slice(prefix.length).replace(/:\*$/, '');
    if (name === '') throw invalidParameter('The log group ARN names no log group.');
    return name;
  }

  private nextEventId(timestamp: number): string {
    this.sequence += 1;
    return `${String(timestamp).padStart(20, '0')}${String(this.sequence).padStart(36, '0')}`;
  }
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
