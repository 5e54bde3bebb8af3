import { limited } from '../../shared/async-iterables';
import { generatePassword } from '../../shared/password';
import type { SecretVersion } from '../../shared/secret-store';
import { settled } from '../../shared/settled';
import { AWSCURRENT, AWSPENDING } from '../../shared/stages';
import { InvalidSecretValueError, MasterSecretError } from '../errors';
import { DATABASE_PASSWORD_DEFAULTS } from '../password-defaults';
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
import { mayPredate, parseAclGetUser, parseClientList, redisPasswordHash, type RedisAclUser } from './acl';
import {
  connectToRedis,
  KEYTURN_CLIENT_NAME,
  withRedisSession,
  type RedisConnect,
  type RedisSession,
} from './connection';
import { RedisTargetError, RedisUserNotFoundError } from './errors';
import { commandName, RedisCommandError } from './resp-client';
import { RespError, Sensitive, type RespArg, type RespCommand } from './resp-parser';
import {
  checkRedisLogin as checkLogin,
  parseRevocation,
  testPendingRedisCredential,
  verifyRedisCredential,
} from './login';
import { describeRedisTarget, parseRedisSecret, sameRedisServer, sameRedisUser, type RedisSecret } from './secret';
import { parsePasswordChange } from '../password-change';

/**
 * # Redis ACL user: dual-accept rotation of one user
 *
 * A Redis ACL user (Redis >= 6, Valkey) may hold several passwords at once. Rotation uses that:
 * - setSecret ADDS the pending password (`ACL SETUSER <user> #<sha256>`), so old and new both log in;
 * - revoke, after the grace window, REMOVES the old one (`ACL SETUSER <user> !<sha256>`).
 * Clients move over at their own pace and none is ever refused in between. Passwords travel
 * as SHA-256 hashes: Redis echoes ACL SETUSER arguments in its error replies (`'<plaintext'`
 * would come back in "The password you are trying to remove ... does not exist").
 * The user's other rules (on/off, commands, keys, channels, selectors) are never touched:
 * no `reset`, no `resetpass`, no `nopass`. A user that does not exist is never created.
 *
 * The changes are made by a master user named by `masterarn` (a secret of the same shape on
 * the same host:port). Its least-privilege ACL (docs/strategies.md, `redis-user`):
 *
 *     ACL SETUSER keyturn-master on >PASSWORD resetkeys resetchannels -@all
 *       +acl|setuser +acl|getuser +client|list +client|kill +hello +auth +ping
 *
 * (ACL WHOAMI and CLIENT SETNAME are not needed: HELLO names the connection and proves the
 * user.) Beware that `acl|setuser` is admin-equivalent: a master that may run it can grant
 * itself anything. Least privilege limits mistakes, not a stolen master password; guard the
 * master secret accordingly.
 *
 * Not for ElastiCache / MemoryDB: there ACL SETUSER is not available and passwords are set
 * through the ModifyUser API (at most two per user) — the same dual-accept idea, another API.
 *
 * Usage: Redis cannot tell which password a connection authenticated with. CLIENT LIST shows
 * the user's connections and their age; those opened before the replacement version was
 * created may hold the old password (inUse: true, counted). When there are none, the answer
 * is 'unknown', not false: a client that has not re-read the secret can still open new
 * connections with the old password until it is revoked, and Redis gives no sign of it.
 * keyturn's own connections (client name keyturn-rotation) are not counted.
 *
 * Accumulated passwords: a crash between setSecret and revoke, or rotations without the
 * lifecycle's revoke (Secrets Manager's own schedule), would leave passwords behind. setSecret
 * therefore also removes, in the same ACL SETUSER, the passwords of this secret's unlabelled
 * older versions (up to 10) that the user still accepts. AWSCURRENT and AWSPREVIOUS are kept:
 * a previous password may still be in its grace window. So a user holds at most three of this
 * secret's passwords (previous, current, pending), two after the lifecycle's revoke. Passwords
 * keyturn never stored (set by hand, or by another secret for the same user) are never removed.
 */
export const REDIS_USER_STRATEGY = 'redis-user' satisfies StrategyName;

/** The least-privilege command rules of the master user (see the module comment). */
export const REDIS_MASTER_ACL_RULES = [
  '-@all',
  '+acl|setuser',
  '+acl|getuser',
  '+client|list',
  '+client|kill',
  '+hello',
  '+auth',
  '+ping',
] as const;

/** How many unlabelled older versions setSecret looks at for passwords left behind. */
const STALE_VERSIONS_TO_PRUNE = 10;

function describeMasterAcl(): string {
  return REDIS_MASTER_ACL_RULES.join(' ');
}

