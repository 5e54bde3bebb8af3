/**
 * Work a local service repeats on a timer and a caller may also run by hand (a log shipper's flush, a poller's
 * read): one run at a time, in order, so a tick and a manual run never read or publish the same thing twice.
 * A failed tick is kept for `lastError()` (cleared by the next good one) instead of being thrown into the void.
 */
export interface SerializedTicker {
  /** Runs `work` after every earlier run has settled. */
  serialized<T>(work: () => Promise<T>): Promise<T>;
  lastError(): Error | undefined;
  /** Stops the timer and waits for the run in progress. */
  stop(): Promise<void>;
}

/** Ticks `tick` every `intervalMs` (0: only by hand) on a timer that never keeps the process alive. */
export function startSerializedTicker(tick: () => Promise<unknown>, intervalMs: number): SerializedTicker {
  let chain: Promise<unknown> = Promise.resolve();
  let failure: Error | undefined;
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work);
    chain = next.catch(() => undefined);
    return next;
  };
  const timer =
    intervalMs > 0
      ? setInterval(() => {
          serialized(tick).then(
            () => {
              failure = undefined;
            },
            (error: unknown) => {
              failure = error instanceof Error ? error : new Error(String(error));
            },
          );
        }, intervalMs)
      : undefined;
  timer?.unref();
  return {
    serialized,
    lastError: () => failure,
    async stop() {
      if (timer) clearInterval(timer);
      await chain;
    },
  };
}
