import { waitBudgetMs } from '../../shared/deadline';
import { generatePassword, type PasswordPolicy } from '../../shared/password';
import type { SecretVersion } from '../../shared/secret-store';
import { settled } from '../../shared/settled';
import { InvalidSecretValueError } from '../errors';
import { DATABASE_PASSWORD_DEFAULTS } from '../password-defaults';
import { parsePasswordChange } from '../password-change';
import type {
  RevokeOptions,
  RevokeResult,
  RotationStrategy,
  RotationVersions,
  StrategyContext,
  StrategyName,
  UsageReport,
  VerifyOptions,
} from '../strategy';
import { passwordPolicyFromTags } from '../tag-options';
import { connectToRedis, type RedisConnect } from './connection';
import {
  ElastiCacheErrorName,
  type ElastiCacheUser,
  type ElastiCacheUserApi,
  type ElastiCacheUserApiProvider,
} from './elasticache-api';
import { lambdaElastiCacheUserApi } from './elasticache-client';
import { parseElastiCacheUserSecret, sameElastiCacheUser, type ElastiCacheUserSecret } from './elasticache-secret';
import {
  ElastiCacheApiError,
  ElastiCacheUserBusyError,
  ElastiCacheUserNotFoundError,
  ElastiCacheUserNotRotatableError,
  RedisTargetError,
} from './errors';
import { checkRedisLogin, parseRevocation, testPendingRedisCredential, verifyRedisCredential } from './login';
import { describeRedisTarget } from './secret';

/**
 * # ElastiCache / MemoryDB RBAC user: dual-accept rotation through the ElastiCache API
 *
 * On ElastiCache (and MemoryDB) `ACL SETUSER` is disabled; a user's passwords are set with the
 * ModifyUser API, which REPLACES the user's password set (at most two passwords). Rotation:
 * - setSecret: ModifyUser with [AWSCURRENT's password, the pending password], so clients on the
 *   current password keep working while others move to the new one;
 * - revoke, after the grace window: ModifyUser with [the replacement] only.
 * After each ModifyUser the user is `modifying` until ElastiCache has applied it to the clusters
 * of its user groups; keyturn waits (bounded, DescribeUsers with backoff) until it is `active`.
 * Only the password set changes: the access string is never sent.
 * Because ElastiCache holds at most two passwords, setSecret drops any third one: a previous
 * password that a skipped revoke left on the user stops working when the next rotation begins.
 *
 * The secret: `{ engine: 'redis', host, port, username, password, ssl, userId }`. No masterarn:
 * the rotation function's IAM role is the "master" (elasticache:DescribeUsers and
 * elasticache:ModifyUser on the user's ARN). A user that does not exist, or that authenticates
 * with IAM or needs no password, is refused with nothing changed; keyturn never creates users.
 *
 * Usage: without a Redis user that may run CLIENT LIST, and with no per-password signal from
 * ElastiCache (DescribeUsers only counts passwords), the answer is always 'unknown'.
 */
export const ELASTICACHE_USER_STRATEGY = 'elasticache-user' satisfies StrategyName;

/** ElastiCache refuses passwords shorter or longer than this, or holding these characters. */
export const ELASTICACHE_PASSWORD_MIN_LENGTH = 16;
export const ELASTICACHE_PASSWORD_MAX_LENGTH = 128;
export const ELASTICACHE_PASSWORD_FORBIDDEN = ',"/@';

/** The database defaults, plus the characters ElastiCache refuses (`,` `"` `/` `@`) and the space. */
export const ELASTICACHE_PASSWORD_DEFAULTS: PasswordPolicy = {
  ...DATABASE_PASSWORD_DEFAULTS,
  excludeCharacters: `${DATABASE_PASSWORD_DEFAULTS.excludeCharacters ?? ''}${ELASTICACHE_PASSWORD_FORBIDDEN} `,
};

