import { DEADLINE_RESERVE_MS, deadlineIn } from '../../../functions/shared/deadline';
import { olderVersions } from '../../support/versions';
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretStore, type SecretVersion } from '../../../functions/shared/secret-store';
import type { RedisConnect, RedisCredential } from '../../../functions/strategies/redis/connection';
import type { ElastiCacheUser, ElastiCacheUserApi } from '../../../functions/strategies/redis/elasticache-api';
import {
  createElastiCacheUserStrategy,
  ELASTICACHE_PASSWORD_FORBIDDEN,
} from '../../../functions/strategies/redis/elasticache-user';
import type { RotationVersions, StrategyContext } from '../../../functions/strategies/strategy';

/**
 * The elasticache-user strategy's API branches, against a fake ElastiCache API and a fake Redis
 * login (the real API and Redis: test/integration/rotation/elasticache-user.test.ts).
 */

const USER_ID = 'app-user';
const USER_NAME = 'app';
const CURRENT = 'Current-password-0001';
const PENDING = 'Pending-password-0002';

function value(password: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    engine: 'redis',
    host: 'cache.example',
    port: 6379,
    username: USER_NAME,
    password,
    ssl: true,
    userId: USER_ID,
    ...extra,
  });
}

let n = 0;
const version = (v: string, stages: string[]): SecretVersion => ({
  versionId: `v${++n}`,
  value: v,
  stages,
  createdAt: new Date(),
});
const versions = (current = value(CURRENT), pending = value(PENDING)): RotationVersions => ({
  current: version(current, ['AWSCURRENT']),
  pending: version(pending, ['AWSPENDING']),
  older: olderVersions(),
});

/** A fake ElastiCache whose ModifyUser takes `modifyingPolls` DescribeUsers to become active. */
class FakeElastiCache implements ElastiCacheUserApi {
  user: ElastiCacheUser | undefined = {
    userId: USER_ID,
    userName: USER_NAME,
    status: 'active',
    authenticationType: 'password',
    passwordCount: 1,
  };
  accepted = new Set([CURRENT]);
  modifyCalls: string[][] = [];
  describeCalls = 0;
  modifyingPolls = 2;
  describeError: Error | undefined;
  modifyError: Error | undefined;
  private remaining = 0;
  private next: string[] = [];

  describeUser(userId: string): Promise<ElastiCacheUser | undefined> {
    this.describeCalls++;
    if (this.describeError) return Promise.reject(this.describeError);
    if (!this.user || userId !== this.user.userId)
      return Promise.reject(named('UserNotFoundFault', `User ${userId} not found.`));
    if (this.user.status === 'modifying' && this.remaining-- <= 0) {
      this.accepted = new Set(this.next);
      this.user = { ...this.user, status: 'active', passwordCount: this.next.length };
    }
    return Promise.resolve(this.user);
  }

  setUserPasswords(_userId: string, passwords: readonly string[]): Promise<void> {
    this.modifyCalls.push([...passwords]);
    if (this.modifyError) return Promise.reject(this.modifyError);
    this.user = { ...(this.user as ElastiCacheUser), status: 'modifying' };
    this.remaining = this.modifyingPolls;
    this.next = [...passwords];
    return Promise.resolve();
  }

  connect: RedisConnect = (credential: RedisCredential) =>
    Promise.resolve(
      this.accepted.has(credential.password)
        ? {
            accepted: true as const,
            session: {
              clientId: 1,
              call: () => Promise.resolve('OK'),
              pipeline: () => Promise.resolve([credential.username, 'PONG']),
              close: () => Promise.resolve(),
            },
          }
        : { accepted: false as const },
    );
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

let fake: FakeElastiCache;
let clock: number;
let sleeps: number[];
const logs: string[] = [];

function strategyFor(f: FakeElastiCache, waitTimeoutMs = 60_000) {
  return createElastiCacheUserStrategy(f.connect, () => Promise.resolve(f), {
    waitTimeoutMs,
    sleep: (ms) => {
      sleeps.push(ms);
      clock += ms;
      return Promise.resolve();
    },
    now: () => clock,
  });
}

const ctx = (tags: Record<string, string> = {}): StrategyContext => ({
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cache/app',
  token: 't',
  tags,
  store: new SecretStore(new SecretsManagerClient({ region: 'us-east-1' })),
  logger: new Logger({ logLevel: 'DEBUG', logFormatter: undefined, serviceName: 'test' }),
  deadline: deadlineIn(60_000),
});

async function failure(work: Promise<unknown>): Promise<Error> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(Error);
  logs.push((error as Error).message);
  return error as Error;
}

