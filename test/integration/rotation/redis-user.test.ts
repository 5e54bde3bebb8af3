import type { SecretVersion } from '../../../functions/shared/secret-store';
import { redisPasswordHash } from '../../../functions/strategies/redis/acl';
import { connectToRedis, createRedisConnect } from '../../../functions/strategies/redis/connection';
import { REDIS_MASTER_ACL_RULES, createRedisUserStrategy } from '../../../functions/strategies/redis/user';
import type { RotationStrategy } from '../../../functions/strategies/strategy';
import type { LocalRedis } from '../../../local/databases/redis';
import { freeLoopbackPort } from '../../../local/net/free-port';
import {
  describeWithRedis,
  rotationVersions,
  secretVersion,
  sleep,
  startRedisTestEnv,
  type RedisTestEnv,
} from '../../support/redis';
import { createSecret } from '../../support/secrets';

let env: RedisTestEnv;
let redis: LocalRedis;
const strategy: RotationStrategy = createRedisUserStrategy();
let counter = 0;
/** Every password these tests create, checked against every error message at the end. */
const secretsUsed = new Set<string>();
const errorMessages: string[] = [];

beforeAll(async () => {
  env = await startRedisTestEnv();
  redis = env.redis;
  secretsUsed.add(redis.masterPassword);
  secretsUsed.add(redisPasswordHash(redis.masterPassword));
  process.stderr.write(`redis-server ready in ${redis.startupMs} ms\n`);
});
afterAll(() => env.stop());

interface RedisUser {
  readonly name: string;
  readonly password: string;
  readonly current: SecretVersion;
}

/** Application-like rules, so tests can check they survive rotation untouched. */
const APP_RULES = ['on', 'resetchannels', '~app:*', '&news', '-@all', '+get', '+set', '+ping'];

function remember(password: string): string {
  secretsUsed.add(password);
  secretsUsed.add(redisPasswordHash(password));
  return password;
}

async function givenUser(name?: string, extra: Record<string, unknown> = {}): Promise<RedisUser> {
  counter++;
  const username = name ?? `app-${counter}`;
  const password = remember(`Initial-${counter}-pw`);
  await redis.admin('ACL', 'SETUSER', username, ...APP_RULES, `>${password}`);
  const value = redis.secretValue(username, password, { masterarn: env.masterArn, note: 'owned by search', ...extra });
  // Created a minute ago: connections opened from now on come after it.
  return { name: username, password, current: secretVersion(value, ['AWSCURRENT'], new Date(Date.now() - 60_000)) };
}

async function pendingFor(user: RedisUser, current: SecretVersion = user.current): Promise<SecretVersion> {
  const value = await strategy.createPendingValue(current, env.ctx());
  remember((JSON.parse(value) as { password: string }).password);
  return secretVersion(value, ['AWSPENDING']);
}

const passwordOf = (version: SecretVersion): string => (JSON.parse(version.value) as { password: string }).password;

/** The user's ACL as the server describes it, minus the passwords (which rotation changes). */
async function rulesOf(user: string): Promise<unknown> {
  const reply = await redis.admin('ACL', 'GETUSER', user);
  if (!Array.isArray(reply)) return reply;
  const items = [...(reply as unknown[])];
  const i = items.indexOf('passwords');
  if (i >= 0) items.splice(i, 2);
  return items;
}

async function expectRejected(work: Promise<unknown>, name: string, message: RegExp): Promise<Error> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error).toBeDefined();
  errorMessages.push((error as Error).message);
  expect(error).toMatchObject({ name });
  expect((error as Error).message).toMatch(message);
  return error as Error;
}