export interface ElastiCacheUserStrategyOptions {
  /** How long keyturn waits for a `modifying` user to become `active`, at most what the invocation has left. @default 30_000 */
  readonly waitTimeoutMs?: number;
  /** The first pause between DescribeUsers polls; it doubles up to maxPollIntervalMs. @default 500 */
  readonly pollIntervalMs?: number;
  /** @default 5_000 */
  readonly maxPollIntervalMs?: number;
  /** For tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A password policy from the tags, bounded by what ElastiCache accepts. */
function elastiCachePasswordPolicy(ctx: StrategyContext): PasswordPolicy {
  const policy = passwordPolicyFromTags(ctx.tags, ELASTICACHE_PASSWORD_DEFAULTS);
  const length = policy.length ?? ELASTICACHE_PASSWORD_DEFAULTS.length ?? 32;
  if (length < ELASTICACHE_PASSWORD_MIN_LENGTH || length > ELASTICACHE_PASSWORD_MAX_LENGTH) {
    throw new InvalidSecretValueError(
      `ElastiCache passwords are ${ELASTICACHE_PASSWORD_MIN_LENGTH} to ${ELASTICACHE_PASSWORD_MAX_LENGTH} characters; ` +
        `the password policy asks for ${length}`,
    );
  }
  const excluded = new Set(Array.from(`${policy.excludeCharacters ?? ''}${ELASTICACHE_PASSWORD_FORBIDDEN} `));
  // ElastiCache wants printable characters: never a space, whatever the tags say.
  return { ...policy, length, excludeCharacters: [...excluded].join(''), includeSpace: false };
}

const parseVersions = (versions: RotationVersions) =>
  parsePasswordChange(versions, parseElastiCacheUserSecret, sameElastiCacheUser, 'host, port, ssl setting, userId');

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown';
}

/** An SDK error as a named keyturn error; its message is the API's (which never echoes passwords), scrubbed anyway. */
function apiFailure(
  error: unknown,
  action: string,
  secret: ElastiCacheUserSecret,
  passwords: readonly string[] = [],
): Error {
  const name = errorName(error);
  let detail = error instanceof Error ? error.message : 'non-error thrown';
  for (const password of passwords) detail = detail.split(password).join('***');
  if (name === ElastiCacheErrorName.userNotFound) return userNotFound(secret);
  if (name === ElastiCacheErrorName.invalidUserState) {
    return new ElastiCacheUserBusyError(
      `ElastiCache refused ${action} of user "${secret.userId}" for its state (${name}: ${detail})`,
    );
  }
  return new ElastiCacheApiError(`ElastiCache ${action} of user "${secret.userId}" failed: ${name}: ${detail}`, name);
}

function userNotFound(secret: ElastiCacheUserSecret): ElastiCacheUserNotFoundError {
  return new ElastiCacheUserNotFoundError(
    `ElastiCache user "${secret.userId}" does not exist (in this account and region): keyturn does not create ` +
      'users; create it with the password in AWSCURRENT, or correct "userId"',
  );
}

async function describe(api: ElastiCacheUserApi, secret: ElastiCacheUserSecret): Promise<ElastiCacheUser> {
  let user: ElastiCacheUser | undefined;
  try {
    user = await api.describeUser(secret.userId);
  } catch (error) {
    throw apiFailure(error, 'DescribeUsers', secret);
  }
  if (!user) throw userNotFound(secret);
  return user;
}

/** A user whose passwords keyturn must not manage: nothing is changed. */
function refuseUnmanageable(user: ElastiCacheUser, secret: ElastiCacheUserSecret): void {
  const type = user.authenticationType;
  if (type !== undefined && type !== 'password') {
    throw new ElastiCacheUserNotRotatableError(
      `ElastiCache user "${secret.userId}" authenticates with "${type}", not passwords: there is no password to ` +
        'rotate (an IAM user uses short-lived tokens; a no-password user accepts any)',
    );
  }
  if (user.status === 'deleting') {
    throw new ElastiCacheUserNotRotatableError(`ElastiCache user "${secret.userId}" is being deleted`);
  }
  if (user.userName !== undefined && user.userName !== secret.username) {
    throw new InvalidSecretValueError(
      `ElastiCache user "${secret.userId}" has the user name "${user.userName}", but the secret's "username" is ` +
        `"${secret.username}"`,
    );
  }
}

