import { AwsServiceError } from './errors';
import { OPERATION_NAMES, type OperationName } from './operation-names';

/**
 * Per-operation request-rate quotas as token buckets, off by default. When on, the AWS defaults
 * apply; operations that AWS meters together share one bucket, so a burst of PutSecretValue
 * also throttles UpdateSecretVersionStage, exactly as it would in a real account.
 */

interface BucketDefinition {
  readonly operations: readonly OperationName[];
  readonly requestsPerSecond: number;
}

/** AWS default request quotas per region (Secrets Manager quotas page). */
export const DEFAULT_QUOTA_BUCKETS = {
  SecretValueWrites: {
    operations: ['PutSecretValue', 'UpdateSecret', 'UpdateSecretVersionStage'],
    requestsPerSecond: 50,
  },
  // AWS documents DescribeSecret and GetSecretValue as one combined 10,000/s quota.
  SecretReads: { operations: ['GetSecretValue', 'DescribeSecret'], requestsPerSecond: 10_000 },
  BatchGetSecretValue: { operations: ['BatchGetSecretValue'], requestsPerSecond: 100 },
  RotateSecret: { operations: ['RotateSecret'], requestsPerSecond: 50 },
  CancelRotateSecret: { operations: ['CancelRotateSecret'], requestsPerSecond: 50 },
  CreateSecret: { operations: ['CreateSecret'], requestsPerSecond: 50 },
  DeleteSecret: { operations: ['DeleteSecret'], requestsPerSecond: 50 },
  RestoreSecret: { operations: ['RestoreSecret'], requestsPerSecond: 50 },
  Tagging: { operations: ['TagResource', 'UntagResource'], requestsPerSecond: 50 },
  ListSecrets: { operations: ['ListSecrets'], requestsPerSecond: 100 },
  ListSecretVersionIds: { operations: ['ListSecretVersionIds'], requestsPerSecond: 100 },
  GetRandomPassword: { operations: ['GetRandomPassword'], requestsPerSecond: 50 },
  Replication: {
    operations: ['ReplicateSecretToRegions', 'RemoveRegionsFromReplication', 'StopReplicationToReplica'],
    requestsPerSecond: 50,
  },
} as const satisfies Record<string, BucketDefinition>;

export type QuotaBucketName = keyof typeof DEFAULT_QUOTA_BUCKETS;

/**
 * Requests per second to use instead of the defaults, by bucket name or by operation name.
 * Naming an operation sets the rate of the bucket it belongs to (PutSecretValue: 5 sets the
 * shared PutSecretValue/UpdateSecret/UpdateSecretVersionStage bucket to 5/s).
 */
export type QuotaOverrides = Partial<Record<QuotaBucketName | OperationName, number>>;

export type QuotaSetting = boolean | QuotaOverrides;

const BUCKET_OF_OPERATION = new Map<OperationName, QuotaBucketName>(
  (Object.entries(DEFAULT_QUOTA_BUCKETS) as [QuotaBucketName, BucketDefinition][]).flatMap(([bucket, definition]) =>
    definition.operations.map((operation) => [operation, bucket] as const),
  ),
);

export function quotaBucketOf(operation: OperationName): QuotaBucketName | undefined {
  return BUCKET_OF_OPERATION.get(operation);
}

function isBucketName(key: string): key is QuotaBucketName {
  return Object.prototype.hasOwnProperty.call(DEFAULT_QUOTA_BUCKETS, key);
}

/** The rate each bucket gets for a setting; throws on names or rates that mean nothing. */
export function resolveQuotaRates(overrides: QuotaOverrides): Record<QuotaBucketName, number> {
  const rates = Object.fromEntries(
    (Object.entries(DEFAULT_QUOTA_BUCKETS) as [QuotaBucketName, BucketDefinition][]).map(([bucket, d]) => [
      bucket,
      d.requestsPerSecond,
    ]),
  ) as Record<QuotaBucketName, number>;
  // Overrides may come from JSON (the control surface), so the types are checked, not trusted.
  for (const [key, rate] of Object.entries(overrides) as [string, unknown][]) {
    if (rate === undefined) continue;
    if (!(typeof rate === 'number' && Number.isFinite(rate) && rate > 0)) {
      throw new RangeError(`quota override for ${key} must be a positive number of requests per second`);
    }
    const bucket = isBucketName(key)
      ? key
      : (OPERATION_NAMES as readonly string[]).includes(key)
        ? quotaBucketOf(key as OperationName)
        : undefined;
    if (!bucket) throw new RangeError(`unknown quota or operation name: ${key}`);
    rates[bucket] = rate;
  }
  return rates;
}

/** A classic token bucket: holds up to one second's worth of requests and refills continuously. */
class TokenBucket {
  private tokens: number;
  private lastRefillMs: number;

  constructor(
    private readonly requestsPerSecond: number,
    nowMs: number,
  ) {
    this.tokens = requestsPerSecond;
    this.lastRefillMs = nowMs;
  }

  tryTake(nowMs: number): boolean {
    const elapsedSeconds = Math.max(0, nowMs - this.lastRefillMs) / 1000;
    this.tokens = Math.min(this.requestsPerSecond, this.tokens + elapsedSeconds * this.requestsPerSecond);
    this.lastRefillMs = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Requests an operation received since the counts were last reset, and how many were throttled. */
export interface RequestCount {
  readonly requests: number;
  readonly throttled: number;
}

export class RequestRateLimiter {
  private buckets: Map<QuotaBucketName, TokenBucket> | undefined;
  private counts = new Map<OperationName, { requests: number; throttled: number }>();

  /** `nowMs` is a monotonic clock in milliseconds, injectable so tests control refills. */
  constructor(
    setting: QuotaSetting = false,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.configure(setting);
  }

  /** Turns quotas on (defaults, or with overrides) or off. Buckets start full. */
  configure(setting: QuotaSetting): void {
    if (setting === false) {
      this.buckets = undefined;
      return;
    }
    const rates = resolveQuotaRates(setting === true ? {} : setting);
    const now = this.nowMs();
    this.buckets = new Map(
      (Object.entries(rates) as [QuotaBucketName, number][]).map(([bucket, rate]) => [
        bucket,
        new TokenBucket(rate, now),
      ]),
    );
  }

  get enabled(): boolean {
    return this.buckets !== undefined;
  }

  /** Throws ThrottlingException when the operation's bucket is empty. Counts every request, quotas on or off. */
  admit(operation: OperationName): void {
    let count = this.counts.get(operation);
    if (!count) {
      count = { requests: 0, throttled: 0 };
      this.counts.set(operation, count);
    }
    count.requests += 1;
    if (!this.buckets) return;
    const bucketName = quotaBucketOf(operation);
    const bucket = bucketName && this.buckets.get(bucketName);
    if (bucket && !bucket.tryTake(this.nowMs())) {
      count.throttled += 1;
      throw new AwsServiceError('ThrottlingException', 'Rate exceeded');
    }
  }

  /** Requests per operation (throttled ones included) since the start or the last reset. */
  requestCounts(): Partial<Record<OperationName, RequestCount>> {
    return Object.fromEntries([...this.counts].map(([operation, count]) => [operation, { ...count }]));
  }

  resetRequestCounts(): void {
    this.counts = new Map();
  }
}