const parseVersions = (versions: RotationVersions) =>
  parsePasswordChange(versions, parseRedisSecret, sameRedisUser, 'host, port, ssl setting');

function requireMasterArn(secret: RedisSecret): string {
  if (!secret.masterarn) {
    throw new InvalidSecretValueError(
      'a Redis user secret needs "masterarn": the ARN of the secret of a master user that may run ACL SETUSER',
    );
  }
  return secret.masterarn;
}

/**
 * A session as the master user, whose NOPERM replies become MasterSecretError naming the
 * missing permission. The master must point at the rotated user's server.
 */
async function loginAsMaster(connect: RedisConnect, secret: RedisSecret, ctx: StrategyContext): Promise<RedisSession> {
  const masterArn = requireMasterArn(secret);
  const masterVersion = await ctx.store.getVersion(masterArn, { stage: AWSCURRENT }).catch((error: unknown) => {
    throw new MasterSecretError(`the master secret ${masterArn} cannot be read: ${(error as Error).message}`);
  });
  if (!masterVersion) throw new MasterSecretError(`the master secret ${masterArn} has no AWSCURRENT value`);
  const master = parseRedisSecret(masterVersion.value, 'master');
  if (!sameRedisServer(master, secret)) {
    throw new MasterSecretError(
      `the master secret points at ${describeRedisTarget(master)}, not at the rotated user's server ${describeRedisTarget(secret)}`,
    );
  }
  // The master connects over TLS whenever the rotated secret or the master's own secret asks for it.
  const result = await connect({ ...master, ssl: secret.ssl || master.ssl });
  if (!result.accepted) {
    throw new MasterSecretError(`the master user "${master.username}" is rejected by ${describeRedisTarget(secret)}`);
  }
  const session = result.session;
  const permissionError = (name: string, detail: string) =>
    new MasterSecretError(
      `the master user "${master.username}" may not run ${name} on ${describeRedisTarget(secret)} (${detail}); ` +
        `it needs: ${describeMasterAcl()}`,
    );
  return {
    clientId: session.clientId,
    async call(...command: RespArg[]) {
      try {
        return await session.call(...command);
      } catch (error) {
        if (error instanceof RedisCommandError && error.code === 'NOPERM') {
          throw permissionError(commandName(command), 'NOPERM');
        }
        throw error;
      }
    },
    async pipeline(commands: readonly RespCommand[]) {
      const replies = await session.pipeline(commands);
      replies.forEach((reply, i) => {
        if (reply instanceof RespError && reply.code === 'NOPERM') {
          throw permissionError(commandName(commands[i] ?? []), 'NOPERM');
        }
      });
      return replies;
    },
    close: () => session.close(),
  };
}

async function requireUser(master: RedisSession, secret: RedisSecret): Promise<RedisAclUser> {
  const user = parseAclGetUser(await master.call('ACL', 'GETUSER', secret.username));
  if (!user) {
    throw new RedisUserNotFoundError(
      `user "${secret.username}" does not exist on ${describeRedisTarget(secret)}: keyturn does not create users; ` +
        'create it with the password in AWSCURRENT (ACL SETUSER) or correct "username"',
    );
  }
  return user;
}

/** A user whose passwords keyturn must not manage: nothing is changed. */
function refuseUnmanageable(user: RedisAclUser, secret: RedisSecret): void {
  const target = describeRedisTarget(secret);
  if (user.flags.includes('nopass')) {
    throw new RedisTargetError(
      `user "${secret.username}" on ${target} has nopass (any password logs in): adding a password would end that ` +
        'for every client; remove nopass deliberately before rotating',
    );
  }
  if (user.flags.includes('off')) {
    throw new RedisTargetError(
      `user "${secret.username}" on ${target} is disabled (off): no password can log in; keyturn does not enable users`,
    );
  }
}

function hashOf(version: SecretVersion | undefined, label: string, target: RedisSecret): string | undefined {
  if (!version) return undefined;
  try {
    const secret = parseRedisSecret(version.value, label);
    return sameRedisServer(secret, target) && secret.username === target.username
      ? redisPasswordHash(secret.password)
      : undefined;
  } catch {
    return undefined; // a version of another shape cannot be this user's password
  }
}

/**
 * The user's passwords that are this secret's unlabelled older versions (never a labelled one,
 * never one keyturn did not store). Nothing is read when the user holds only labelled passwords,
 * the usual case after a revoke; else the newest older versions first, as many as there are
 * unexplained passwords, and up to STALE_VERSIONS_TO_PRUNE only if those do not explain them all.
 */
