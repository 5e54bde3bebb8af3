import { KeyturnError } from './errors';

/**
 * keyturn paces its own Secrets Manager writes. PutSecretValue, UpdateSecret and UpdateSecretVersionStage
 * (with the replication calls) share one request quota per account and region, 50/s by default, with every
 * other application there. Each write first reserves a slot in a schedule shared by all of keyturn's
 * rotations in the region, and waits until it: a virtual-scheduling rate limiter (GCRA). The schedule is one
 * number, the theoretical arrival time `tat` of the next write at the configured rate:
 *
 *   slot = max(now, tat - tolerance)      tat' = max(tat, now) + interval
 *
 * where `interval` = 1 / rate and `tolerance` = (burst - 1) × interval lets a short burst through after an idle
 * spell. Reservations are served in the order they were made, so a write waits only for those queued before
 * it: no rotation starves, however many run at once, and the rate stays at or under the pace. Throttling then
 * stays an exception, answered by the SDK's retries (throttling-retry.ts).
 *
 * This module is the domain logic; where the schedule lives is a {@link PacerStore} (one process:
 * write-pacer-memory.ts; every Lambda in a region: write-pacer-dynamodb.ts).
 */

/** What a store needs to place one reservation. All times are milliseconds since the epoch. */
export interface SlotRequest {
  /** The schedule's key: one per region, since the quota is per region. */
  readonly key: string;
  readonly nowMs: number;
  /** 1000 / writes per second. */
  readonly intervalMs: number;
  /** (burst - 1) × interval: how far ahead of `tat` a slot may be when the schedule has been idle. */
  readonly toleranceMs: number;
  /** Reserve nothing if the slot would be later than this (the caller cannot wait that long). */
  readonly latestSlotMs: number;
}

export type SlotAnswer =
  /** Reserved: write at `slotMs`. */
  | { readonly reserved: true; readonly slotMs: number }
  /** Nothing reserved: the earliest slot is past `latestSlotMs`. */
  | { readonly reserved: false; readonly earliestSlotMs: number };

/** Keeps the schedule; `reserve` must be atomic against every other reservation on the same key. */
export interface PacerStore {
  reserve(request: SlotRequest): Promise<SlotAnswer>;
}

/** One reservation against a schedule whose next theoretical arrival time is `tat` (undefined: never used). */
export function scheduleSlot(
  tat: number | undefined,
  request: SlotRequest,
): { readonly slotMs: number; readonly nextTat: number } {
  const from = tat === undefined ? request.nowMs : Math.max(tat, request.nowMs);
  return { slotMs: Math.max(request.nowMs, from - request.toleranceMs), nextTat: from + request.intervalMs };
}

export interface PacerClock {
  /** Milliseconds since the epoch (a store shared by several machines compares these). */
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_CLOCK: PacerClock = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface WritePaceSettings {
  /** Writes per second keyturn allows itself in the region: the quota × keyturn's fraction of it. */
  readonly writesPerSecond: number;
  /** Writes let through at once after an idle spell (at least 1). */
  readonly burst: number;
  /** The schedule's key: the region. */
  readonly key: string;
}

/** Fired after every wait for a slot, for metrics and the benchmark. */
export type WaitListener = (secretId: string, waitedMs: number) => void;

/** A write would have to wait for the quota past the invocation's deadline: the step fails now, not by timeout. */
export class WriteQuotaWaitError extends KeyturnError {
  readonly name = 'WriteQuotaWaitError';
}

/** A setting of the pacer that means nothing (zero or negative rate, a burst below one). */
export class InvalidWritePaceError extends KeyturnError {
  readonly name = 'InvalidWritePaceError';
}

export class WritePacer {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly listeners = new Set<WaitListener>();

  constructor(
    private readonly store: PacerStore,
    private readonly settings: WritePaceSettings,
    private readonly clock: PacerClock = SYSTEM_CLOCK,
  ) {
    if (!(Number.isFinite(settings.writesPerSecond) && settings.writesPerSecond > 0)) {
      throw new InvalidWritePaceError(`writes per second must be a positive number, got ${settings.writesPerSecond}`);
    }
    if (!(Number.isInteger(settings.burst) && settings.burst >= 1)) {
      throw new InvalidWritePaceError(`the burst must be a whole number of writes, at least 1, got ${settings.burst}`);
    }
    this.intervalMs = 1000 / settings.writesPerSecond;
    this.toleranceMs = (settings.burst - 1) * this.intervalMs;
  }

  get writesPerSecond(): number {
    return this.settings.writesPerSecond;
  }

  /** Calls `listener` after every wait (the ms waited, 0 included) until the returned function is called. */
  onWait(listener: WaitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reserves the next slot for a write to `secretId` and resolves when it has come, with the milliseconds
   * waited. When the slot would come after `deadlineMs`, nothing is reserved and {@link WriteQuotaWaitError}
   * is thrown at once.
   */
  async acquire(secretId: string, deadlineMs: number): Promise<number> {
    const nowMs = this.clock.nowMs();
    const answer = await this.store.reserve({
      key: this.settings.key,
      nowMs,
      intervalMs: this.intervalMs,
      toleranceMs: this.toleranceMs,
      latestSlotMs: deadlineMs,
    });
    if (!answer.reserved) {
      throw new WriteQuotaWaitError(
        `a write to ${secretId} would wait ${seconds(answer.earliestSlotMs - nowMs)} s for Secrets Manager's write ` +
          `quota (keyturn's pace: ${this.settings.writesPerSecond}/s), past this invocation's deadline ` +
          `(${seconds(deadlineMs - nowMs)} s away); nothing was written and the step can be retried`,
      );
    }
    const waitMs = answer.slotMs - this.clock.nowMs();
    if (waitMs > 0) await this.clock.sleep(waitMs);
    const waitedMs = Math.max(0, this.clock.nowMs() - nowMs);
    for (const listener of this.listeners) listener(secretId, waitedMs);
    return waitedMs;
  }

  /** One invocation's writes: paced against `deadlineMs`, their waits added up. */
  forInvocation(deadlineMs: number): PacedWrites {
    return new PacedWrites(this, deadlineMs);
  }
}

/** Called before each Secrets Manager write (functions/shared/secret-store.ts). */
export interface WriteGate {
  beforeWrite(secretId: string): Promise<void>;
}

/** The writes of one invocation: each waits for its slot, and the waits add up to `waitedMs`. */
export class PacedWrites implements WriteGate {
  private total = 0;

  constructor(
    private readonly pacer: WritePacer,
    private readonly deadlineMs: number,
  ) {}

  get waitedMs(): number {
    return this.total;
  }

  async beforeWrite(secretId: string): Promise<void> {
    const waitedMs = await this.pacer.acquire(secretId, this.deadlineMs);
    this.total += waitedMs; // added after the wait: writes of one invocation may wait side by side
  }
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(1);
}
