import type { KmsOperationName } from './operations';

/**
 * The shared request quota of KMS's symmetric cryptographic operations ("Cryptographic
 * operations (symmetric) request rate": Decrypt, Encrypt, GenerateDataKey,
 * GenerateDataKeyWithoutPlaintext, GenerateMac, GenerateRandom, ReEncrypt, VerifyMac, all
 * together per account and Region), as a token bucket holding one second's worth of requests;
 * a request over it is answered ThrottlingException. AWS's default depends on the Region (the
 * developer guide has listed 5,500, 10,000 and more), so the emulator's default is no limit.
 * Every request admitted is counted in its second of the injected clock, so a test or bench can
 * read the rate a client actually achieved. The local KMS meters these operations on any key
 * type, where AWS meters asymmetric-key uses (RSA Encrypt/Decrypt) under a separate quota.
 */

export const SYMMETRIC_CRYPTO_OPERATIONS = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateMac',
  'GenerateRandom',
  'ReEncrypt',
  'VerifyMac',
] as const satisfies readonly KmsOperationName[];

export function isSymmetricCryptoOperation(operation: KmsOperationName): boolean {
  return (SYMMETRIC_CRYPTO_OPERATIONS as readonly string[]).includes(operation);
}

/** Seconds of per-second counts kept (older ones are forgotten). */
const KEPT_SECONDS = 600;

export interface CryptoSecond {
  /** The second, as epoch seconds of the emulator's clock. */
  readonly second: number;
  readonly accepted: number;
  readonly throttled: number;
}

export interface CryptoRequestStats {
  /** The quota in force (0: none). */
  readonly requestsPerSecond: number;
  readonly accepted: number;
  readonly throttled: number;
  /** The most requests admitted in any one second kept. */
  readonly peakAcceptedPerSecond: number;
  /** Per second, oldest first (seconds with no request are left out). */
  readonly seconds: readonly CryptoSecond[];
}

export function checkedRequestsPerSecond(perSecond: number): number {
  if (!(perSecond === Infinity || (Number.isFinite(perSecond) && perSecond >= 0))) {
    throw new RangeError('cryptoRequestsPerSecond must be a number >= 0 (0 or Infinity: no limit)');
  }
  return perSecond;
}

export class CryptoRequestQuota {
  private perSecond = 0;
  private tokens = 0;
  private lastRefillMs = 0;
  private counts = new Map<number, { accepted: number; throttled: number }>();

  constructor(
    perSecond: number,
    private readonly nowMs: () => number,
  ) {
    this.setRate(perSecond);
  }

  /** A new rate starts with a full bucket. */
  setRate(perSecond: number): void {
    this.perSecond = checkedRequestsPerSecond(perSecond);
    this.tokens = Math.max(1, this.perSecond);
    this.lastRefillMs = this.nowMs();
  }

  get requestsPerSecond(): number {
    return this.perSecond === Infinity ? 0 : this.perSecond;
  }

  /** Whether one more cryptographic request may go ahead now (and counts it either way). */
  admit(): boolean {
    const nowMs = this.nowMs();
    const admitted = this.takeToken(nowMs);
    const second = Math.floor(nowMs / 1000);
    const count = this.counts.get(second) ?? { accepted: 0, throttled: 0 };
    if (admitted) count.accepted += 1;
    else count.throttled += 1;
    this.counts.set(second, count);
    if (this.counts.size > KEPT_SECONDS) {
      const oldest = this.counts.keys().next().value;
      if (oldest !== undefined) this.counts.delete(oldest);
    }
    return admitted;
  }

  private takeToken(nowMs: number): boolean {
    if (this.perSecond === 0 || this.perSecond === Infinity) return true;
    const capacity = Math.max(1, this.perSecond);
    const elapsedSeconds = Math.max(0, nowMs - this.lastRefillMs) / 1000;
    this.tokens = Math.min(capacity, this.tokens + elapsedSeconds * this.perSecond);
    this.lastRefillMs = Math.max(this.lastRefillMs, nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  stats(): CryptoRequestStats {
    const seconds = [...this.counts]
      .map(([second, count]) => ({ second, ...count }))
      .sort((a, b) => a.second - b.second);
    return {
      requestsPerSecond: this.requestsPerSecond,
      accepted: seconds.reduce((sum, second) => sum + second.accepted, 0),
      throttled: seconds.reduce((sum, second) => sum + second.throttled, 0),
      peakAcceptedPerSecond: seconds.reduce((peak, second) => Math.max(peak, second.accepted), 0),
      seconds,
    };
  }

  resetStats(): void {
    this.counts = new Map();
  }
}