export function createElastiCacheUserStrategy(
  connect: RedisConnect = connectToRedis,
  elasticache: ElastiCacheUserApiProvider = lambdaElastiCacheUserApi,
  options: ElastiCacheUserStrategyOptions = {},
): RotationStrategy {
  const waitTimeoutMs = options.waitTimeoutMs ?? 30_000;
  const firstPause = options.pollIntervalMs ?? 500;
  const maxPause = options.maxPollIntervalMs ?? 5_000;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;

  /** Polls DescribeUsers until the user is `active` (backoff, bounded); returns it. */
  async function waitUntilActive(
    api: ElastiCacheUserApi,
    secret: ElastiCacheUserSecret,
    ctx: StrategyContext,
    first?: ElastiCacheUser,
  ): Promise<ElastiCacheUser> {
    // The wait ends before the invocation must answer, whichever comes first (shared/deadline.ts).
    const budgetMs = Math.min(waitTimeoutMs, waitBudgetMs(ctx.deadline));
    const started = now();
    const deadline = started + budgetMs;
    let pause = firstPause;
    let user = first ?? (await describe(api, secret));
    while (user.status !== 'active') {
      refuseUnmanageable(user, secret);
      if (now() >= deadline) {
        throw new ElastiCacheUserBusyError(
          `ElastiCache user "${secret.userId}" is still "${user.status ?? 'unknown'}" after ${now() - started} ms` +
            `${budgetMs < waitTimeoutMs ? ' (all this invocation had left)' : ''}; a retry will wait again`,
        );
      }
      ctx.logger.debug('waiting for the ElastiCache user to become active', {
        userId: secret.userId,
        status: user.status,
      });
      await sleep(Math.min(pause, Math.max(0, deadline - now())));
      pause = Math.min(pause * 2, maxPause);
      user = await describe(api, secret);
    }
    refuseUnmanageable(user, secret);
    return user;
  }

  /** ModifyUser with exactly `passwords`, then waits until the user is active again. */
  async function setPasswords(
    api: ElastiCacheUserApi,
    secret: ElastiCacheUserSecret,
    passwords: readonly string[],
    ctx: StrategyContext,
  ): Promise<void> {
    try {
      await api.setUserPasswords(secret.userId, passwords);
    } catch (error) {
      throw apiFailure(error, 'ModifyUser', secret, passwords);
    }
    await waitUntilActive(api, secret, ctx);
  }

  /** The user, checked and settled (`active`) before anything is changed. */
  async function activeUser(secret: ElastiCacheUserSecret, ctx: StrategyContext) {
    const api = await elasticache();
    const user = await describe(api, secret);
    refuseUnmanageable(user, secret);
    return { api, user: await waitUntilActive(api, secret, ctx, user) };
  }

  return {
    name: ELASTICACHE_USER_STRATEGY,

    createPendingValue: (current: SecretVersion, ctx: StrategyContext) =>
      settled(() => {
        const secret = parseElastiCacheUserSecret(current.value, 'current');
        const password = generatePassword(elastiCachePasswordPolicy(ctx));
        return JSON.stringify({ ...secret.fields, password });
      }),

    async setSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      const { pending, current } = parseVersions(versions);
      const { api, user } = await activeUser(pending, ctx);
      // Judged after the user is known to need a password: a no-password user would accept anything.
      const pendingWorks = await checkRedisLogin(connect, pending);
      if (pendingWorks.ok) {
        ctx.logger.info('the pending password already logs in: setSecret was applied before', {
          userId: pending.userId,
        });
        return;
      }
      const passwords =
        current.password === pending.password ? [pending.password] : [current.password, pending.password];
      await setPasswords(api, pending, passwords, ctx);
      ctx.logger.info('ElastiCache user now accepts the current and the pending password', {
        userId: pending.userId,
        passwordsBefore: user.passwordCount,
      });
    },

    async testSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      await testPendingRedisCredential(connect, parseVersions(versions).pending, ctx);
    },

    verify: (credential: SecretVersion, ctx: StrategyContext, options?: VerifyOptions) =>
      verifyRedisCredential(connect, credential, parseElastiCacheUserSecret, ctx, options),

    usage(old: SecretVersion, replacement: SecretVersion): Promise<UsageReport> {
      return settled(() => {
        const oldSecret = parseElastiCacheUserSecret(old.value, 'old');
        const newSecret = parseElastiCacheUserSecret(replacement.value, 'replacement');
        if (!sameElastiCacheUser(oldSecret, newSecret)) {
          throw new InvalidSecretValueError('the old and the replacement value name another host, port, ssl or user');
        }
        return {
          inUse: 'unknown',
          evidence:
            `ElastiCache does not say which password a connection of user "${newSecret.username}" used ` +
            '(DescribeUsers only counts passwords), and keyturn holds no Redis user that may run CLIENT LIST: ' +
            'clients may use the old password until it is revoked',
        };
      });
    },

    /**
     * After revoke (a breach of the watch window): ModifyUser with [the current, the old] password, so consumers still
     * holding the old one log in while they are fixed (ElastiCache holds two). Nothing changes while the old password
     * still logs in; the current one is always kept.
     */
    async reinstate(previous: SecretVersion, current: SecretVersion, ctx: StrategyContext): Promise<boolean> {
      const { oldSecret, newSecret } = await parseRevocation(
        previous,
        current,
        { parse: parseElastiCacheUserSecret, sameUser: sameElastiCacheUser, what: 'host, port, ssl, user or userId' },
        connect,
      );
      if ((await checkRedisLogin(connect, oldSecret)).ok) return false;
      const { api } = await activeUser(newSecret, ctx);
      await setPasswords(api, newSecret, [newSecret.password, oldSecret.password], ctx);
      ctx.logger.info('old password added back to the ElastiCache user', { userId: newSecret.userId });
      return true;
    },

    async revoke(
      old: SecretVersion,
      replacement: SecretVersion,
      ctx: StrategyContext,
      options: RevokeOptions = {},
    ): Promise<RevokeResult> {
      const { oldSecret, newSecret } = await parseRevocation(
        old,
        replacement,
        { parse: parseElastiCacheUserSecret, sameUser: sameElastiCacheUser, what: 'host, port, ssl, user or userId' },
        connect,
      );
      const id = newSecret.userId;
      const { api, user } = await activeUser(newSecret, ctx);
      const oldWorks = await checkRedisLogin(connect, oldSecret);
      const alreadyDone = !oldWorks.ok && user.passwordCount === 1;
      if (!alreadyDone) await setPasswords(api, newSecret, [newSecret.password], ctx);
      const oldStillWorks = await checkRedisLogin(connect, oldSecret);
      if (oldStillWorks.ok) {
        throw new RedisTargetError(
          `the old password of ElastiCache user "${id}" still logs in at ${describeRedisTarget(newSecret)} after ` +
            'ModifyUser removed it: the change may not have reached this endpoint yet; a retry checks again',
        );
      }
      ctx.logger.info('old password removed from the ElastiCache user', { userId: id, alreadyRemoved: alreadyDone });
      const terminationNote = options.terminateSessions
        ? '; no connection was ended: without a master Redis user keyturn cannot list or end connections on ElastiCache'
        : '';
      return {
        status: 'revoked',
        terminatedSessions: 0,
        detail:
          (alreadyDone
            ? `the old password of ElastiCache user "${id}" was already removed and is rejected`
            : `ElastiCache user "${id}" now holds only the replacement password; the old one is rejected`) +
          terminationNote,
      };
    },
  };
}
