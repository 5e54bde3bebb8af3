import type { SecretVersion } from '../../shared/secret-store';
import { settled } from '../../shared/settled';
import { newDatabasePassword } from '../database/password';
import { AuthenticationFailedError, RevokeRefusedError } from '../errors';
import type {
  RevokeOptions,
  RotationStrategy,
  RotationVersions,
  StrategyContext,
  UsageReport,
  VerifyOptions,
} from '../strategy';
import { withAccountLock } from './account-lock';
import {
  authPlugin,
  loginAsUser,
  loginWithHeldCredential,
  storedVersionsOf,
  testPendingCredential,
  verifyMysqlCredential,
  verifyMysqlLogin,
  withSession,
} from './common';
import { loginToMysql, type MysqlLogin, type MysqlSession } from './connection';
import { keepOnlyCurrent, makePendingPrimary, type DiscardOutcome } from './dual-password';
import { MysqlTargetError } from './errors';
import { ownPasswordStatement } from './password-statements';
import { parseMysqlSecret, sameTarget, type MysqlSecret } from './secret';
import { describeServer, supportsDualPasswords, supportsReplaceClause } from './server-version';
import { killSessions, sessionsOfUser, sessionsOpenedBefore } from './sessions';
import { parsePasswordChange } from '../password-change';

const parsePendingForCurrent = (versions: RotationVersions) =>
  parsePasswordChange(versions, parseMysqlSecret, sameTarget, 'engine, host, port, database, ssl setting');

/** The stored versions other than AWSPENDING, AWSPREVIOUS first: where an unknown primary password is looked for. */
async function* heldVersions(versions: RotationVersions): AsyncGenerator<SecretVersion> {
  yield versions.current;
  if (versions.previous) yield versions.previous;
  yield* versions.older();
}

/**
 * The password change, as the user itself. MySQL 8.0.14+: the pending password becomes the
 * primary and AWSCURRENT stays valid as the secondary until revoke discards it, by REPLACE as a
 * compare-and-swap (dual-password.ts), never a blind RETAIN. Other servers (MariaDB, MySQL before
 * 8.0.14) have one password: it is replaced, naming the current one (REPLACE) where the server
 * requires it (password_require_current).
 */
async function changeOwnPassword(
  session: MysqlSession,
  pending: MysqlSecret,
  heldPassword: string,
  versions: RotationVersions,
  ctx: StrategyContext,
): Promise<void> {
  const plugin = await authPlugin(session, session.account);
  if (supportsDualPasswords(session.version)) {
    await makePendingPrimary({ session, plugin, target: pending, ctx }, pending.password, heldPassword, () =>
      heldVersions(versions),
    );
    return;
  }
  const change = { version: session.version, account: session.account, plugin, password: pending.password };
  try {
    await session.execute(ownPasswordStatement(change));
  } catch (error) {
    const code = error instanceof MysqlTargetError ? error.code : undefined;
    if (code !== 'ER_MISSING_CURRENT_PASSWORD' || !supportsReplaceClause(session.version)) throw error;
    await session.execute(ownPasswordStatement({ ...change, replacing: heldPassword }));
  }
}

function dualPasswordDetail(outcome: DiscardOutcome, username: string, server: string): string {
  switch (outcome.kind) {
    case 'discarded':
      return `AWSCURRENT of "${username}" is proven the primary password; the secondary is discarded (${server})`;
    case 'made-primary-and-discarded':
      return `AWSCURRENT of "${username}" was only the secondary password: made the primary, then the other discarded (${server})`;
    case 'discarded-after-login-check':
      return (
        `the password history forbids the REPLACE check; none of the ${outcome.checked} password(s) set after AWSCURRENT ` +
        `authenticates, so AWSCURRENT is the primary of "${username}" and the secondary is discarded (${server})`
      );
    case 'no-secondary':
      return `"${username}" may not keep a secondary password and the old one is rejected (${server})`;
  }
}

/**
 * One MySQL or MariaDB user whose password changes in place, by the user itself (no master).
 * On MySQL 8.0.14+ the old password stays valid as the secondary one until revoke discards
 * it (dual passwords). On MariaDB, which has none, clients holding the old password cannot
 * open new sessions from setSecret on; open sessions keep working. Use alternating users where
 * that gap matters.
 */
