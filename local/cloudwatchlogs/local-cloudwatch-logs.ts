import type { Server } from 'node:http';
import { MetricStore } from '../cloudwatch/metric-store';
import { listenOnLoopback } from '../http/listen';
import { emulatorLocation, LoopbackEmulator, type LoopbackEmulatorOptions } from '../http/loopback-emulator';
import { LogsFaults, type LogsFaultControl } from './faults';
import { createOperationHandlers } from './operations';
import { putLogEvents } from './put-log-events';
import { parseRequest } from './requests';
import { createLogsServer } from './server';
import { LogsState, type StoredLogEvent } from './state';

/**
 * The in-process API of the local CloudWatch Logs: start it, point an unmodified
 * CloudWatchLogsClient at `endpoint` (or AWS_ENDPOINT_URL_CLOUDWATCH_LOGS), and let the local
 * EventBridge deliver rule targets into it (`writeEvent`).
 */

export interface LocalCloudWatchLogsOptions extends LoopbackEmulatorOptions {
  /** The clock for creation and ingestion times and for PutLogEvents' time window. */
  readonly now?: () => Date;
  /** Where metric filters put their data points: the local CloudWatch's store. @default a store of its own */
  readonly metrics?: MetricStore;
}

/** One log event written by another local service (the local EventBridge's log group targets). */
export interface DeliveredLogEvent {
  readonly timestamp: number;
  readonly message: string;
}

export class LocalCloudWatchLogs extends LoopbackEmulator<LogsFaultControl> {
  /** @internal use startLocalCloudWatchLogs */
  constructor(
    server: Server,
    private readonly state: LogsState,
    faults: LogsFaults,
  ) {
    super(server, state.location, faults);
  }

  /** The metric store the metric filters put data points into (shared with the local CloudWatch when started together). */
  get metrics(): MetricStore {
    return this.state.metrics;
  }

  /** Creates a log group without an SDK round trip (a fixture); same rules as CreateLogGroup. Returns its ARN. */
  createLogGroup(name: string): string {
    const request = parseRequest('CreateLogGroup', { logGroupName: name });
    this.state.createGroup({ name: request.logGroupName, logGroupClass: 'STANDARD', tags: {} });
    return this.logGroupArn(name);
  }

  /** `arn:aws:logs:<region>:<account>:log-group:<name>`, as an EventBridge target names it. */
  logGroupArn(name: string): string {
    return this.state.groupArn(name);
  }

  /**
   * Writes one event into a group's stream, creating the stream if it is new, under PutLogEvents'
   * rules: what EventBridge does for a log group target. Throws ResourceNotFoundException for a
   * missing group, and an Error when the event falls outside the accepted time window.
   */
  writeEvent(logGroupName: string, logStreamName: string, event: DeliveredLogEvent): void {
    const group = this.state.group(logGroupName);
    if (!group.streams.has(logStreamName)) this.state.createStream(group, logStreamName);
    const result = putLogEvents(
      this.state,
      parseRequest('PutLogEvents', { logGroupName, logStreamName, logEvents: [event] }),
    );
    if ('rejectedLogEventsInfo' in result) {
      throw new Error(`the event at ${new Date(event.timestamp).toISOString()} is outside PutLogEvents' time window`);
    }
  }

  /** Every event a group keeps, oldest first (for tests; FilterLogEvents is the API way). */
  events(logGroupName: string): StoredLogEvent[] {
    const group = this.state.group(logGroupName);
    return [...group.streams.values()]
      .flatMap((stream) => this.state.liveEvents(group, stream))
      .sort((a, b) => a.timestamp - b.timestamp);
  }
}

export async function startLocalCloudWatchLogs(options: LocalCloudWatchLogsOptions = {}): Promise<LocalCloudWatchLogs> {
  const now = options.now ?? (() => new Date());
  const state = new LogsState(emulatorLocation(options), now, options.metrics ?? new MetricStore(now));
  const faults = new LogsFaults();
  const server = createLogsServer(createOperationHandlers(state), faults);
  await listenOnLoopback(server, options.port ?? 0, options.host);
  return new LocalCloudWatchLogs(server, state, faults);
}
