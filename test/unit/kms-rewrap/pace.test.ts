import { DEFAULT_KMS_CRYPTO_QUOTA_PER_SECOND } from '../../../functions/kms-rewrap/contract';
import { backoffDelayMs, JobBackoff } from '../../../functions/kms-rewrap/kms-backoff';
import { rewrapPace, rewrapPacer } from '../../../functions/kms-rewrap/pace';
import type { RewrapRequest } from '../../../functions/kms-rewrap/contract';

const request: RewrapRequest = {
  tableName: 'wrapped-keys',
  key: { partition: 'id' },
  ciphertextAttribute: 'wrappedKey',
  targetKeyId: 'alias/new',
  allowedSourceKeyIds: ['alias/old'],
};

describe('rewrapPace: quota × fraction, split between segments', () => {
  it('defaults to a tenth of the 10,000/s symmetric quota, a fifth of a second of burst, enough concurrency for ~50 ms items', () => {
    expect(DEFAULT_KMS_CRYPTO_QUOTA_PER_SECOND).toBe(10_000);
    expect(rewrapPace(request)).toEqual({ callsPerSecond: 1000, burst: 200, concurrency: 50 });
  });

  it("takes the account's quota and fraction, and divides the pace among the segments of a parallel scan", () => {
    expect(rewrapPace({ ...request, quotaPerSecond: 50_000, fraction: 0.5 }).callsPerSecond).toBe(25_000);
    expect(rewrapPace({ ...request, fraction: 0.2, totalSegments: 4, segment: 3 }).callsPerSecond).toBe(500);
  });

  it('keeps concurrency between 1 and 64 unless asked, and never above 256', () => {
    expect(rewrapPace({ ...request, quotaPerSecond: 10, fraction: 0.1 })).toMatchObject({
      callsPerSecond: 1,
      burst: 1,
      concurrency: 1,
    });
    expect(rewrapPace({ ...request, quotaPerSecond: 100_000, fraction: 0.5 }).concurrency).toBe(64);
    expect(rewrapPace({ ...request, concurrency: 3 }).concurrency).toBe(3);
  });
});

describe('rewrapPacer: ReEncrypt calls at the pace (the shared write pacer, a schedule of its own)', () => {
  const T0 = Date.parse('2026-03-01T00:00:00.000Z');
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('lets the burst through at once, then one call per interval: 20 calls at 10/s (burst 2) take 1.8 s', async () => {
    const pace = rewrapPace({ ...request, quotaPerSecond: 100, fraction: 0.1 });
    expect(pace).toMatchObject({ callsPerSecond: 10, burst: 2 });
    const pacer = rewrapPacer(pace);
    const released: number[] = [];
    const calls = Array.from({ length: 20 }, () =>
      pacer.acquire('ReEncrypt', Number.MAX_SAFE_INTEGER).then(() => released.push(Date.now() - T0)),
    );
    await jest.advanceTimersByTimeAsync(5_000);
    await Promise.all(calls);
    expect(released).toEqual([0, 0, ...Array.from({ length: 18 }, (_, i) => (i + 1) * 100)]);
  });

  it('two slices never share a schedule (a new slice starts with its burst)', async () => {
    const pace = rewrapPace({ ...request, quotaPerSecond: 100, fraction: 0.1 });
    const first = rewrapPacer(pace);
    for (let i = 0; i < 5; i++) void first.acquire('ReEncrypt', Number.MAX_SAFE_INTEGER);
    await expect(rewrapPacer(pace).acquire('ReEncrypt', Number.MAX_SAFE_INTEGER)).resolves.toBe(0);
  });
});

describe('the job backoff after a throttle', () => {
  const settings = { baseMs: 200, maxMs: 1_000 };

  it('pauses between half and all of a ceiling that doubles with the streak, up to the maximum', () => {
    const low = (streak: number) => backoffDelayMs(streak, settings, () => 0);
    const high = (streak: number) => backoffDelayMs(streak, settings, (n) => n - 1);
    expect([1, 2, 3, 4, 5].map(low)).toEqual([100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5].map(high)).toEqual([200, 400, 800, 1000, 1000]);
  });

  it('pauses the whole job: every call waits out the latest pause; a success ends the streak', () => {
    let now = 1_000;
    const backoff = new JobBackoff(
      () => now,
      settings,
      () => 0,
    );
    expect(backoff.remainingPauseMs()).toBe(0);
    expect(backoff.pause()).toBe(1_100);
    expect(backoff.pause()).toBe(1_200); // second in the streak: 200 ms from now
    now = 1_150;
    expect(backoff.remainingPauseMs()).toBe(50);
    backoff.succeeded();
    now = 1_300;
    expect(backoff.pause()).toBe(1_400); // a new streak starts at the base again
  });
});