beforeEach(() => {
  fake = new FakeElastiCache();
  clock = 0;
  sleeps = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logs.push(String(chunk));
    return true;
  });
});
afterEach(() => jest.restoreAllMocks());
afterAll(() => {
  // No password reached an error message or a log line.
  for (const line of logs) for (const p of [CURRENT, PENDING]) expect(line).not.toContain(p);
});

describe('elasticache-user: createPendingValue', () => {
  it('keeps every field but the password, which ElastiCache will accept', async () => {
    const pending = JSON.parse(
      await strategyFor(fake).createPendingValue(version(value(CURRENT, { note: 'x' }), ['AWSCURRENT']), ctx()),
    ) as Record<string, string>;
    expect(pending).toEqual({ ...(JSON.parse(value(CURRENT, { note: 'x' })) as object), password: pending.password });
    expect(pending.password).toHaveLength(32);
    for (const c of `${ELASTICACHE_PASSWORD_FORBIDDEN} `) expect(pending.password).not.toContain(c);
  });

  it('refuses a policy outside ElastiCache 16-128 characters, and a secret without userId', async () => {
    await expect(
      strategyFor(fake).createPendingValue(version(value(CURRENT), []), ctx({ 'keyturn:length': '12' })),
    ).rejects.toThrow(/16 to 128/);
    await expect(
      strategyFor(fake).createPendingValue(version(value(CURRENT, { userId: undefined }), []), ctx()),
    ).rejects.toThrow(/"userId"/);
  });
});

