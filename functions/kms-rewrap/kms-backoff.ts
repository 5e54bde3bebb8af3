import { randomInt } from 'node:crypto';

/**
 * The job's answer to KMS throttling. The quota is shared with the account's applications, so a
 * ThrottlingException means they are using what the job's pace left them (or more): the whole job pauses,
 * not just the call that was throttled, each throttle in a row doubling the pause up to a ceiling, with
 * jitter; the first call that gets through ends the streak. Transient failures of KMS itself (5xx,
 * dropped connections) pause the same way without counting as throttles.
 */

export interface BackoffSettings {
  /** The first pause in a streak lasts between half of this and all of it. */
  readonly baseMs: number;
  /** No pause lasts longer. */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = { baseMs: 200, maxMs: 10_000 };

/**
 * The pause after the `streak`-th throttle in a row (1 = the first): "equal jitter", half the ceiling fixed
 * and half random, so every pause really slows the job while pauses of parallel jobs spread out.
 * `random(n)` returns an integer in [0, n).
 */
export function backoffDelayMs(
  streak: number,
  settings: BackoffSettings = DEFAULT_BACKOFF,
  random: (n: number) => number = randomInt,
): number {
  const ceiling = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.max(0, streak - 1));
  const half = Math.floor(ceiling / 2);
  return half + random(ceiling - half + 1);
}

/** One slice's pause state, shared by all of its items in flight. */
export class JobBackoff {
  private pausedUntilMs = 0;
  private streak = 0;

  constructor(
    private readonly nowMs: () => number,
    private readonly settings: BackoffSettings = DEFAULT_BACKOFF,
    private readonly random: (n: number) => number = randomInt,
  ) {}

  /** Records a throttle (or transient failure): the job pauses until the returned time. */
  pause(): number {
    this.streak += 1;
    const until = this.nowMs() + backoffDelayMs(this.streak, this.settings, this.random);
    this.pausedUntilMs = Math.max(this.pausedUntilMs, until);
    return this.pausedUntilMs;
  }

  /** A call got through: the next throttle starts a new streak. */
  succeeded(): void {
    this.streak = 0;
  }

  /** Milliseconds every call must still wait before it starts (0: none). */
  remainingPauseMs(): number {
    return Math.max(0, this.pausedUntilMs - this.nowMs());
  }
}