describeWithRedis('Redis user: dual-accept rotation of one ACL user', () => {
  it('after setSecret both the old and the new password log in; after revoke only the new one', async () => {
    const user = await givenUser();
    const rulesBefore = await rulesOf(user.name);
    const pending = await pendingFor(user);
    const versions = rotationVersions(user.current, pending);

    await strategy.setSecret(versions, env.ctx());
    await strategy.testSecret(versions, env.ctx());

    expect(await redis.canLogin(user.name, user.password)).toBe(true);
    expect(await redis.canLogin(user.name, passwordOf(pending))).toBe(true);
    expect(await strategy.verify(user.current, env.ctx())).toEqual({ ok: true });
    expect(await strategy.verify(pending, env.ctx())).toEqual({ ok: true });
    expect(await redis.passwordHashes(user.name)).toEqual(
      [redisPasswordHash(user.password), redisPasswordHash(passwordOf(pending))].sort(),
    );

    const revoked = await strategy.revoke(user.current, pending, env.ctx());

    expect(revoked).toMatchObject({ status: 'revoked', terminatedSessions: 0 });
    expect(revoked.detail).toMatch(/was removed from user "app-\d+" and is rejected/);
    expect(await redis.canLogin(user.name, user.password)).toBe(false);
    expect(await redis.canLogin(user.name, passwordOf(pending))).toBe(true);
    expect(await strategy.verify(user.current, env.ctx())).toMatchObject({ ok: false });
    expect(await rulesOf(user.name)).toEqual(rulesBefore); // commands, keys, channels, flags untouched
  });

  it('the pending value keeps every field but the password', async () => {
    const user = await givenUser(undefined, { replicationGroupId: 'rg-1' });
    const pending = JSON.parse((await pendingFor(user)).value) as Record<string, unknown>;
    const current = JSON.parse(user.current.value) as Record<string, unknown>;
    expect(pending).toEqual({ ...current, password: pending.password });
    expect(pending.password).not.toBe(current.password);
  });

  it('reinstate after revoke adds the old password back beside the current one, once', async () => {
    const user = await givenUser();
    const pending = await pendingFor(user);
    await strategy.setSecret(rotationVersions(user.current, pending), env.ctx());
    await strategy.revoke(user.current, pending, env.ctx());
    expect(await redis.canLogin(user.name, user.password)).toBe(false);

    expect(await strategy.reinstate?.(user.current, pending, env.ctx())).toBe(true);
    expect(await strategy.reinstate?.(user.current, pending, env.ctx())).toBe(false);

    expect(await redis.canLogin(user.name, user.password)).toBe(true);
    expect(await redis.canLogin(user.name, passwordOf(pending))).toBe(true);
    expect(await redis.passwordHashes(user.name)).toEqual(
      [redisPasswordHash(user.password), redisPasswordHash(passwordOf(pending))].sort(),
    );
  });

  it('a client holding the old password keeps working until revoke, then is refused on reconnect', async () => {
    const user = await givenUser();
    const client = await redis.openSession(user.name, user.password);
    const pending = await pendingFor(user);

    await strategy.setSecret(rotationVersions(user.current, pending), env.ctx());
    expect(await client.call('SET', 'app:k', 'v1')).toBe('OK');
    expect(await redis.canLogin(user.name, user.password)).toBe(true); // a reconnect still works in the grace window

    await strategy.revoke(user.current, pending, env.ctx());

    expect(await client.call('GET', 'app:k')).toBe('v1'); // an open connection is not cut without terminateSessions
    expect(await redis.canLogin(user.name, user.password)).toBe(false); // WRONGPASS on reconnect
    await client.close();
  });
});

describeWithRedis('Redis user: every step is idempotent', () => {
  it('gives the same result when setSecret, testSecret and revoke each run twice', async () => {
    const user = await givenUser();
    const pending = await pendingFor(user);
    const versions = rotationVersions(user.current, pending);
    const both = [redisPasswordHash(user.password), redisPasswordHash(passwordOf(pending))].sort();

    await strategy.setSecret(versions, env.ctx());
    await strategy.setSecret(versions, env.ctx());
    expect(await redis.passwordHashes(user.name)).toEqual(both);

    await strategy.testSecret(versions, env.ctx());
    await strategy.testSecret(versions, env.ctx());

    const first = await strategy.revoke(user.current, pending, env.ctx());
    const second = await strategy.revoke(user.current, pending, env.ctx());
    expect(first.detail).toMatch(/was removed/);
    expect(second).toMatchObject({ status: 'revoked' });
    expect(second.detail).toMatch(/was already removed and is rejected/);
    expect(await redis.passwordHashes(user.name)).toEqual([redisPasswordHash(passwordOf(pending))]);
  });
});

