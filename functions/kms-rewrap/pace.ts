import { WritePacer, type PacerClock } from '../shared/write-pacer';
import { InMemoryPacerStore } from '../shared/write-pacer-memory';
import { writeBurst } from '../shared/write-pacing';
import {
  DEFAULT_KMS_CRYPTO_QUOTA_PER_SECOND,
  DEFAULT_REWRAP_QUOTA_FRACTION,
  MAX_REWRAP_CONCURRENCY,
  type RewrapRequest,
} from './contract';

/**
 * How fast a re-wrap job calls KMS. Every ReEncrypt draws on the account's shared quota for symmetric
 * cryptographic operations, which the applications decrypting their data keys need too: the job keeps to
 * `quotaPerSecond × fraction` (split evenly between the segments of a parallel scan), with the same
 * virtual-schedule limiter keyturn paces its Secrets Manager writes with (shared/write-pacer.ts: a token
 * bucket whose burst is a fifth of a second's worth), on a schedule of the job's own. A ThrottlingException
 * means the applications need more than the job left them: the whole job pauses (kms-backoff.ts).
 */

export interface RewrapPace {
  /** ReEncrypt calls per second, at most. */
  readonly callsPerSecond: number;
  /** Calls let through at once after an idle spell. */
  readonly burst: number;
  /** Items in flight at once. */
  readonly concurrency: number;
}

/**
 * What one item costs in time, for the default concurrency: ReEncrypt and a conditional UpdateItem in the
 * same Region are each a few milliseconds to tens of them.
 */
export const ASSUMED_ITEM_SECONDS = 0.05;
/** The default concurrency's ceiling (a request can ask for more, up to MAX_REWRAP_CONCURRENCY). */
export const DEFAULT_MAX_CONCURRENCY = 64;

export function rewrapPace(request: RewrapRequest): RewrapPace {
  const quota = request.quotaPerSecond ?? DEFAULT_KMS_CRYPTO_QUOTA_PER_SECOND;
  const fraction = request.fraction ?? DEFAULT_REWRAP_QUOTA_FRACTION;
  const callsPerSecond = (quota * fraction) / (request.totalSegments ?? 1);
  // Little's law: calls in flight = rate × time per call. Enough to keep the pace, not more.
  const concurrency =
    request.concurrency ??
    Math.min(DEFAULT_MAX_CONCURRENCY, Math.max(1, Math.ceil(callsPerSecond * ASSUMED_ITEM_SECONDS)));
  return {
    callsPerSecond,
    burst: writeBurst(callsPerSecond),
    concurrency: Math.min(MAX_REWRAP_CONCURRENCY, concurrency),
  };
}

/** A limiter for one slice's ReEncrypt calls at `pace`. */
export function rewrapPacer(pace: RewrapPace, clock?: PacerClock): WritePacer {
  return new WritePacer(
    new InMemoryPacerStore(),
    { writesPerSecond: pace.callsPerSecond, burst: pace.burst, key: 'kms-rewrap' },
    clock,
  );
}
