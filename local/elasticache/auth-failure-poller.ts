import type { RespValue } from '../../functions/strategies/redis/resp-parser';
import { parseAclLog } from './acl-log';
import { AuthFailureCounter, type NewAuthFailures } from './auth-failure-counter';
import type { MetricSink } from './metric-sink';
import { startSerializedTicker } from '../serialized-ticker';

/**
 * The local ElastiCache's `AuthenticationFailures` metric: ElastiCache publishes, per cache node
 * (dimensions CacheClusterId and CacheNodeId, namespace AWS/ElastiCache, unit Count), the number
 * of failed AUTH attempts. Locally, a poller reads the Redis ACL LOG, counts the failed
 * authentications that are new since its last read (AuthFailureCounter), and hands the sink one
 * data point per read that found some (no point for a read without failures: a CloudWatch alarm
 * treats the gap as missing data, a Sum over the window is 0). `poll()` reads now, for tests.
 */
export const ELASTICACHE_NAMESPACE = 'AWS/ElastiCache';
export const AUTHENTICATION_FAILURES = 'AuthenticationFailures';

export interface AuthFailurePollerOptions {
  /** Reads `ACL LOG` (all entries) from the Redis the cache node stands for. */
  readonly readAclLog: () => Promise<RespValue>;
  readonly sink: MetricSink;
  readonly cacheClusterId: string;
  /** @default '0001' (ElastiCache numbers a cluster's nodes from 0001) */
  readonly cacheNodeId?: string;
  /** ms between background reads; 0 reads only on poll(). @default 1000 */
  readonly intervalMs?: number;
  readonly now?: () => Date;
}

export interface AuthFailurePoller {
  /** Reads the ACL LOG now and publishes what is new; resolves with it once the sink took the point. */
  poll(): Promise<NewAuthFailures>;
  /** The error of the last background read, undefined after one succeeded. */
  lastError(): Error | undefined;
  /** Stops the timer after the read in flight. */
  stop(): Promise<void>;
}

export async function startAuthFailurePoller(options: AuthFailurePollerOptions): Promise<AuthFailurePoller> {
  const now = options.now ?? (() => new Date());
  const counter = new AuthFailureCounter();
  const dimensions = { CacheClusterId: options.cacheClusterId, CacheNodeId: options.cacheNodeId ?? '0001' };

  const read = async (): Promise<NewAuthFailures> => {
    const found = counter.observe(parseAclLog(await options.readAclLog()));
    if (found.total > 0) {
      await options.sink({
        namespace: ELASTICACHE_NAMESPACE,
        metricName: AUTHENTICATION_FAILURES,
        dimensions,
        value: found.total,
        timestamp: now(),
        unit: 'Count',
      });
    }
    return found;
  };
  // One read at a time, so a count is never published twice.
  await read(); // the baseline, before the timer starts
  const ticker = startSerializedTicker(read, options.intervalMs ?? 1000);
  return {
    poll: () => ticker.serialized(read),
    lastError: () => ticker.lastError(),
    stop: () => ticker.stop(),
  };
}
