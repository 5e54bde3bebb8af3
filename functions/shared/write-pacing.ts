import { DEFAULT_ROTATION_FUNCTION_TIMEOUT_SECONDS, TaskEnvironment } from './lifecycle-contract';
import { InvalidWritePaceError, WritePacer, type PacerClock, type PacerStore } from './write-pacer';
import { lazyDynamoDbPacerStore } from './write-pacer-dynamodb';
import { InMemoryPacerStore } from './write-pacer-memory';

/**
 * How the rotation function paces its Secrets Manager writes (write-pacer.ts), from its environment: the pace
 * the infrastructure computed from the policy, and the region's shared schedule in DynamoDB; locally (no
 * table) a schedule shared by everything in this process.
 */

/** Secrets Manager's default quota for PutSecretValue + UpdateSecret + UpdateSecretVersionStage, per region. */
export const DEFAULT_WRITE_QUOTA_PER_SECOND = 50;

/**
 * keyturn's default share of that quota: half. The quota is the account's, shared with every other writer in
 * the region (deployments updating secrets, other rotation functions, applications storing tokens), and a
 * share well under the whole keeps keyturn from throttling them while a fleet rotates.
 */
export const DEFAULT_WRITE_QUOTA_FRACTION = 0.5;

/** The largest share the policy accepts: keyturn always leaves some of the quota to others. */
export const MAX_WRITE_QUOTA_FRACTION = 0.9;

/** Writes per second for a quota and a share of it. */
export function writePace(quotaPerSecond: number, fraction: number): number {
  return quotaPerSecond * fraction;
}

/** Writes let through at once after an idle spell: a fifth of a second's worth, at least one. */
export function writeBurst(writesPerSecond: number): number {
  return Math.max(1, Math.floor(writesPerSecond / 5));
}

/** The schedule's key: the quota is per region. */
function regionKey(env: NodeJS.ProcessEnv): string {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'local';
}

function writesPerSecondOf(env: NodeJS.ProcessEnv): number {
  const raw = env[TaskEnvironment.writesPerSecond];
  if (raw === undefined || raw.trim() === '') {
    return writePace(DEFAULT_WRITE_QUOTA_PER_SECOND, DEFAULT_WRITE_QUOTA_FRACTION);
  }
  const value = Number(raw);
  if (!(Number.isFinite(value) && value > 0)) {
    throw new InvalidWritePaceError(
      `${TaskEnvironment.writesPerSecond} must be a positive number of writes per second`,
    );
  }
  return value;
}

/** One schedule per process: every function the local stack, a test or the benchmark runs here shares it. */
const processSchedule = new InMemoryPacerStore();

/** A pacer as the environment describes it (a new schedule when the environment names no table). */
export function writePacerFromEnvironment(env: NodeJS.ProcessEnv = process.env, clock?: PacerClock): WritePacer {
  const writesPerSecond = writesPerSecondOf(env);
  const table = env[TaskEnvironment.writePacerTable];
  const store: PacerStore = table ? lazyDynamoDbPacerStore(table) : processSchedule;
  return new WritePacer(store, { writesPerSecond, burst: writeBurst(writesPerSecond), key: regionKey(env) }, clock);
}

let processPacer: WritePacer | undefined;

/**
 * This process's pacer, built from the environment on first use: the rotation function's (one per cold
 * start, as its clients are), and what the local stack, tests and the benchmark watch (`onWait`).
 */
export function processWritePacer(): WritePacer {
  return (processPacer ??= writePacerFromEnvironment());
}

/**
 * How much of an invocation a write may spend waiting for its slot: all but a quarter of the time left (at
 * most 10 s kept back), so the write, the SDK's retries and the rest of the step still fit before the timeout.
 */
export function writeDeadline(nowMs: number, remainingMs: number | undefined): number {
  const remaining = remainingMs ?? DEFAULT_ROTATION_FUNCTION_TIMEOUT_SECONDS * 1000;
  return nowMs + remaining - Math.min(10_000, remaining / 4);
}
