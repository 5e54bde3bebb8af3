import { deadlineIn } from '../../functions/shared/deadline';
import { olderVersions } from './versions';
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretStore, type SecretVersion } from '../../functions/shared/secret-store';
import type { RotationVersions, StrategyContext } from '../../functions/strategies/strategy';
import { startLocalRedis, type LocalRedis, type LocalRedisOptions } from '../../local/databases/redis';
import { startLocalSecretsManager, type LocalSecretsManager } from '../../local/secretsmanager/local-secrets-manager';
import { createSecret } from './secrets';
import { describeWithServers } from './servers';

/** `describe` when redis-server is installed; otherwise a skipped block that says why. */
export const describeWithRedis = describeWithServers(['redis']);

/** A local Redis, a local Secrets Manager holding its master secret, and a SecretStore over it. */
export interface RedisTestEnv {
  readonly redis: LocalRedis;
  readonly secretsManager: LocalSecretsManager;
  readonly client: SecretsManagerClient;
  readonly store: SecretStore;
  /** The ARN of a secret holding the master user's credential. */
  readonly masterArn: string;
  /** A context as the rotation function would build it; logs go to `logger`. */
  ctx(logger?: Logger): StrategyContext;
  stop(): Promise<void>;
}

export async function startRedisTestEnv(options: LocalRedisOptions = {}): Promise<RedisTestEnv> {
  const [redis, secretsManager] = await Promise.all([startLocalRedis(options), startLocalSecretsManager()]);
  const client = new SecretsManagerClient({
    endpoint: secretsManager.endpoint,
    region: secretsManager.region,
    credentials: { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' },
  });
  const store = new SecretStore(client);
  const master = await createSecret(client, 'redis/master', redis.masterSecretValue());
  return {
    redis,
    secretsManager,
    client,
    store,
    masterArn: master.arn,
    ctx: (logger = new Logger({ logLevel: 'SILENT' })) => ({
      secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:redis/app',
      token: 'token-under-test',
      tags: {},
      store,
      logger,
      deadline: deadlineIn(60_000),
    }),
    async stop() {
      client.destroy();
      await Promise.allSettled([redis.stop(), secretsManager.stop()]);
    },
  };
}

let versionCounter = 0;

/** A secret version as the store would return it. */
export function secretVersion(value: string, stages: readonly string[], createdAt: Date = new Date()): SecretVersion {
  return { versionId: `v-${++versionCounter}`, value, stages, createdAt };
}

/** The versions a rotation step sees. */
export function rotationVersions(
  current: SecretVersion,
  pending: SecretVersion,
  more: { previous?: SecretVersion; older?: readonly SecretVersion[] } = {},
): RotationVersions {
  return {
    current,
    pending,
    ...(more.previous ? { previous: more.previous } : {}),
    older: olderVersions(more.older),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
