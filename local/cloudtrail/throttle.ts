/**
 * LookupEvents' request rate: CloudTrail allows two per second per account per Region and
 * answers the rest with ThrottlingException. A token bucket holding one second's worth of
 * requests (at least one) that refills continuously; a refused request takes no token.
 */

export const DEFAULT_LOOKUP_EVENTS_PER_SECOND = 2;

/** 0 and Infinity turn throttling off; otherwise a positive number of requests per second. */
export function checkedRate(perSecond: number): number {
  if (!(perSecond === Infinity || (Number.isFinite(perSecond) && perSecond >= 0))) {
    throw new RangeError('lookupEventsPerSecond must be a number >= 0 (0 or Infinity: no throttling)');
  }
  return perSecond;
}

export class RequestRate {
  private tokens = 0;
  private lastRefillMs = 0;
  private perSecond = 0;

  constructor(
    perSecond: number,
    private readonly nowMs: () => number,
  ) {
    this.setRate(perSecond);
  }

  /** A new rate starts with a full bucket. */
  setRate(perSecond: number): void {
    this.perSecond = checkedRate(perSecond);
    this.tokens = this.capacity();
    this.lastRefillMs = this.nowMs();
  }

  get rate(): number {
    return this.perSecond;
  }

  /** Whether one more request may go ahead now (and takes its token if so). */
  admit(): boolean {
    if (this.perSecond === 0 || this.perSecond === Infinity) return true;
    const nowMs = this.nowMs();
    const elapsedSeconds = Math.max(0, nowMs - this.lastRefillMs) / 1000;
    this.tokens = Math.min(this.capacity(), this.tokens + elapsedSeconds * this.perSecond);
    this.lastRefillMs = Math.max(this.lastRefillMs, nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private capacity(): number {
    return Math.max(1, this.perSecond);
  }
}
