import { deadlineIn } from '../../../functions/shared/deadline';
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretStore, type SecretVersion } from '../../../functions/shared/secret-store';
import { redisPasswordHash } from '../../../functions/strategies/redis/acl';
import { createRedisConnect } from '../../../functions/strategies/redis/connection';
import { createElastiCacheUserStrategy } from '../../../functions/strategies/redis/elasticache-user';
import type { RotationStrategy, StrategyContext } from '../../../functions/strategies/strategy';
import { startLocalRedis, type LocalRedis } from '../../../local/databases/redis';
import { startLocalElastiCache, type LocalElastiCache } from '../../../local/elasticache';
import { localElastiCacheUserApi } from '../../support/elasticache';
import { describeWithRedis, rotationVersions, secretVersion } from '../../support/redis';

/**
 * elasticache-user against the local ElastiCache API (DescribeUsers / ModifyUser over HTTP,
 * awsQuery) whose changes reach a real redis-server after a delay during which the user is
 * `modifying`: the strategy's wait is real, and so are the password checks.
 */

let redis: LocalRedis;
let ec: LocalElastiCache;
let strategy: RotationStrategy;
let counter = 0;
const secrets = new Set<string>();
const output: string[] = [];
const APP_RULES = 'on ~app:* resetchannels -@all +get +set +ping +hello +auth';

const logger = new Logger({ serviceName: 'keyturn-rotate-secret', logLevel: 'DEBUG' });
const ctx = (): StrategyContext => ({
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cache/app',
  token: 'token-under-test',
  tags: {},
  store: new SecretStore(new SecretsManagerClient({ region: 'us-east-1' })),
  logger,
  deadline: deadlineIn(60_000),
});

function remember(password: string): string {
  secrets.add(password);
  secrets.add(redisPasswordHash(password));
  return password;
}

beforeAll(async () => {
  [redis, ec] = await Promise.all([startLocalRedis(), startLocalElastiCache({ modifyDelayMs: 300 })]);
  remember(redis.masterPassword);
  strategy = createElastiCacheUserStrategy(
    createRedisConnect({ connectTimeoutMs: 1_000 }),
    () => localElastiCacheUserApi(ec.endpoint),
    { waitTimeoutMs: 5_000, pollIntervalMs: 50 },
  );
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
});
afterAll(async () => {
  jest.restoreAllMocks();
  await Promise.allSettled([ec.stop(), redis.stop()]);
});

interface User {
  readonly id: string;
  readonly name: string;
  readonly password: string;
  readonly current: SecretVersion;
}

async function givenUser(authenticationType: 'password' | 'iam' | 'no-password' = 'password'): Promise<User> {
  counter++;
  const name = `ec-app-${counter}`;
  const id = `ec-app-${counter}-id`;
  const password = remember(`Initial-password-${counter}-xyz`);
  await ec.addUser({
    userId: id,
    userName: name,
    authenticationType,
    ...(authenticationType === 'password' ? { passwords: [password] } : {}),
    accessString: APP_RULES,
    redis,
  });
  const value = redis.secretValue(name, password, { userId: id, note: 'kept' });
  return { id, name, password, current: secretVersion(value, ['AWSCURRENT']) };
}

async function pendingFor(user: User): Promise<SecretVersion> {
  const value = await strategy.createPendingValue(user.current, ctx());
  remember((JSON.parse(value) as { password: string }).password);
  return secretVersion(value, ['AWSPENDING']);
}

const passwordOf = (v: SecretVersion) => (JSON.parse(v.value) as { password: string }).password;

async function failure(work: Promise<unknown>): Promise<Error> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(Error);
  logger.error('step failed', error as Error); // as the rotation function logs it
  return error as Error;
}

