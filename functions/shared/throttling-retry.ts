import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { randomInt } from 'node:crypto';

/** The SDK's retry strategy interface (v2), as the clients' config types name it. */
export type RetryStrategyV2 = Extract<
  NonNullable<SecretsManagerClientConfig['retryStrategy']>,
  { acquireInitialRetryToken: unknown }
>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1];

export interface ThrottlingRetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** The first retry waits up to this long (full jitter); each next one up to twice as long. */
  readonly baseDelayMs: number;
  /** No retry waits longer. */
  readonly maxDelayMs: number;
  /** No retry starts once the waits so far add up to this (keep it well under the function's timeout). */
  readonly maxTotalDelayMs: number;
}

/**
 * Retries throttling and transient errors with exponential backoff and full jitter from a short
 * base. The SDK's standard strategy waits up to 1 s, then 2 s... after a throttle and gives up
 * after 3 attempts: against a request-rate quota shared by many callers (Secrets Manager's 50
 * writes/s per region) that both leaves the quota unused while everyone waits and fails calls
 * that one more try would have passed. Here a throttled call keeps trying, each wait at most
 * `maxDelayMs`, until `maxTotalDelayMs` of waiting: a budget in time, not in attempts, because
 * how long a throttled caller must wait depends on how many others wait with it. Client errors
 * other than throttling are never retried.
 */
export function throttlingRetryStrategy(options: ThrottlingRetryOptions): RetryStrategyV2 {
  // The waits so far ride on the token (the SDK hands back the token it got).
  const waited = new WeakMap<RetryToken, number>();
  const token = (retries: number, delayMs: number, waitedMs: number): RetryToken => {
    const next: RetryToken = { getRetryCount: () => retries, getRetryDelay: () => delayMs };
    waited.set(next, waitedMs + delayMs);
    return next;
  };
  return {
    acquireInitialRetryToken: () => Promise.resolve(token(0, 0, 0)),
    refreshRetryTokenForRetry(previous: RetryToken, errorInfo: RetryErrorInfo) {
      const retries = previous.getRetryCount();
      const waitedMs = waited.get(previous) ?? 0;
      const retryable = errorInfo.errorType === 'THROTTLING' || errorInfo.errorType === 'TRANSIENT';
      if (!retryable || retries + 1 >= options.maxAttempts || waitedMs >= options.maxTotalDelayMs) {
        return Promise.reject(errorInfo.error instanceof Error ? errorInfo.error : new Error('retries exhausted'));
      }
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retries);
      return Promise.resolve(token(retries + 1, randomInt(ceiling + 1), waitedMs));
    },
    recordSuccess: () => undefined,
  };
}
