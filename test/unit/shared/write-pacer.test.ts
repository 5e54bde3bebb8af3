import { TaskEnvironment } from '../../../functions/shared/lifecycle-contract';
import {
  InvalidWritePaceError,
  WritePacer,
  WriteQuotaWaitError,
  scheduleSlot,
  type PacerStore,
  type SlotRequest,
} from '../../../functions/shared/write-pacer';
import { InMemoryPacerStore } from '../../../functions/shared/write-pacer-memory';
import {
  DEFAULT_WRITE_QUOTA_FRACTION,
  DEFAULT_WRITE_QUOTA_PER_SECOND,
  writeBurst,
  writeDeadline,
  writePacerFromEnvironment,
} from '../../../functions/shared/write-pacing';

// The real clock (Date.now, setTimeout) under jest's fake timers: time moves only when the test moves it.
const T0 = Date.parse('2026-03-01T00:00:00.000Z');
beforeEach(() => {
  jest.useFakeTimers({ now: T0 });
});
afterEach(() => {
  jest.useRealTimers();
});

const FAR = Number.MAX_SAFE_INTEGER;

/** A pacer at `rate`/s with `burst`, over an in-memory schedule; the store is exposed for counting. */
function pacerAt(rate: number, burst = 1, store: PacerStore = new InMemoryPacerStore()) {
  return new WritePacer(store, { writesPerSecond: rate, burst, key: 'us-east-1' });
}

/** Starts `count` acquisitions at once and records when each one's wait ended (ms after T0), in order of start. */
async function acquireAtOnce(pacer: WritePacer, count: number, runForMs: number): Promise<number[]> {
  const released: number[] = new Array<number>(count).fill(Number.NaN);
  const waits = Array.from({ length: count }, (_, i) =>
    pacer.acquire(`secret-${i}`, FAR).then(() => {
      released[i] = Date.now() - T0;
    }),
  );
  await jest.advanceTimersByTimeAsync(runForMs);
  await Promise.all(waits);
  return released;
}

describe('scheduleSlot (the virtual schedule)', () => {
  const request = (nowMs: number): SlotRequest => ({
    key: 'k',
    nowMs,
    intervalMs: 100,
    toleranceMs: 200,
    latestSlotMs: FAR,
  });

  it('an unused or idle schedule gives the slot now and moves one interval ahead', () => {
    expect(scheduleSlot(undefined, request(1_000))).toEqual({ slotMs: 1_000, nextTat: 1_100 });
    expect(scheduleSlot(400, request(1_000))).toEqual({ slotMs: 1_000, nextTat: 1_100 });
  });

  it('a busy schedule gives the slot one tolerance before its next arrival time, never before now', () => {
    expect(scheduleSlot(1_500, request(1_000))).toEqual({ slotMs: 1_300, nextTat: 1_600 });
    expect(scheduleSlot(1_100, request(1_000))).toEqual({ slotMs: 1_000, nextTat: 1_200 });
  });
});