describe('elasticache-user: setSecret', () => {
  it('sets [current, pending] with ModifyUser and waits, with backoff, until the user is active', async () => {
    await strategyFor(fake).setSecret(versions(), ctx());
    expect(fake.modifyCalls).toEqual([[CURRENT, PENDING]]);
    expect(fake.user?.status).toBe('active');
    expect(fake.accepted).toEqual(new Set([CURRENT, PENDING]));
    expect(sleeps).toEqual([500, 1000]);
  });

  it('is idempotent: a pending password that already logs in changes nothing', async () => {
    fake.accepted = new Set([CURRENT, PENDING]);
    await strategyFor(fake).setSecret(versions(), ctx());
    await strategyFor(fake).setSecret(versions(), ctx());
    expect(fake.modifyCalls).toEqual([]);
  });

  it('waits for a user left modifying by an earlier attempt before judging it', async () => {
    await fake.setUserPasswords(USER_ID, [CURRENT, PENDING]);
    fake.modifyCalls = [];
    await strategyFor(fake).setSecret(versions(), ctx());
    expect(fake.modifyCalls).toEqual([]);
  });

  it('a user ElastiCache does not know: ElastiCacheUserNotFoundError, nothing changed', async () => {
    fake.user = undefined;
    const error = await failure(strategyFor(fake).setSecret(versions(), ctx()));
    expect(error).toMatchObject({ name: 'ElastiCacheUserNotFoundError' });
    expect(error.message).toMatch(/"app-user" does not exist/);
    expect(fake.modifyCalls).toEqual([]);
  });

  it.each(['iam', 'no-password'])('a user with %s authentication is refused, nothing changed', async (type) => {
    fake.user = { ...(fake.user as ElastiCacheUser), authenticationType: type, passwordCount: 0 };
    fake.accepted = new Set([CURRENT, PENDING]); // a no-password user accepts anything: not taken as done
    const error = await failure(strategyFor(fake).setSecret(versions(), ctx()));
    expect(error).toMatchObject({ name: 'ElastiCacheUserNotRotatableError' });
    expect(error.message).toContain(`"${type}"`);
    expect(fake.modifyCalls).toEqual([]);
  });

  it('a user that stays modifying: ElastiCacheUserBusyError after the bounded wait', async () => {
    fake.modifyingPolls = 1_000;
    const error = await failure(strategyFor(fake, 20_000).setSecret(versions(), ctx()));
    expect(error).toMatchObject({ name: 'ElastiCacheUserBusyError' });
    expect(error.message).toMatch(/still "modifying" after 20000 ms/);
    expect(clock).toBe(20_000);
    expect(Math.max(...sleeps)).toBe(5_000);
  });

  it('stops waiting while the invocation still has time to answer, whatever the configured wait', async () => {
    fake.modifyingPolls = 1_000;
    // 10 s left in this invocation: the wait may use what is left less the reserve kept to answer.
    const shortCtx = { ...ctx(), deadline: { remainingMs: () => 10_000 } };
    const error = await failure(strategyFor(fake, 60_000).setSecret(versions(), shortCtx));
    expect(error).toMatchObject({ name: 'ElastiCacheUserBusyError' });
    expect(error.message).toMatch(/all this invocation had left/);
    expect(clock).toBe(10_000 - DEADLINE_RESERVE_MS);
  });

  it('InvalidUserStateFault from ModifyUser: ElastiCacheUserBusyError', async () => {
    fake.modifyError = named('InvalidUserStateFault', 'User app-user is not in active state.');
    const error = await failure(strategyFor(fake).setSecret(versions(), ctx()));
    expect(error).toMatchObject({ name: 'ElastiCacheUserBusyError' });
  });

  it('throttling (after the SDK retries): ElastiCacheApiError naming the code, never a password', async () => {
    fake.modifyError = named('ThrottlingException', `Rate exceeded for ${PENDING}`);
    const error = await failure(strategyFor(fake).setSecret(versions(), ctx()));
    expect(error).toMatchObject({ name: 'ElastiCacheApiError', code: 'ThrottlingException' });
    expect(error.message).toMatch(/ModifyUser of user "app-user" failed: ThrottlingException/);
    expect(error.message).not.toContain(PENDING);
  });

  it('AccessDenied on DescribeUsers: ElastiCacheApiError, nothing changed', async () => {
    fake.describeError = named('AccessDenied', 'not authorized to perform: elasticache:DescribeUsers');
    const error = await failure(strategyFor(fake).setSecret(versions(), ctx()));
    expect(error).toMatchObject({ name: 'ElastiCacheApiError', code: 'AccessDenied' });
    expect(fake.modifyCalls).toEqual([]);
  });

  it('a pending value naming another userId is refused before any call', async () => {
    const error = await failure(
      strategyFor(fake).setSecret(versions(value(CURRENT), value(PENDING, { userId: 'other' })), ctx()),
    );
    expect(error).toMatchObject({ name: 'InvalidSecretValueError' });
    expect(fake.describeCalls).toBe(0);
  });
});

describe('elasticache-user: usage and revoke', () => {
  const old = () => version(value(CURRENT), ['AWSPREVIOUS']);
  const replacement = () => version(value(PENDING), ['AWSCURRENT']);

  it('usage is honest: unknown, ElastiCache gives no per-password signal', async () => {
    const report = await strategyFor(fake).usage(old(), replacement(), ctx());
    expect(report.inUse).toBe('unknown');
    expect(report.evidence).toMatch(/only counts passwords/);
  });

  it('refuses to revoke when the replacement does not log in', async () => {
    const error = await failure(strategyFor(fake).revoke(old(), replacement(), ctx()));
    expect(error).toMatchObject({ name: 'RevokeRefusedError' });
    expect(fake.modifyCalls).toEqual([]);
  });

  it('sets [replacement] only, waits, and confirms the old password is rejected; again changes nothing', async () => {
    fake.accepted = new Set([CURRENT, PENDING]);
    fake.user = { ...(fake.user as ElastiCacheUser), passwordCount: 2 };
    const result = await strategyFor(fake).revoke(old(), replacement(), ctx(), { terminateSessions: true });
    expect(fake.modifyCalls).toEqual([[PENDING]]);
    expect(fake.accepted).toEqual(new Set([PENDING]));
    expect(result).toMatchObject({ status: 'revoked', terminatedSessions: 0 });
    expect(result.detail).toMatch(/cannot list or end connections/);

    const again = await strategyFor(fake).revoke(old(), replacement(), ctx());
    expect(fake.modifyCalls).toHaveLength(1);
    expect(again.detail).toMatch(/already removed/);
  });
});