describeWithRedis('Redis user: passwords do not pile up', () => {
  it("removes leftover passwords of this secret's older versions, keeps previous, current and hand-set ones", async () => {
    const user = await givenUser();
    const stale = remember('Stale-from-a-crashed-rotation');
    const previousPassword = remember('Previous-still-in-grace');
    const byHand = remember('Set-by-an-operator');
    for (const p of [stale, previousPassword, byHand]) await redis.admin('ACL', 'SETUSER', user.name, `>${p}`);
    const older = secretVersion(redis.secretValue(user.name, stale, { masterarn: env.masterArn }), []);
    const previous = secretVersion(redis.secretValue(user.name, previousPassword, { masterarn: env.masterArn }), [
      'AWSPREVIOUS',
    ]);
    const pending = await pendingFor(user);

    await strategy.setSecret(rotationVersions(user.current, pending, { previous, older: [older] }), env.ctx());

    expect(await redis.passwordHashes(user.name)).toEqual(
      [user.password, previousPassword, byHand, passwordOf(pending)].map(redisPasswordHash).sort(),
    );
    expect(await redis.canLogin(user.name, stale)).toBe(false);
  });

  it('five rotations without any revoke leave at most previous, current and pending', async () => {
    const user = await givenUser();
    const history: SecretVersion[] = [user.current]; // newest last
    for (let i = 0; i < 5; i++) {
      const current = history[history.length - 1] as SecretVersion;
      const previous = history[history.length - 2];
      const older = history.slice(0, -2).reverse();
      const pending = await pendingFor(user, current);
      await strategy.setSecret(rotationVersions(current, pending, { previous, older }), env.ctx());
      await strategy.testSecret(rotationVersions(current, pending, { previous, older }), env.ctx());
      history.push(pending);
      expect((await redis.passwordHashes(user.name))?.length).toBeLessThanOrEqual(3);
    }
    const kept = history.slice(-3).map((v) => redisPasswordHash(passwordOf(v)));
    expect(await redis.passwordHashes(user.name)).toEqual(kept.sort());
  });
});

describeWithRedis('Redis user: usage and terminateSessions', () => {
  it("counts a connection opened before the change; terminateSessions ends it but not keyturn's or newer ones", async () => {
    const user = await givenUser();
    const lingering = await redis.openSession(user.name, user.password);
    const pending = secretVersion((await pendingFor(user)).value, ['AWSPENDING'], new Date());
    await strategy.setSecret(rotationVersions(user.current, pending), env.ctx());
    // Redis counts connection age in whole seconds: a connection is "new" once it is clearly younger than the change.
    await sleep(2_300);
    const renewed = await redis.openSession(user.name, passwordOf(pending));
    const keyturnOwn = await connectToRedis({
      host: redis.host,
      port: redis.port,
      ssl: false,
      username: user.name,
      password: user.password,
    });
    if (!keyturnOwn.accepted) throw new Error('keyturn connection rejected');

    const usage = await strategy.usage(user.current, pending, env.ctx());
    expect(usage).toMatchObject({ inUse: true, activeSessions: 1 });
    expect(usage.evidence).toMatch(/1 connection\(s\) of user "app-\d+" opened before the password change/);

    const revoked = await strategy.revoke(user.current, pending, env.ctx(), { terminateSessions: true });

    expect(revoked).toMatchObject({ status: 'revoked', terminatedSessions: 1 });
    await expect(lingering.call('PING')).rejects.toMatchObject({ name: 'TargetUnreachableError' });
    expect(await renewed.call('PING')).toBe('PONG');
    expect(await keyturnOwn.session.call('PING')).toBe('PONG');

    const after = await strategy.usage(user.current, pending, env.ctx());
    expect(after).toMatchObject({ inUse: 'unknown', activeSessions: 0 });
    expect(after.evidence).toMatch(/connections opened since may still use the old password until it is revoked/);
    await Promise.all([renewed.close(), keyturnOwn.session.close(), lingering.close()]);
  });

  it('without a creation time on the replacement, usage is unknown', async () => {
    const user = await givenUser();
    const pending = await pendingFor(user);
    const undated = { ...pending, createdAt: undefined };
    expect(await strategy.usage(user.current, undated, env.ctx())).toMatchObject({ inUse: 'unknown' });
  });
});