describe('WritePacer', () => {
  it('lets `burst` writes through at once, then one per interval, in the order they asked', async () => {
    const pacer = pacerAt(10, 3);

    const released = await acquireAtOnce(pacer, 8, 1_000);

    expect(released).toEqual([0, 0, 0, 100, 200, 300, 400, 500]);
  });

  it('never exceeds its pace: in any window, at most burst + window × rate writes', async () => {
    const pacer = pacerAt(20, 2);

    const released = await acquireAtOnce(pacer, 60, 5_000);

    const sorted = [...released].sort((a, b) => a - b);
    for (let i = 0; i < sorted.length; i += 1) {
      const windowEnd = (sorted[i] ?? 0) + 1_000;
      const inWindow = sorted.filter((t) => t >= (sorted[i] ?? 0) && t < windowEnd).length;
      expect(inWindow).toBeLessThanOrEqual(2 + 20);
    }
    // And it uses the pace it has: 60 writes at 20/s, 2 of them at once, end 2.9 s after the start.
    expect(sorted.at(-1)).toBe(2_900);
  });

  it('starves nobody: each write waits only for those queued before it, however many ask', async () => {
    const pacer = pacerAt(50, 1);

    const released = await acquireAtOnce(pacer, 200, 10_000);

    expect(released).toEqual(released.map((_, position) => position * 20));
  });

  it('after an idle spell the burst is available again', async () => {
    const pacer = pacerAt(10, 2);
    await acquireAtOnce(pacer, 5, 1_000);
    await jest.advanceTimersByTimeAsync(5_000);

    const waits = Promise.all([pacer.acquire('a', FAR), pacer.acquire('b', FAR), pacer.acquire('c', FAR)]);
    await jest.advanceTimersByTimeAsync(200);

    await expect(waits).resolves.toEqual([0, 0, 100]);
  });

  it('refuses a wait past the deadline at once with WriteQuotaWaitError, and reserves nothing', async () => {
    const store = new InMemoryPacerStore();
    const reserve = jest.spyOn(store, 'reserve');
    const pacer = pacerAt(10, 1, store);
    const queued = [pacer.acquire('a', FAR), pacer.acquire('b', FAR), pacer.acquire('c', FAR)];

    // The next slot is 300 ms away: a deadline 250 ms away cannot be met.
    const late = pacer.acquire('orders/db', Date.now() + 250);

    await expect(late).rejects.toThrow(WriteQuotaWaitError);
    await expect(late).rejects.toThrow(
      /a write to orders\/db would wait 0\.3 s for Secrets Manager's write quota \(keyturn's pace: 10\/s\), past this invocation's deadline \(0\.3 s away\)/,
    );
    expect((await late.catch((error: unknown) => error)) as Error).toHaveProperty('name', 'WriteQuotaWaitError');
    // The refused write took no slot: the next one gets the slot it would have had.
    const next = pacer.acquire('d', FAR);
    await jest.advanceTimersByTimeAsync(300);
    await Promise.all(queued);
    await expect(next).resolves.toBe(300);
    expect(reserve).toHaveBeenCalledTimes(5);
  });

  it('counts one invocation’s waits and tells listeners which secret waited how long', async () => {
    const pacer = pacerAt(10, 1);
    const heard: [string, number][] = [];
    const stop = pacer.onWait((secretId, waitedMs) => heard.push([secretId, waitedMs]));
    const invocation = pacer.forInvocation(FAR);

    const writes = Promise.all([
      invocation.beforeWrite('s1'),
      invocation.beforeWrite('s1'),
      invocation.beforeWrite('s2'),
    ]);
    await jest.advanceTimersByTimeAsync(200);
    await writes;
    stop();
    const unheard = pacer.acquire('s3', FAR);
    await jest.advanceTimersByTimeAsync(100);
    await unheard;

    expect(invocation.waitedMs).toBe(0 + 100 + 200);
    expect(heard).toEqual([
      ['s1', 0],
      ['s1', 100],
      ['s2', 200],
    ]);
  });

  it.each([
    [{ writesPerSecond: 0, burst: 1 }, /writes per second must be a positive number, got 0/],
    [{ writesPerSecond: Number.NaN, burst: 1 }, /writes per second must be a positive number/],
    [{ writesPerSecond: 10, burst: 0 }, /the burst must be a whole number of writes, at least 1, got 0/],
    [{ writesPerSecond: 10, burst: 1.5 }, /at least 1, got 1.5/],
  ])('refuses settings that mean nothing: %j', (settings, message) => {
    expect(() => new WritePacer(new InMemoryPacerStore(), { ...settings, key: 'k' })).toThrow(message);
    expect(() => new WritePacer(new InMemoryPacerStore(), { ...settings, key: 'k' })).toThrow(InvalidWritePaceError);
  });
});

describe('write pacing from the environment', () => {
  it('defaults to half of the default quota, with a fifth of a second of burst', () => {
    const pacer = writePacerFromEnvironment({ AWS_REGION: 'eu-west-1' });

    expect(pacer.writesPerSecond).toBe(DEFAULT_WRITE_QUOTA_PER_SECOND * DEFAULT_WRITE_QUOTA_FRACTION);
    expect(pacer.writesPerSecond).toBe(25);
    expect(writeBurst(25)).toBe(5);
    expect(writeBurst(2)).toBe(1);
  });

  it('takes the pace the infrastructure set', () => {
    expect(writePacerFromEnvironment({ [TaskEnvironment.writesPerSecond]: '12.5' }).writesPerSecond).toBe(12.5);
  });

  it.each(['0', '-3', 'fast', 'Infinity'])('refuses %s as a pace, naming the variable', (value) => {
    expect(() => writePacerFromEnvironment({ [TaskEnvironment.writesPerSecond]: value })).toThrow(
      new InvalidWritePaceError('KEYTURN_WRITES_PER_SECOND must be a positive number of writes per second'),
    );
  });

  it('pacers of one process share one schedule (the local stack runs every function in one process)', async () => {
    const env = { [TaskEnvironment.writesPerSecond]: '5', AWS_REGION: 'shared-test-region' }; // burst 1
    const first = writePacerFromEnvironment(env);
    const second = writePacerFromEnvironment(env);

    const waits = Promise.all([first.acquire('a', FAR), second.acquire('b', FAR), first.acquire('c', FAR)]);
    await jest.advanceTimersByTimeAsync(1_000);

    await expect(waits).resolves.toEqual([0, 200, 400]);
  });

  it('a write may wait until a quarter of the time left (at most 10 s) remains', () => {
    expect(writeDeadline(1_000, 45_000)).toBe(1_000 + 35_000);
    expect(writeDeadline(1_000, 8_000)).toBe(1_000 + 6_000);
    // Without a Lambda context (locally): the rotation function's default timeout, 45 s.
    expect(writeDeadline(0, undefined)).toBe(35_000);
  });
});