async function stalePasswordHashes(
  versions: RotationVersions,
  target: RedisSecret,
  userHashes: readonly string[],
): Promise<string[]> {
  const keep = new Set(
    [versions.pending, versions.current, versions.previous]
      .map((v, i) => hashOf(v, `version ${i}`, target))
      .filter((h): h is string => h !== undefined),
  );
  const unexplained = new Set(userHashes.filter((h) => !keep.has(h)));
  if (unexplained.size === 0) return [];
  const staleAmong = async (limit: number): Promise<string[]> => {
    const stale = new Set<string>();
    for await (const version of limited(versions.older(), limit)) {
      const hash = hashOf(version, `version ${version.versionId}`, target);
      if (hash !== undefined && unexplained.has(hash)) stale.add(hash);
    }
    return [...stale];
  };
  const newest = await staleAmong(unexplained.size);
  return newest.length === unexplained.size ? newest : staleAmong(STALE_VERSIONS_TO_PRUNE);
}

/**
 * Which of `candidates` (password hashes on the user) belong to this secret's versions that are
 * neither current nor pending: at revoke, every password but the current one goes. A pending
 * version (a rotation under way) is never touched; a password keyturn never stored is kept.
 */
async function olderPasswordHashes(
  ctx: StrategyContext,
  target: RedisSecret,
  candidates: readonly string[],
): Promise<string[]> {
  if (candidates.length === 0) return [];
  const wanted = new Set(candidates);
  const found: string[] = [];
  const summaries = (await ctx.store.listVersions(ctx.secretArn))
    .filter((v) => !v.stages.includes(AWSCURRENT) && !v.stages.includes(AWSPENDING))
    .slice(0, STALE_VERSIONS_TO_PRUNE);
  for (const summary of summaries) {
    if (found.length === wanted.size) break;
    const version = await ctx.store.getVersion(ctx.secretArn, { versionId: summary.versionId });
    const hash = hashOf(version, `version ${summary.versionId}`, target);
    if (hash !== undefined && wanted.has(hash) && !found.includes(hash)) found.push(hash);
  }
  return found;
}

/** The user's connections that may predate `since`, keyturn's own and this session left out. */
async function connectionsOpenedBefore(master: RedisSession, username: string, since: Date): Promise<number[]> {
  const now = Date.now();
  const clients = parseClientList(await master.call('CLIENT', 'LIST'));
  return clients
    .filter(
      (c) =>
        c.user === username && c.name !== KEYTURN_CLIENT_NAME && c.id !== master.clientId && mayPredate(c, since, now),
    )
    .map((c) => c.id);
}

/**
 * The Redis ACL user strategy (see the module comment). `connect` opens authenticated
 * connections; tests may pass their own.
 */