describeWithRedis('Redis user: identifiers are single arguments', () => {
  it.each([['quo"te\'s;x'], ['+@all'], ['>not-a-password'], ['~*']])(
    'rotates user %j and touches no other user',
    async (name) => {
      const user = await givenUser(name);
      const masterRules = await rulesOf(redis.masterUser);
      const pending = await pendingFor(user);
      const versions = rotationVersions(user.current, pending);

      await strategy.setSecret(versions, env.ctx());
      await strategy.testSecret(versions, env.ctx());
      await strategy.revoke(user.current, pending, env.ctx());

      expect(await redis.canLogin(name, passwordOf(pending))).toBe(true);
      expect(await redis.canLogin(name, user.password)).toBe(false);
      expect(await rulesOf(redis.masterUser)).toEqual(masterRules);
    },
  );

  it('refuses a user name with a space or a newline before touching the server (Redis refuses them too)', async () => {
    for (const name of ['two words', 'line\nbreak']) {
      const value = redis.secretValue(name, 'Whatever-pw-1', { masterarn: env.masterArn });
      await expectRejected(
        strategy.createPendingValue(secretVersion(value, ['AWSCURRENT']), env.ctx()),
        'InvalidSecretValueError',
        /username: must not contain whitespace/,
      );
    }
  });
});

describeWithRedis('Redis user: the master needs only its least-privilege ACL', () => {
  it('the master used by these tests is restricted: it cannot read keys or flush', async () => {
    await expect(redis.admin('GET', 'app:k')).rejects.toMatchObject({ code: 'NOPERM' });
    await expect(redis.admin('FLUSHALL')).rejects.toMatchObject({ code: 'NOPERM' });
    expect(REDIS_MASTER_ACL_RULES).toContain('-@all');
  });

  it.each([
    ['ACL SETUSER', '+acl|setuser'],
    ['ACL GETUSER', '+acl|getuser'],
  ])('a master without %s fails with MasterSecretError naming it, and nothing changes', async (command, rule) => {
    const weakName = `weak-master-${++counter}`;
    const weakPassword = remember(`Weak-master-${counter}-pw`);
    const rules = REDIS_MASTER_ACL_RULES.filter((r) => r !== rule);
    await redis.admin('ACL', 'SETUSER', weakName, 'on', `>${weakPassword}`, ...rules);
    const weak = await createSecret(env.client, `redis/weak/${counter}`, redis.secretValue(weakName, weakPassword));
    const user = await givenUser(undefined, { masterarn: weak.arn });
    const before = await redis.passwordHashes(user.name);
    const pending = await pendingFor(user);

    const error = await expectRejected(
      strategy.setSecret(rotationVersions(user.current, pending), env.ctx()),
      'MasterSecretError',
      new RegExp(`may not run ${command} .*NOPERM.*it needs: -@all \\+acl\\|setuser`),
    );

    expect(error.message).toContain(weakName);
    expect(await redis.passwordHashes(user.name)).toEqual(before);
  });
});

