/**
 * PutLogEvents' documented limits on one request, and the split of a run of log events into
 * requests within them: at most 10,000 events and 1,048,576 bytes (each message in UTF-8 plus 26
 * bytes), in timestamp order, spanning at most 24 hours; one event at most 256 KB (the API
 * reference's older, smaller figure: newer pages say 1 MB), a longer line is cut there, as the
 * CloudWatch agent truncates.
 */
export const MAX_EVENTS_PER_BATCH = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD_BYTES = 26;
export const MAX_EVENT_BYTES = 256 * 1024 - EVENT_OVERHEAD_BYTES;
export const MAX_BATCH_SPAN_MS = 24 * 60 * 60 * 1000;

export interface LogEvent {
  readonly timestamp: number;
  readonly message: string;
}

/** The message cut to MAX_EVENT_BYTES of UTF-8, never inside a character. */
export function truncateMessage(message: string, maxBytes = MAX_EVENT_BYTES): string {
  if (Buffer.byteLength(message, 'utf8') <= maxBytes) return message;
  let cut = Buffer.from(message, 'utf8').subarray(0, maxBytes).toString('utf8');
  // A character cut in half decodes as U+FFFD: drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return cut;
}

/**
 * Batches in timestamp order (a stable sort: lines of one second keep their order), each within
 * the limits above. Events with an empty message are dropped (PutLogEvents rejects them).
 */
export function batchLogEvents(events: readonly LogEvent[]): LogEvent[][] {
  const ordered = events
    .filter((event) => event.message !== '')
    .map((event) => ({ timestamp: event.timestamp, message: truncateMessage(event.message) }))
    .sort((a, b) => a.timestamp - b.timestamp);
  const batches: LogEvent[][] = [];
  let batch: LogEvent[] = [];
  let bytes = 0;
  for (const event of ordered) {
    const size = Buffer.byteLength(event.message, 'utf8') + EVENT_OVERHEAD_BYTES;
    const first = batch[0];
    if (
      first !== undefined &&
      (batch.length >= MAX_EVENTS_PER_BATCH ||
        bytes + size > MAX_BATCH_BYTES ||
        event.timestamp - first.timestamp > MAX_BATCH_SPAN_MS)
    ) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(event);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
