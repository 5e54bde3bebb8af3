import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { requestFor, RewrapWorld } from '../test/support/kms-rewrap-harness';
import { measureInChild, reportToParentWhenChild } from './bench-child';
import { round } from './stats';

/** Items in the benchmark's table. */
const ITEMS = 1000;
/**
 * The account's quota in the local KMS (it throttles past it, as AWS KMS does) and the job's share: 150
 * ReEncrypt calls/s, within what the local KMS and the local DynamoDB serve in one process here, so the
 * pace, not the emulators, should set the rate.
 */
const QUOTA_PER_SECOND = 1500;
const FRACTION = 0.1;
/** The application's writes while the job runs: one at a time, at most this many per second. */
const APP_WRITES_PER_SECOND = 20;

export interface KmsRewrapBenchResult {
  /** Items settled per second over the job's run (one slice, the whole table). */
  readonly rewrap_items_per_s: number;
  /** ReEncrypt calls per second (items, plus the re-wraps after lost conditional writes) ÷ the configured pace. */
  readonly rewrap_quota_fraction: number;
  /** Application writes that were lost or overwritten by the job (must be 0). */
  readonly rewrap_lost_writes: number;
  /** Application writes made while the job ran (the lost-write count is over these). */
  readonly rewrap_app_writes: number;
  /** Conditional writes the job lost to those application writes (each re-read and re-wrapped). */
  readonly rewrap_conflicts: number;
  /** ReEncrypt calls the local KMS throttled (its quota is the account's, shared with the application). */
  readonly rewrap_throttled: number;
}

/**
 * rewrap_items_per_s, rewrap_quota_fraction, rewrap_lost_writes: the KMS re-wrap job (functions/kms-rewrap)
 * over a table of 1,000 wrapped data keys in the local DynamoDB (dynalite), against keyturn's local KMS
 * (key material versions, the account's shared quota of 1,500 requests/s enforced), paced at 1,500/s × 0.1,
 * while an application keeps rewriting random items with fresh data keys under the old or the new key. A lost write is an item that
 * holds neither the application's last write nor that same data key under the new key (checked by Decrypt).
 * Runs in a process of its own (dynalite serves in process and should not share a core with other benches).
 */
export function measureKmsRewrap(): Promise<KmsRewrapBenchResult> {
  return measureInChild<KmsRewrapBenchResult>(__filename, 'kms-rewrap');
}

async function run(): Promise<KmsRewrapBenchResult> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const world = await RewrapWorld.startWithLocalKms({ cryptoRequestsPerSecond: QUOTA_PER_SECOND });
  try {
    const [oldKey, newKey] = await Promise.all([world.createKey(), world.createKey()]);
    await world.createTable('bench-keys');
    const plaintexts = await world.seed('bench-keys', ITEMS, oldKey.arn);
    let reEncryptCalls = 0;
    world.jobKms.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'ReEncryptCommand') reEncryptCalls += 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchCountReEncrypt' },
    );

    // An application rewriting random items meanwhile, tracking its last write to each.
    const latest = new Map<string, { plaintext: Buffer; stored: Buffer }>();
    const app = { running: true, writes: 0 };
    const application = (async () => {
      while (app.running) {
        const started = performance.now();
        const id = `item-${String(randomInt(ITEMS)).padStart(5, '0')}`;
        const { plaintext, ciphertext } = await world.wrap(randomInt(2) === 0 ? oldKey.arn : newKey.arn);
        await world.dynamodb.send(
          new UpdateItemCommand({
            TableName: 'bench-keys',
            Key: { id: { S: id } },
            UpdateExpression: 'SET wrappedKey = :k',
            ExpressionAttributeValues: { ':k': { B: ciphertext } },
          }),
        );
        latest.set(id, { plaintext, stored: Buffer.from(ciphertext) });
        app.writes += 1;
        const rest = 1000 / APP_WRITES_PER_SECOND - (performance.now() - started);
        if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
      }
    })();

    const request = requestFor('bench-keys', newKey, [oldKey], {
      quotaPerSecond: QUOTA_PER_SECOND,
      fraction: FRACTION,
      concurrency: undefined,
    });
    const t0 = performance.now();
    let job;
    try {
      job = await world.runJob(request);
    } finally {
      app.running = false;
      await application;
    }
    const seconds = (performance.now() - t0) / 1000;
    const { counts } = job.progress.checkpoint;
    if (counts.scanned !== ITEMS || counts.refused > 0) {
      throw new Error(`the re-wrap job settled ${counts.scanned} of ${ITEMS} items, refused ${counts.refused}`);
    }

    const items = await world.readAll('bench-keys');
    const toCheck = new Map(
      [...items].filter(([id, item]) => !latest.get(id)?.stored.equals(item.wrappedKey?.B ?? new Uint8Array())),
    );
    const lost = await world.unwrapMismatches(toCheck, (id) => ({
      keyArn: newKey.arn,
      plaintext: latest.get(id)?.plaintext ?? plaintexts.get(id),
    }));
    const pace = QUOTA_PER_SECOND * FRACTION;
    return {
      rewrap_items_per_s: round(counts.scanned / seconds),
      rewrap_quota_fraction: round(reEncryptCalls / seconds / pace, 2),
      rewrap_lost_writes: lost.length + (ITEMS - items.size),
      rewrap_app_writes: app.writes,
      rewrap_conflicts: counts.conflictsRetried,
      rewrap_throttled: counts.throttled,
    };
  } finally {
    await world.stop();
  }
}

reportToParentWhenChild(run);
