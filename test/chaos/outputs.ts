/**
 * Everything a scenario made visible to people and systems, kept as text so the checker can look
 * for secret values in it: function logs, errors, alerts, audit events, state machine history.
 */

export const OUTPUT_SOURCES = [
  /** The rotation function's stdout and stderr (its CloudWatch logs). */
  'function-log',
  /** Logs of functions run inside the harness process (the coordinator). */
  'coordinator-log',
  /** Errors: rotation failures Secrets Manager recorded, failed invocations, refused API calls. */
  'error',
  /** SNS alerts. */
  'alert',
  /** EventBridge audit events. */
  'audit-event',
  /** The state machine's execution history (inputs and outputs of every state), output, error and cause. */
  'execution-history',
] as const;
export type OutputSource = (typeof OUTPUT_SOURCES)[number];

export interface OutputEntry {
  readonly source: OutputSource;
  readonly text: string;
}

export class OutputLog {
  private readonly entries: OutputEntry[] = [];

  add(source: OutputSource, text: string): void {
    if (text.length > 0) this.entries.push({ source, text });
  }

  /** An error as callers see it: its name and message. */
  addError(error: unknown): void {
    if (error instanceof Error) this.add('error', `${error.name}: ${error.message}`);
    else this.add('error', String(error));
  }

  all(): readonly OutputEntry[] {
    return this.entries;
  }

  /** Characters of output per source: what the leak check read (a check of nothing would find nothing). */
  sizes(): Record<OutputSource, number> {
    const sizes = Object.fromEntries(OUTPUT_SOURCES.map((source) => [source, 0])) as Record<OutputSource, number>;
    for (const entry of this.entries) sizes[entry.source] += entry.text.length;
    return sizes;
  }
}

/**
 * What this process writes to stdout (the coordinator's logs, run in process as in Lambda) is
 * recorded while the capture is on; the harness's own output goes through `write`, around it.
 */
export class ProcessOutputCapture {
  private readonly chunks: string[] = [];
  private original: typeof process.stdout.write | undefined;

  start(): void {
    if (this.original) return;
    const original = process.stdout.write.bind(process.stdout);
    this.original = original;
    process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
      callback?.();
      return true;
    };
  }

  stop(): void {
    if (this.original) process.stdout.write = this.original;
    this.original = undefined;
  }

  /** Writes to the real stdout, past the capture. */
  write(text: string): void {
    (this.original ?? process.stdout.write.bind(process.stdout))(text);
  }

  /** A position to read from later. */
  mark(): number {
    return this.chunks.length;
  }

  since(mark: number): string {
    return this.chunks.slice(mark).join('');
  }
}
