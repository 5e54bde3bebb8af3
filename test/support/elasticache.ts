import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { ElastiCacheUserApi } from '../../functions/strategies/redis/elasticache-api';
import { elastiCacheUserApi } from '../../functions/strategies/redis/elasticache-client';

/** The strategy's ElastiCache port over the real SDK, pointed at a local ElastiCache API. */
export function localElastiCacheUserApi(endpoint: string): Promise<ElastiCacheUserApi> {
  return elastiCacheUserApi(
    new ElastiCacheClient({
      endpoint,
      region: 'us-east-1',
      // The local API does not check signatures, but the SDK signs every request.
      credentials: { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' },
      maxAttempts: 1,
    }),
  );
}