export function createMysqlSingleUserStrategy(login: MysqlLogin = loginToMysql): RotationStrategy {
  return {
    name: 'mysql-single-user',

    createPendingValue: (current: SecretVersion, ctx: StrategyContext) =>
      settled(() => {
        const secret = parseMysqlSecret(current.value, 'current');
        return JSON.stringify({ ...secret.fields, password: newDatabasePassword(ctx) });
      }),

    async setSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      const { pending } = parsePendingForCurrent(versions);
      // AWSCURRENT first (keyturn keeps it working): a success resets the failed-login count.
      const held = await loginWithHeldCredential(login, versions, pending, { includePending: true });
      if (held.version.versionId === versions.pending.versionId) {
        // No held password works, the pending one does: an earlier attempt of this step changed it.
        await held.session.close();
        return;
      }
      await withSession(held.session, (s) =>
        withAccountLock(s, s.account, ctx, () => changeOwnPassword(s, pending, held.password, versions, ctx)),
      );
    },

    async testSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      parsePendingForCurrent(versions);
      await testPendingCredential(login, versions, ctx);
    },

    verify: (credential: SecretVersion, ctx: StrategyContext, options?: VerifyOptions) =>
      verifyMysqlCredential(login, credential, ctx, options ?? {}),

    // The process list has no session start time. Sessions provably opened before the change are
    // those whose current state (idle or one statement) began before the replacement version was
    // created, and every session with a lower connection id (ids grow with each connection).
    // They are counted as in use; the rest may have opened with either password, so when only
    // such sessions exist the answer is 'unknown', with the evidence saying so.
    async usage(_old: SecretVersion, replacement: SecretVersion): Promise<UsageReport> {
      const secret = parseMysqlSecret(replacement.value, 'replacement');
      const result = await loginAsUser(login, secret);
      if (!result.accepted) {
        return { inUse: 'unknown', evidence: `the replacement credential was refused: ${result.reason}` };
      }
      const sessions = await withSession(result.session, (s) => sessionsOfUser(s, secret.username));
      if (sessions.length === 0) {
        return { inUse: false, activeSessions: 0, evidence: `no session of "${secret.username}" is open` };
      }
      if (!replacement.createdAt) {
        return {
          inUse: 'unknown',
          evidence: `${sessions.length} session(s) of "${secret.username}" are open, and the replacement has no creation time to date them by`,
        };
      }
      const { before, unknown } = sessionsOpenedBefore(sessions, replacement.createdAt);
      const since = replacement.createdAt.toISOString();
      if (before.length === 0) {
        return {
          inUse: 'unknown',
          evidence:
            `${sessions.length} session(s) of "${secret.username}" are open; none is provably older than the change at ${since} ` +
            '(the server records no session start time, and each has been active since)',
        };
      }
      return {
        inUse: true,
        activeSessions: before.length,
        evidence:
          `${before.length} session(s) of "${secret.username}" were opened before the change at ${since}` +
          (unknown.length > 0 ? `; ${unknown.length} more of unknown age` : ''),
      };
    },

    // Only AWSCURRENT may work afterwards, proven, not assumed: on MySQL 8.0.14+ DISCARD OLD
    // PASSWORD runs once AWSCURRENT is proven the primary (dual-password.ts); elsewhere the old
    // password was replaced at setSecret. The last login is with the replacement: a success,
    // which also resets the account's failed-login count.
    async revoke(old: SecretVersion, replacement: SecretVersion, ctx: StrategyContext, options: RevokeOptions = {}) {
      const secret = parseMysqlSecret(replacement.value, 'replacement');
      const oldSecret = parseMysqlSecret(old.value, 'old');
      const result = await loginAsUser(login, secret);
      if (!result.accepted) {
        throw new RevokeRefusedError(
          `the replacement credential is refused (${result.reason}): revoking now would lock the user out`,
        );
      }
      const logsIn = async (password: string): Promise<boolean> => {
        const attempt = await loginAsUser(login, { ...secret, password });
        if (attempt.accepted) await attempt.session.close().catch(() => undefined);
        return attempt.accepted;
      };
      const { terminated, detail } = await withSession(result.session, (s) =>
        withAccountLock(s, s.account, ctx, async () => {
          let detail: string;
          const server = describeServer(s.version);
          if (supportsDualPasswords(s.version)) {
            const plugin = await authPlugin(s, s.account);
            const outcome = await keepOnlyCurrent(
              { session: s, plugin, target: secret, ctx },
              {
                current: secret.password,
                old: oldSecret.password,
                ...(replacement.createdAt ? { currentSetAt: replacement.createdAt } : {}),
              },
              () => storedVersionsOf(ctx),
              logsIn,
            );
            detail = dualPasswordDetail(outcome, secret.username, server);
          } else {
            if ((await verifyMysqlLogin(login, old, 'old')).ok) {
              throw new RevokeRefusedError(
                `the old password of "${secret.username}" still authenticates: it equals the new one`,
              );
            }
            detail = `the old password of "${secret.username}" was replaced at setSecret and is rejected (${server})`;
          }
          let terminated = 0;
          if (options.terminateSessions && replacement.createdAt) {
            const { before } = sessionsOpenedBefore(await sessionsOfUser(s, secret.username), replacement.createdAt);
            terminated = await killSessions(s, before);
          }
          return { terminated, detail };
        }),
      );
      if (!(await logsIn(secret.password))) {
        throw new AuthenticationFailedError(
          `the replacement credential of "${secret.username}" stopped authenticating during revoke`,
        );
      }
      // Confirmed above, by the server's own answers: the lifecycle need not fail another login to see it.
      return { status: 'revoked' as const, terminatedSessions: terminated, detail, confirmedRejected: true };
    },
  };
}