export function createRedisUserStrategy(connect: RedisConnect = connectToRedis): RotationStrategy {
  return {
    // The registry's StrategyName list is the lead's to extend; until then the name is cast.
    name: REDIS_USER_STRATEGY,

    createPendingValue: (current: SecretVersion, ctx: StrategyContext) =>
      settled(() => {
        const secret = parseRedisSecret(current.value, 'current');
        requireMasterArn(secret); // fail before anything is stored
        const password = generatePassword(passwordPolicyFromTags(ctx.tags, DATABASE_PASSWORD_DEFAULTS));
        return JSON.stringify({ ...secret.fields, password });
      }),

    async setSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      const { pending, current } = parseVersions(versions);
      const master = await loginAsMaster(connect, current, ctx);
      await withRedisSession(master, async (session) => {
        // Idempotency is judged from the user's ACL, not by logging in with the pending password:
        // a nopass user would accept that password without keyturn having set anything.
        const user = await requireUser(session, pending);
        refuseUnmanageable(user, pending);
        const pendingHash = redisPasswordHash(pending.password);
        const toAdd = user.passwordHashes.includes(pendingHash) ? [] : [new Sensitive(`#${pendingHash}`)];
        const stale = await stalePasswordHashes(versions, pending, user.passwordHashes);
        if (toAdd.length === 0 && stale.length === 0) {
          ctx.logger.info('the pending password is already set: setSecret was applied before', {
            user: pending.username,
          });
          return;
        }
        // One command: the pending password is added and leftovers removed together, or nothing changes.
        await session.call('ACL', 'SETUSER', pending.username, ...toAdd, ...stale.map((h) => new Sensitive(`!${h}`)));
        ctx.logger.info('pending password added to the Redis user', {
          user: pending.username,
          passwordsBefore: user.passwordHashes.length,
          stalePasswordsRemoved: stale.length,
        });
      });
    },

    async testSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      await testPendingRedisCredential(connect, parseVersions(versions).pending, ctx);
    },

    verify: (credential: SecretVersion, ctx: StrategyContext, options?: VerifyOptions) =>
      verifyRedisCredential(connect, credential, parseRedisSecret, ctx, options),

    async usage(old: SecretVersion, replacement: SecretVersion, ctx: StrategyContext): Promise<UsageReport> {
      const oldSecret = parseRedisSecret(old.value, 'old');
      const newSecret = parseRedisSecret(replacement.value, 'replacement');
      if (!sameRedisUser(oldSecret, newSecret)) {
        throw new InvalidSecretValueError('the old and the replacement value name another host, port, ssl or user');
      }
      const user = newSecret.username;
      if (!replacement.createdAt) {
        return {
          inUse: 'unknown',
          evidence: 'the replacement version has no creation time to compare connections with',
        };
      }
      const since = replacement.createdAt;
      const master = await loginAsMaster(connect, newSecret, ctx);
      const open = await withRedisSession(master, (s) => connectionsOpenedBefore(s, user, since));
      if (open.length > 0) {
        return {
          inUse: true,
          activeSessions: open.length,
          evidence:
            `${open.length} connection(s) of user "${user}" opened before the password change at ${since.toISOString()} ` +
            'may still hold the old password (Redis does not record which password a connection used)',
        };
      }
      return {
        inUse: 'unknown',
        activeSessions: 0,
        evidence:
          `no connection of user "${user}" opened before the password change at ${since.toISOString()} remains; ` +
          'Redis does not record which password a connection used, so connections opened since may still ' +
          'use the old password until it is revoked',
      };
    },

    /**
     * After revoke (a breach of the watch window): adds the old password back to the user (`ACL SETUSER <user>
     * #<sha256>`), beside the current one, so consumers still holding it log in while they are fixed. Nothing else
     * of the user changes; a password already there is left as it is (a twin, or a retry).
     */
    async reinstate(previous: SecretVersion, current: SecretVersion, ctx: StrategyContext): Promise<boolean> {
      const { oldSecret, newSecret } = await parseRevocation(
        previous,
        current,
        { parse: parseRedisSecret, sameUser: sameRedisUser, what: 'host, port, ssl or user' },
        connect,
      );
      const oldHash = redisPasswordHash(oldSecret.password);
      const master = await loginAsMaster(connect, newSecret, ctx);
      return withRedisSession(master, async (session) => {
        const aclUser = await requireUser(session, newSecret);
        if (aclUser.passwordHashes.includes(oldHash)) return false;
        await session.call('ACL', 'SETUSER', newSecret.username, new Sensitive(`#${oldHash}`));
        return true;
      });
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
        { parse: parseRedisSecret, sameUser: sameRedisUser, what: 'host, port, ssl or user' },
        connect,
      );
      const user = newSecret.username;
      const oldHash = redisPasswordHash(oldSecret.password);
      const master = await loginAsMaster(connect, newSecret, ctx);
      return withRedisSession(master, async (session): Promise<RevokeResult> => {
        const aclUser = await requireUser(session, newSecret);
        const present = aclUser.passwordHashes.includes(oldHash);
        // Older passwords of this secret still on the user (a rotation without revoke left them) go too.
        const older = await olderPasswordHashes(
          ctx,
          newSecret,
          aclUser.passwordHashes.filter((h) => h !== oldHash && h !== redisPasswordHash(newSecret.password)),
        );
        const toRemove = [...(present ? [oldHash] : []), ...older];
        if (toRemove.length > 0) {
          await session.call('ACL', 'SETUSER', user, ...toRemove.map((h) => new Sensitive(`!${h}`)));
        }
        const oldStillWorks = await checkLogin(connect, oldSecret);
        if (oldStillWorks.ok) {
          throw new RedisTargetError(
            `the old password of "${user}" still logs in after its removal: the user may have nopass, or the same ` +
              'password was set again by hand',
          );
        }
        let terminated = 0;
        let terminationNote = '';
        if (options.terminateSessions) {
          if (replacement.createdAt) {
            const ids = await connectionsOpenedBefore(session, user, replacement.createdAt);
            const replies = await session.pipeline(ids.map((id) => ['CLIENT', 'KILL', 'ID', String(id)]));
            // A connection that closed on its own meanwhile answers 0 (or "No such client"): not an error.
            terminated = replies.filter((r) => r === 1).length;
            terminationNote = `; ${terminated} connection(s) opened before the change were ended`;
          } else {
            terminationNote = '; no connection was ended: the replacement version has no creation time';
          }
        }
        ctx.logger.info('old password removed from the Redis user', {
          user,
          alreadyRemoved: !present,
          olderPasswordsRemoved: older.length,
          terminatedSessions: terminated,
        });
        return {
          status: 'revoked',
          terminatedSessions: terminated,
          detail:
            (present
              ? `the old password was removed from user "${user}" and is rejected`
              : `the old password of user "${user}" was already removed and is rejected`) + terminationNote,
        };
      });
    },
  };
}
