import { Logger } from '@aws-lambda-powertools/logger';
import type { SecretVersion } from '../../../functions/shared/secret-store';
import { redisPasswordHash } from '../../../functions/strategies/redis/acl';
import { createRedisConnect } from '../../../functions/strategies/redis/connection';
import { createRedisUserStrategy } from '../../../functions/strategies/redis/user';
import type { RotationVersions } from '../../../functions/strategies/strategy';
import {
  describeWithRedis,
  rotationVersions,
  secretVersion,
  startRedisTestEnv,
  type RedisTestEnv,
} from '../../support/redis';
import { createSecret } from '../../support/secrets';

let env: RedisTestEnv;
const output: string[] = [];
const secrets = new Set<string>();
const strategy = createRedisUserStrategy(createRedisConnect({ connectTimeoutMs: 500 }));

function capture(): () => void {
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  return () => {
    for (const spy of spies) spy.mockRestore();
  };
}

function remember(password: string): string {
  secrets.add(password);
  secrets.add(redisPasswordHash(password));
  return password;
}

/** Runs a step as the rotation function does: failures are logged with the error object, then rethrown. */
async function step(logger: Logger, name: string, work: () => Promise<unknown>): Promise<void> {
  logger.appendKeys({ step: name });
  try {
    await work();
  } catch (error) {
    logger.error('rotation step failed', error as Error);
  } finally {
    logger.resetKeys();
  }
}

beforeAll(async () => {
  env = await startRedisTestEnv();
  remember(env.redis.masterPassword);
  const redis = env.redis;
  const logger = new Logger({ serviceName: 'keyturn-rotate-secret', logLevel: 'DEBUG' });
  const ctx = env.ctx(logger);

  await redis.admin('ACL', 'SETUSER', 'out-app', 'on', `>${remember('Out-app-initial-1')}`, '~*', '+@all');
  const current = secretVersion(
    redis.secretValue('out-app', 'Out-app-initial-1', { masterarn: env.masterArn }),
    ['AWSCURRENT'],
    new Date(Date.now() - 60_000),
  );
  const badMaster = await createSecret(
    env.client,
    'redis/out/bad-master',
    redis.masterSecretValue({ password: remember('Bad-master-pw-2') }),
  );
  await redis.admin('ACL', 'SETUSER', 'out-weak', 'on', `>${remember('Weak-master-pw-3')}`, '-@all', '+acl|getuser');
  const weakMaster = await createSecret(
    env.client,
    'redis/out/weak-master',
    redis.secretValue('out-weak', 'Weak-master-pw-3'),
  );

  const restore = capture();
  try {
    const pendingValue = await strategy.createPendingValue(current, ctx);
    const pending = secretVersion(pendingValue, ['AWSPENDING']);
    remember((JSON.parse(pendingValue) as { password: string }).password);
    const versions: RotationVersions = rotationVersions(current, pending);
    // A full rotation, each step twice, and the lifecycle calls.
    for (const run of [1, 2]) {
      await step(logger, 'setSecret', () => strategy.setSecret(versions, ctx));
      await step(logger, 'testSecret', () => strategy.testSecret(versions, ctx));
      await step(logger, 'usage', () => strategy.usage(current, pending, ctx));
      await step(logger, 'revoke', () => strategy.revoke(current, pending, ctx, { terminateSessions: run === 2 }));
    }
    // Failures: a rejected master, a master without ACL SETUSER, TLS to a plaintext server,
    // a revoke that would lock the user out, a pending value that never worked.
    const withMaster = (arn: string, extra: Record<string, unknown> = {}): SecretVersion =>
      secretVersion(redis.secretValue('out-app', 'Out-app-initial-1', { masterarn: arn, ...extra }), ['AWSCURRENT']);
    const failing: [string, SecretVersion][] = [
      ['bad master', withMaster(badMaster.arn)],
      ['weak master', withMaster(weakMaster.arn)],
      ['tls', withMaster(env.masterArn, { ssl: true })],
    ];
    for (const [, version] of failing) {
      const value = await strategy.createPendingValue(version, ctx);
      remember((JSON.parse(value) as { password: string }).password);
      await step(logger, 'setSecret', () =>
        strategy.setSecret(rotationVersions(version, secretVersion(value, ['AWSPENDING'])), ctx),
      );
    }
    const never = secretVersion(
      redis.secretValue('out-app', remember('Never-set-pw-4'), { masterarn: env.masterArn }),
      ['AWSPENDING'],
    );
    await step(logger, 'testSecret', () => strategy.testSecret(rotationVersions(current, never), ctx));
    await step(logger, 'revoke', () => strategy.revoke(pending, never, ctx));
  } finally {
    restore();
  }
});
afterAll(() => env.stop());

interface LogLine {
  level?: string;
  message?: string;
  error?: { name?: string; message?: string };
}

function lines(): LogLine[] {
  return output
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

describeWithRedis('Redis user: logs of a rotation with failures, captured from stdout and stderr', () => {
  it('captured the logs, successes and each kind of failure (the capture works)', () => {
    const logs = lines();
    expect(logs.filter((l) => l.message === 'pending password added to the Redis user')).toHaveLength(1);
    expect(logs.filter((l) => l.message === 'old password removed from the Redis user')).toHaveLength(2);
    const failures = logs.filter((l) => l.level === 'ERROR').map((l) => l.error?.name);
    expect(failures).toEqual([
      'MasterSecretError',
      'MasterSecretError',
      'TlsRequiredError',
      'PendingCredentialRejectedError',
      'RevokeRefusedError',
    ]);
  });

  it('never prints a password or a password hash: old, new, master, rejected master', () => {
    const everything = output.join('');
    expect(secrets.size).toBeGreaterThanOrEqual(16);
    for (const secret of secrets) expect(everything.includes(secret)).toBe(false);
  });
});