describeWithRedis('ElastiCache user: dual-accept rotation through ModifyUser', () => {
  it('after setSecret both passwords log in; after revoke only the new one', async () => {
    const user = await givenUser();
    const pending = await pendingFor(user);
    const versions = rotationVersions(user.current, pending);

    await strategy.setSecret(versions, ctx());

    expect(ec.user(user.id)).toMatchObject({ status: 'active' });
    expect(await redis.canLogin(user.name, user.password)).toBe(true);
    expect(await redis.canLogin(user.name, passwordOf(pending))).toBe(true);
    await strategy.testSecret(versions, ctx());
    expect(await strategy.verify(user.current, ctx())).toEqual({ ok: true });
    expect(await strategy.verify(pending, ctx())).toEqual({ ok: true });
    expect(await strategy.usage(user.current, pending, ctx())).toMatchObject({ inUse: 'unknown' });

    const revoked = await strategy.revoke(user.current, pending, ctx());

    expect(revoked).toMatchObject({ status: 'revoked' });
    expect(ec.user(user.id)).toMatchObject({
      status: 'active',
      passwordHashes: [redisPasswordHash(passwordOf(pending))],
    });
    expect(await redis.canLogin(user.name, user.password)).toBe(false);
    expect(await redis.canLogin(user.name, passwordOf(pending))).toBe(true);
    expect(await strategy.verify(user.current, ctx())).toMatchObject({ ok: false });
    // The user's other rules survived: it may still GET/SET app keys, nothing else.
    const session = await redis.openSession(user.name, passwordOf(pending));
    expect(await session.call('SET', 'app:k', 'v')).toBe('OK');
    await expect(session.call('SET', 'other:k', 'v')).rejects.toThrow(/NOPERM/);
    await session.close();
  });

  it('every step is idempotent: setSecret and revoke again change nothing', async () => {
    const user = await givenUser();
    const pending = await pendingFor(user);
    const versions = rotationVersions(user.current, pending);
    await strategy.setSecret(versions, ctx());
    const after = ec.user(user.id);
    await strategy.setSecret(versions, ctx());
    expect(ec.user(user.id)).toEqual(after);

    await strategy.revoke(user.current, pending, ctx());
    const again = await strategy.revoke(user.current, pending, ctx());
    expect(again.detail).toMatch(/already removed/);
    expect(await redis.canLogin(user.name, passwordOf(pending))).toBe(true);
  });

  it('a setSecret retried while the first change is still modifying waits for it instead of failing', async () => {
    const user = await givenUser();
    const pending = await pendingFor(user);
    await (await localElastiCacheUserApi(ec.endpoint)).setUserPasswords(user.id, [user.password, passwordOf(pending)]);
    expect(ec.user(user.id)?.status).toBe('modifying');
    await strategy.setSecret(rotationVersions(user.current, pending), ctx());
    expect(await redis.canLogin(user.name, passwordOf(pending))).toBe(true);
  });

  it('bad inputs change nothing: unknown user id, IAM user, no-password user, another userId', async () => {
    const user = await givenUser();
    const pending = await pendingFor(user);
    const unknown = secretVersion(redis.secretValue(user.name, user.password, { userId: 'nobody' }), ['AWSCURRENT']);
    const unknownPending = secretVersion(redis.secretValue(user.name, passwordOf(pending), { userId: 'nobody' }), [
      'AWSPENDING',
    ]);
    expect(await failure(strategy.setSecret(rotationVersions(unknown, unknownPending), ctx()))).toMatchObject({
      name: 'ElastiCacheUserNotFoundError',
    });
    const redirected = secretVersion(redis.secretValue(user.name, passwordOf(pending), { userId: 'other-id' }), [
      'AWSPENDING',
    ]);
    expect(await failure(strategy.setSecret(rotationVersions(user.current, redirected), ctx()))).toMatchObject({
      name: 'InvalidSecretValueError',
    });
    expect(await redis.canLogin(user.name, passwordOf(pending))).toBe(false);

    for (const type of ['iam', 'no-password'] as const) {
      const other = await givenUser(type);
      const otherPending = secretVersion(
        redis.secretValue(other.name, remember(`Other-pending-${type}-password`), { userId: other.id }),
        ['AWSPENDING'],
      );
      const error = await failure(strategy.setSecret(rotationVersions(other.current, otherPending), ctx()));
      expect(error).toMatchObject({ name: 'ElastiCacheUserNotRotatableError' });
      expect(ec.user(other.id)).toMatchObject({ status: 'active', authenticationType: type });
    }
  });

  it('revoke refuses when the replacement does not log in, and keeps the old password', async () => {
    const user = await givenUser();
    const pending = await pendingFor(user); // never set
    expect(await failure(strategy.revoke(user.current, pending, ctx()))).toMatchObject({ name: 'RevokeRefusedError' });
    expect(await redis.canLogin(user.name, user.password)).toBe(true);
  });

  it('a user that stays modifying past the wait: ElastiCacheUserBusyError', async () => {
    const user = await givenUser();
    const pending = await pendingFor(user);
    ec.setUserStatus(user.id, 'modifying');
    const quick = createElastiCacheUserStrategy(
      createRedisConnect({ connectTimeoutMs: 1_000 }),
      () => localElastiCacheUserApi(ec.endpoint),
      { waitTimeoutMs: 300, pollIntervalMs: 50 },
    );
    expect(await failure(quick.setSecret(rotationVersions(user.current, pending), ctx()))).toMatchObject({
      name: 'ElastiCacheUserBusyError',
    });
    ec.setUserStatus(user.id, 'active');
    expect(await redis.canLogin(user.name, passwordOf(pending))).toBe(false);
  });

  it('no secret value in any error or log output', () => {
    expect(ec.applyErrors()).toEqual([]);
    const text = output.join('');
    expect(text).toContain('ElastiCacheUserNotFoundError'); // the logs were captured
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
});
