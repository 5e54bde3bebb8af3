/**
 * When an old issued key (an IAM access key, a provider's API key) counts as still in use: used within the
 * last hour AND after its replacement was stored. A client that switched during the grace window stops
 * counting an hour after its last use, so the lifecycle's drain loop (a check a minute) sees it go idle
 * instead of waiting out its whole budget over a use it made before switching.
 */

/** A use this recent (and after the switch) counts as current use. */
export const RECENT_USE_WINDOW_MS = 3_600_000;

/** From when a use counts: the later of the replacement's storing and the start of the recent window. */
export function usageWindowStart(replacementStoredAt: Date, now: Date): Date {
  return new Date(Math.max(replacementStoredAt.getTime(), now.getTime() - RECENT_USE_WINDOW_MS));
}
