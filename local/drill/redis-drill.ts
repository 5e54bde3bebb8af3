import { LifecycleTag } from '../../functions/shared/lifecycle-contract';
import type { LocalRedis } from '../databases/redis';
import type { LocalElastiCache } from '../elasticache';
import type { LambdaHandler } from '../stepfunctions/runner';
import type { LocalStack } from '../stack';
import { runExecution, type ExecutionReport } from './lifecycle-drill';
import type { SecretReport } from './report';
import { createSecret, rotate, secretArn, value, type DbSecret } from './secret-rotation';

const SESSIONS_SECRET = 'cache/sessions';

export async function drillRedisUser(stack: LocalStack, redis: LocalRedis): Promise<SecretReport> {
  const masterArn = await createSecret(stack, 'cache/master', redis.masterSecretValue());
  await redis.admin(
    'ACL',
    'SETUSER',
    'sessions',
    'on',
    '>sessions-initial-password',
    '~session:*',
    '+@read',
    '+@write',
  );
  return rotate(stack, {
    name: SESSIONS_SECRET,
    strategy: 'redis-user',
    value: redis.secretValue('sessions', 'sessions-initial-password', { masterarn: masterArn }),
    tags: { [LifecycleTag.graceSeconds]: '3600', [LifecycleTag.drainMaxWaitSeconds]: '0' },
    checks: async (currentValue, previousValue) => {
      const current = JSON.parse(currentValue) as DbSecret;
      const previous = JSON.parse(previousValue) as DbSecret;
      return [
        { passed: await redis.canLogin('sessions', current.password), text: 'the new password logs in as sessions' },
        {
          passed: await redis.canLogin('sessions', previous.password),
          text: 'the old password still logs in too: one user, two passwords, until revoke',
        },
      ];
    },
  });
}

/** The lifecycle on the Redis user: after the grace window the old password is removed. */
export async function drillRedisLifecycle(
  stack: LocalStack,
  redis: LocalRedis,
  handlers: Record<string, LambdaHandler>,
): Promise<ExecutionReport> {
  const before = JSON.parse(await value(stack.client, SESSIONS_SECRET, 'AWSCURRENT')) as DbSecret;
  return runExecution(
    stack,
    handlers,
    'lifecycle',
    `${SESSIONS_SECRET} (lifecycle, on demand)`,
    { secretArn: await secretArn(stack.client, SESSIONS_SECRET), trigger: 'on-demand' },
    async () => {
      const after = JSON.parse(await value(stack.client, SESSIONS_SECRET, 'AWSCURRENT')) as DbSecret;
      return [
        { passed: await redis.canLogin('sessions', after.password), text: 'the new password logs in' },
        {
          passed: !(await redis.canLogin('sessions', before.password)),
          text: 'the password it replaced was removed after the grace window (WRONGPASS)',
        },
      ];
    },
  );
}

/** An ElastiCache RBAC user: ModifyUser (on the local ElastiCache API) gives it the new password beside the old. */
export async function drillElastiCacheUser(
  stack: LocalStack,
  redis: LocalRedis,
  elasticache: LocalElastiCache,
): Promise<SecretReport> {
  const initialPassword = 'checkout-initial-password';
  await redis.admin('ACL', 'SETUSER', 'checkout', 'on', `>${initialPassword}`, '~checkout:*', '+@read');
  await elasticache.addUser({ userId: 'checkout-app', userName: 'checkout', passwords: [initialPassword], redis });
  return rotate(stack, {
    name: 'cache/checkout',
    strategy: 'elasticache-user',
    value: redis.secretValue('checkout', initialPassword, { userId: 'checkout-app' }),
    checks: async (currentValue) => {
      const current = JSON.parse(currentValue) as DbSecret;
      return [
        {
          passed: await redis.canLogin('checkout', current.password),
          text: 'the new password logs in as checkout (set through ModifyUser, applied by ElastiCache)',
        },
        {
          passed: await redis.canLogin('checkout', initialPassword),
          text: 'the old password still logs in: ElastiCache holds both until revoke',
        },
      ];
    },
  });
}
