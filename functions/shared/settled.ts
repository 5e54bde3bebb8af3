/**
 * Runs synchronous work as a promise: a throw becomes a rejection. Strategy methods
 * promise their results, and a caller's `.catch` must see every failure.
 */
export function settled<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(work());
  });
}
