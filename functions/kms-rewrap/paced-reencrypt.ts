import {
  ReEncryptCommand,
  type KMSClient,
  type ReEncryptCommandInput,
  type ReEncryptCommandOutput,
} from '@aws-sdk/client-kms';
import { WriteQuotaWaitError, type PacerClock, type WritePacer } from '../shared/write-pacer';
import type { JobBackoff } from './kms-backoff';

/**
 * ReEncrypt as the job calls it: after any pause the job is in (kms-backoff.ts), in a slot of its pace
 * (pace.ts), throttles and transient failures answered by pausing the job and trying again. Nothing here
 * decides about an item: errors KMS gives for the ciphertext or a key are thrown to the caller.
 */

/** The slice's time is up before the call could be made: the item is left for the next slice. */
export class SliceTimeUp extends Error {
  override readonly name = 'SliceTimeUp';
}

/** A throttle: KMS's ThrottlingException, or any error the SDK classifies as throttling. */
export function isThrottle(error: unknown): boolean {
  const candidate = error as { name?: unknown; $retryable?: { throttling?: boolean } } | undefined;
  return candidate?.name === 'ThrottlingException' || candidate?.$retryable?.throttling === true;
}

const TRANSIENT_NAMES = new Set([
  'KMSInternalException',
  'DependencyTimeoutException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'EAI_AGAIN']);

/** A failure of KMS or the network rather than of the request: worth a pause and another try. */
export function isTransient(error: unknown): boolean {
  const candidate = error as { name?: unknown; code?: unknown; $fault?: unknown } | undefined;
  return (
    candidate?.$fault === 'server' ||
    (typeof candidate?.name === 'string' && TRANSIENT_NAMES.has(candidate.name)) ||
    (typeof candidate?.code === 'string' && TRANSIENT_CODES.has(candidate.code))
  );
}

/** Transient failures in a row one call rides out before its error is the item's (and the slice's). */
export const MAX_TRANSIENT_ATTEMPTS = 5;

export interface PacedReEncryptDeps {
  readonly kms: KMSClient;
  readonly pacer: WritePacer;
  readonly backoff: JobBackoff;
  readonly clock: PacerClock;
  /** No wait may end after this (ms since the epoch): the call is given up with SliceTimeUp. */
  readonly latestMs: number;
  /** Told about every throttle (the job counts them). */
  readonly onThrottle: () => void;
}

export async function pacedReEncrypt(
  deps: PacedReEncryptDeps,
  input: ReEncryptCommandInput,
): Promise<ReEncryptCommandOutput> {
  let transientFailures = 0;
  for (;;) {
    await waitOutPause(deps);
    try {
      await deps.pacer.acquire('ReEncrypt', deps.latestMs);
    } catch (error) {
      if (error instanceof WriteQuotaWaitError) throw new SliceTimeUp('no ReEncrypt slot before the slice ends');
      throw error;
    }
    try {
      const output = await deps.kms.send(new ReEncryptCommand(input));
      deps.backoff.succeeded();
      return output;
    } catch (error) {
      if (isThrottle(error)) {
        deps.onThrottle();
        deps.backoff.pause();
        continue;
      }
      if (isTransient(error) && ++transientFailures < MAX_TRANSIENT_ATTEMPTS) {
        deps.backoff.pause();
        continue;
      }
      throw error;
    }
  }
}

/** Sleeps until the job's pause is over (another item may extend it meanwhile), within the slice. */
async function waitOutPause(deps: PacedReEncryptDeps): Promise<void> {
  for (let pauseMs = deps.backoff.remainingPauseMs(); pauseMs > 0; pauseMs = deps.backoff.remainingPauseMs()) {
    if (deps.clock.nowMs() + pauseMs > deps.latestMs) throw new SliceTimeUp('the pause outlasts the slice');
    await deps.clock.sleep(pauseMs);
  }
}