describeWithRedis('Redis user: bad input changes nothing', () => {
  /** Runs createPendingValue, setSecret and testSecret as a rotation would, stopping at the first error. */
  async function rotate(current: SecretVersion, pendingValue?: string, using = strategy): Promise<void> {
    const value = pendingValue ?? (await using.createPendingValue(current, env.ctx()));
    const versions = rotationVersions(current, secretVersion(value, ['AWSPENDING']));
    await using.setSecret(versions, env.ctx());
    await using.testSecret(versions, env.ctx());
  }

  async function expectNothingChanged(user: RedisUser, hashes: string[] | undefined, rules: unknown): Promise<void> {
    expect(await redis.passwordHashes(user.name)).toEqual(hashes);
    expect(await rulesOf(user.name)).toEqual(rules);
    expect(await redis.canLogin(user.name, user.password)).toBe(true);
  }

  type Case = [string, (user: RedisUser) => Promise<{ current: SecretVersion; pending?: string }>, string, RegExp];
  const value = (user: RedisUser, change: Record<string, unknown>) =>
    JSON.stringify({ ...(JSON.parse(user.current.value) as object), ...change });
  const current = (v: string) => secretVersion(v, ['AWSCURRENT']);

  const cases: Case[] = [
    [
      'a current value that is not JSON',
      () => Promise.resolve({ current: current('{"engine": "redis", "pas') }),
      'InvalidSecretValueError',
      /current value is not valid JSON/,
    ],
    [
      'the wrong engine',
      (u) => Promise.resolve({ current: current(value(u, { engine: 'mysql' })) }),
      'InvalidSecretValueError',
      /engine: must be "redis"/,
    ],
    [
      'a missing password',
      (u) => Promise.resolve({ current: current(value(u, { password: undefined })) }),
      'InvalidSecretValueError',
      /password: expected string/,
    ],
    [
      'a missing username',
      (u) => Promise.resolve({ current: current(value(u, { username: undefined })) }),
      'InvalidSecretValueError',
      /username: expected string/,
    ],
    [
      'no masterarn',
      (u) => Promise.resolve({ current: current(value(u, { masterarn: undefined })) }),
      'InvalidSecretValueError',
      /needs "masterarn"/,
    ],
    [
      'a pending value pointing at another user',
      (u) =>
        Promise.resolve({
          current: u.current,
          pending: value(u, { username: redis.masterUser, password: 'Pw-other-1' }),
        }),
      'InvalidSecretValueError',
      /pending value names another host, port, ssl setting or user/,
    ],
    [
      'a pending value pointing at another port',
      (u) =>
        Promise.resolve({ current: u.current, pending: value(u, { port: redis.port + 1, password: 'Pw-other-2' }) }),
      'InvalidSecretValueError',
      /pending value names another host/,
    ],
    [
      'a master secret that does not exist',
      (u) => Promise.resolve({ current: current(value(u, { masterarn: `${env.masterArn}-gone` })) }),
      'MasterSecretError',
      /has no AWSCURRENT value/,
    ],
    [
      'a master whose password is rejected',
      async (u) => {
        const bad = await createSecret(
          env.client,
          `redis/bad-master/${++counter}`,
          redis.masterSecretValue({ password: remember('Wrong-master-pw') }),
        );
        return { current: current(value(u, { masterarn: bad.arn })) };
      },
      'MasterSecretError',
      /master user "keyturn-master" is rejected by 127\.0\.0\.1:\d+/,
    ],
    [
      'a master on another host:port',
      async (u) => {
        const elsewhere = await createSecret(
          env.client,
          `redis/far-master/${++counter}`,
          redis.masterSecretValue({ port: redis.port + 1 }),
        );
        return { current: current(value(u, { masterarn: elsewhere.arn })) };
      },
      'MasterSecretError',
      /master secret points at 127\.0\.0\.1:\d+, not at the rotated user's server/,
    ],
  ];

  it.each(cases)('%s: a named error, the user untouched', async (_label, build, errorName, message) => {
    const user = await givenUser();
    const hashes = await redis.passwordHashes(user.name);
    const rules = await rulesOf(user.name);
    const { current: c, pending } = await build(user);

    await expectRejected(rotate(c, pending), errorName, message);

    await expectNothingChanged(user, hashes, rules);
  });

  it('a user that does not exist on the server: RedisUserNotFoundError, and it is not created', async () => {
    const name = `ghost-${++counter}`;
    const ghost = current(redis.secretValue(name, remember('Ghost-pw-1'), { masterarn: env.masterArn }));

    await expectRejected(
      rotate(ghost),
      'RedisUserNotFoundError',
      /user "ghost-\d+" does not exist on 127\.0\.0\.1:\d+: keyturn does not create users/,
    );

    expect(await redis.admin('ACL', 'GETUSER', name)).toBeNull();
  });

  it('a nopass user: RedisTargetError, nopass kept', async () => {
    const user = await givenUser();
    await redis.admin('ACL', 'SETUSER', user.name, 'nopass');
    const rules = await rulesOf(user.name);
    await expectRejected(rotate(user.current), 'RedisTargetError', /has nopass/);
    expect(await rulesOf(user.name)).toEqual(rules);
    expect(await redis.passwordHashes(user.name)).toEqual([]);
  });

  it('a disabled user: RedisTargetError, still disabled and unchanged', async () => {
    const user = await givenUser();
    await redis.admin('ACL', 'SETUSER', user.name, 'off');
    const hashes = await redis.passwordHashes(user.name);
    await expectRejected(rotate(user.current), 'RedisTargetError', /is disabled \(off\)/);
    expect(await redis.passwordHashes(user.name)).toEqual(hashes);
  });

  it('an unreachable port: TargetUnreachableError naming host:port', async () => {
    const user = await givenUser();
    const closed = await freeLoopbackPort();
    const master = await createSecret(
      env.client,
      `redis/closed-master/${++counter}`,
      redis.masterSecretValue({ port: closed }),
    );
    await expectRejected(
      rotate(current(value(user, { port: closed, masterarn: master.arn }))),
      'TargetUnreachableError',
      new RegExp(`127\\.0\\.0\\.1:${closed}`),
    );
  });

  it('ssl: true against a plaintext server: TlsRequiredError, never a plaintext fallback', async () => {
    // A plaintext Redis waits for the rest of what it takes for an inline command: the TLS
    // handshake times out (5 s by default; 500 ms here) instead of failing at once.
    const impatient = createRedisUserStrategy(createRedisConnect({ connectTimeoutMs: 500 }));
    const user = await givenUser();
    const hashes = await redis.passwordHashes(user.name);
    await expectRejected(
      rotate(current(value(user, { ssl: true })), undefined, impatient),
      'TlsRequiredError',
      /does not fall back to plaintext/,
    );
    expect(await redis.passwordHashes(user.name)).toEqual(hashes);
  });

  it('testSecret on a password that was never set: PendingCredentialRejectedError', async () => {
    const user = await givenUser();
    const pending = await pendingFor(user);
    await expectRejected(
      strategy.testSecret(rotationVersions(user.current, pending), env.ctx()),
      'PendingCredentialRejectedError',
      /user "app-\d+" was rejected/,
    );
  });
});

describeWithRedis('Redis user: revoke refuses what would lock the user out', () => {
  it('refuses while the replacement does not log in, and the old password keeps working', async () => {
    const user = await givenUser();
    const pending = await pendingFor(user); // never set on the server
    await expectRejected(
      strategy.revoke(user.current, pending, env.ctx()),
      'RevokeRefusedError',
      /replacement does not authenticate/,
    );
    expect(await redis.canLogin(user.name, user.password)).toBe(true);
  });

  it('refuses when the old and the replacement password are the same', async () => {
    const user = await givenUser();
    const same = secretVersion(user.current.value, ['AWSPENDING']);
    await expectRejected(strategy.revoke(user.current, same, env.ctx()), 'RevokeRefusedError', /are the same/);
    expect(await redis.canLogin(user.name, user.password)).toBe(true);
  });
});

describeWithRedis('Redis user: no secret value in any error message', () => {
  it('collected errors from the tests above, and none carries a password or a password hash', () => {
    expect(errorMessages.length).toBeGreaterThanOrEqual(15);
    for (const message of errorMessages) {
      for (const secret of secretsUsed) expect(message.includes(secret)).toBe(false);
    }
  });
});
