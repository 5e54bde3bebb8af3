import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LogFileTail } from './log-file-tail';
import type { LogEvent } from './log-event-batches';
import type { LineTimestamp } from './log-timestamps';
import { logStreamWriter } from './log-stream-writer';
import { startSerializedTicker } from '../serialized-ticker';

/**
 * Ships the lines a database server appends to its log file into a CloudWatch Logs stream, as
 * the RDS log export does for a DB instance: each whole line one log event, its timestamp the
 * line's own (or the time it was read, for a line without one). A timer reads and ships every
 * `intervalMs`; `flush()` does it now and resolves once CloudWatch Logs took the lines, so a test
 * needs no sleep. Lines that could not be put (the endpoint was down) are kept and put with the
 * next flush, in order. `stop()` ships what is left, the unfinished last line too.
 */
export interface ServerLogExportOptions {
  readonly file: string;
  readonly client: CloudWatchLogsClient;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly timestampOf: LineTimestamp;
  /** ms between background reads; 0 reads only on flush(). @default 250 */
  readonly intervalMs?: number;
  /** Also ship what the file holds already. @default true */
  readonly fromStart?: boolean;
  /** The clock for lines without a time of their own. */
  readonly now?: () => number;
}

export interface ServerLogExport {
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** Reads the new whole lines and puts them; rejects when CloudWatch Logs could not be reached (they stay queued). */
  flush(): Promise<void>;
  /** The error of the last background flush, undefined after one succeeded. */
  lastError(): Error | undefined;
  /** Stops the timer and ships what is left (best effort: an unreachable endpoint does not keep it from stopping). */
  stop(): Promise<void>;
}

/** At most this many unshipped lines are kept while the endpoint is unreachable; older ones are dropped first. */
const MAX_QUEUED_EVENTS = 100_000;

export async function startServerLogExport(options: ServerLogExportOptions): Promise<ServerLogExport> {
  const now = options.now ?? Date.now;
  const tail = options.fromStart === false ? await LogFileTail.fromEnd(options.file) : new LogFileTail(options.file);
  const writer = logStreamWriter(options.client, options.logGroupName, options.logStreamName);
  let queued: LogEvent[] = [];
  let stopped = false;

  const toEvent = (line: string): LogEvent => ({ timestamp: options.timestampOf(line) ?? now(), message: line });
  const ship = async (lines: readonly string[]) => {
    queued.push(...lines.map(toEvent));
    if (queued.length > MAX_QUEUED_EVENTS) queued = queued.slice(queued.length - MAX_QUEUED_EVENTS);
    if (queued.length === 0) return;
    const sending = queued;
    await writer.write(sending);
    // Only what was sent leaves the queue (a batch that failed midway is sent again: at least once).
    queued = queued.slice(sending.length);
  };

  // One flush at a time, in order: a timer tick and a test's flush never read the file twice.
  const flushOnce = async () => ship(await tail.readLines());
  const ticker = startSerializedTicker(flushOnce, options.intervalMs ?? 250);
  const flush = () => ticker.serialized(flushOnce);

  return {
    logGroupName: options.logGroupName,
    logStreamName: options.logStreamName,
    flush,
    lastError: () => ticker.lastError(),
    async stop() {
      if (stopped) return ticker.stop();
      stopped = true;
      const last = ticker
        .serialized(async () => {
          const lines = await tail.readLines();
          const partial = tail.takePartialLine();
          await ship(partial === undefined ? lines : [...lines, partial]);
        })
        .catch(() => undefined);
      await ticker.stop();
      await last;
    },
  };
}
