/**
 * The re-wrap job when KMS throttles: the quota is shared with the account's applications, so the job
 * pauses (the whole job, doubling while the throttles go on), counts every throttle, and still finishes
 * with every item re-wrapped. moto never throttles: a loopback proxy in front of it answers chosen ReEncrypt
 * calls with KMS's ThrottlingException, which the real KMSClient receives as from AWS. Time is a skipping
 * clock, so the pauses are checked exactly and cost no real time.
 */
import { recordingAudit, requestFor, RewrapWorld, skippingClock, type KmsKey } from '../../support/kms-rewrap-harness';
import { startKmsThrottleProxy, type KmsThrottleProxy } from '../../support/kms-throttle-proxy';
import { motoUnavailableReason } from '../../support/moto';

const motoReason = motoUnavailableReason();
if (motoReason !== undefined) {
  // eslint-disable-next-line no-console -- a skipped suite must be visible in the test output, with its reason
  console.warn(`kms-rewrap throttling: SKIPPED because ${motoReason}.`);
}
const describeWithMoto = motoReason === undefined ? describe : describe.skip;

// The first three ReEncrypt calls are throttled (a streak), then every seventh.
const THROTTLED = (call: number) => call <= 3 || call % 7 === 0;

describeWithMoto('KMS re-wrap job under KMS throttling (dynalite + moto KMS behind a throttling proxy)', () => {
  let world: RewrapWorld;
  let proxy: KmsThrottleProxy | undefined;
  let oldKey: KmsKey;
  let newKey: KmsKey;

  beforeAll(async () => {
    world = await RewrapWorld.start({
      jobKmsEndpoint: async (moto) => {
        proxy = await startKmsThrottleProxy(moto, THROTTLED);
        return proxy.endpoint;
      },
    });
    [oldKey, newKey] = await Promise.all([world.createKey(), world.createKey()]);
  });
  afterAll(async () => {
    await world.stop();
    await proxy?.stop();
  });

  test('every throttle is counted and pauses the job, doubling in a streak; the job still re-wraps every item', async () => {
    // GIVEN 60 items; one item in flight, the smallest jitter, a skipping clock
    await world.createTable('throttled');
    const plaintexts = await world.seed('throttled', 60, oldKey.arn);
    const clock = skippingClock();

    // WHEN the job runs through the throttling proxy
    const run = await world.runJob(requestFor('throttled', newKey, [oldKey], { concurrency: 1 }), {
      deps: { clock, random: () => 0, backoff: { baseMs: 200, maxMs: 10_000 } },
    });

    // THEN the job counted exactly the throttles the proxy answered
    const throttled = proxy?.throttled() ?? 0;
    // (60 calls that passed plus the throttled ones: the first three, and each seventh after)
    expect(throttled).toBe(3 + Math.floor((60 + throttled) / 7));
    expect(run.progress.checkpoint.counts).toMatchObject({ throttled, scanned: 60, rewrapped: 60, refused: 0 });
    // ...paused 100, 200, 400 ms for the first streak (half of 200 ms doubling), then 100 ms after each lone one
    expect(clock.sleeps).toEqual([100, 200, 400, ...Array.from({ length: throttled - 3 }, () => 100)]);
    // ...and every item is under the new key with its data key intact
    const mismatches = await world.unwrapMismatches(await world.readAll('throttled'), (id) => ({
      keyArn: newKey.arn,
      plaintext: plaintexts.get(id),
    }));
    expect(mismatches).toEqual([]);
  });

  test('a slice whose pause would outlast its time ends early with a checkpoint; the next slice goes on', async () => {
    // GIVEN items, and a slice with little time left: a throttle's pause cannot fit
    await world.createTable('throttled-late');
    await world.seed('throttled-late', 20, oldKey.arn);
    const audit = recordingAudit();
    const request = requestFor('throttled-late', newKey, [oldKey], { concurrency: 1 });
    const clock = skippingClock();
    const remaining = 25_000; // less the 3 s reserve: waits must end within 22 s
    const start = clock.nowMs();
    const shortDeadline = { remainingMs: () => Math.max(0, remaining - (clock.nowMs() - start)) };

    // WHEN a slice runs with pauses of 10 s (the third throttle in a row would pause past the 22 s)
    const first = await world.runSlice(request, undefined, audit, {
      clock,
      deadline: shortDeadline,
      backoff: { baseMs: 20_000, maxMs: 20_000 },
      random: () => 0,
    });

    // THEN it stopped before the pause, settled nothing past it, and answered with a checkpoint
    expect(first.done).toBe(false);
    expect(first.checkpoint.counts.throttled).toBeGreaterThan(0);
    expect(first.checkpoint.counts.scanned).toBeLessThan(20);
    // WHEN the next slices have time
    let progress = first;
    while (!progress.done) progress = await world.runSlice(request, progress, audit, { clock, random: () => 0 });
    // THEN the job finishes with every item re-wrapped
    expect(progress.checkpoint.counts).toMatchObject({ scanned: 20, rewrapped: 20 });
  });
});
