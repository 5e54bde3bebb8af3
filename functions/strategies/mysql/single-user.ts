import type { SecretVersion } from '../../shared/secret-store';
import { settled } from '../../shared/settled';
import { newDatabasePassword } from '../database/password';
import { RevokeRefusedError } from '../errors';
import type { RevokeOptions, RotationStrategy, RotationVersions, StrategyContext, UsageReport } from '../strategy';
import {
  authPlugin,
  loginAsUser,
  loginWithHeldCredential,
  testPendingLogin,
  verifyMysqlLogin,
  withSession,
} from './common';
import { loginToMysql, type MysqlLogin, type MysqlSession } from './connection';
import { MysqlTargetError } from './errors';
import { discardOldPasswordStatement, ownPasswordStatement } from './password-statements';
import { describeAccount } from './quoting';
import { parseMysqlSecret, sameTarget } from './secret';
import { describeServer, supportsDualPasswords, supportsReplaceClause } from './server-version';
import { killSessions, sessionsOfUser, sessionsOpenedBefore } from './sessions';
import { parsePasswordChange } from '../password-change';

const parsePendingForCurrent = (versions: RotationVersions) =>
  parsePasswordChange(versions, parseMysqlSecret, sameTarget, 'engine, host, port, database, ssl setting');

/**
 * The password change, as the user itself. MySQL 8.0.14+ keeps the current password as the
 * secondary one (RETAIN CURRENT PASSWORD) so clients holding it keep connecting until revoke
 * discards it; that needs APPLICATION_PASSWORD_ADMIN, and without it the change goes ahead
 * without a grace window (logged). Where the server requires the current password
 * (password_require_current), it is named with REPLACE.
 */
async function changeOwnPassword(
  session: MysqlSession,
  password: string,
  heldPassword: string,
  ctx: StrategyContext,
): Promise<void> {
  const plugin = await authPlugin(session, session.account);
  const change = { version: session.version, account: session.account, plugin, password };
  let retainCurrent = supportsDualPasswords(session.version);
  let replacing: string | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await session.execute(ownPasswordStatement({ ...change, retainCurrent, replacing }));
      return;
    } catch (error) {
      const code = error instanceof MysqlTargetError ? error.code : undefined;
      if (retainCurrent && code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR') {
        ctx.logger.warn(
          `${describeAccount(session.account)} may not keep its old password (grant it APPLICATION_PASSWORD_ADMIN for a grace window): changing it without one`,
        );
        retainCurrent = false;
      } else if (
        replacing === undefined &&
        code === 'ER_MISSING_CURRENT_PASSWORD' &&
        supportsReplaceClause(session.version)
      ) {
        replacing = heldPassword;
      } else {
        throw error;
      }
    }
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
      const already = await loginAsUser(login, pending);
      if (already.accepted) {
        await already.session.close();
        return; // applied by an earlier attempt of this step
      }
      const held = await loginWithHeldCredential(login, versions, pending);
      await withSession(held.session, (s) => changeOwnPassword(s, pending.password, held.password, ctx));
    },

    async testSecret(versions: RotationVersions): Promise<void> {
      parsePendingForCurrent(versions);
      await testPendingLogin(login, versions.pending);
    },

    verify: (credential) => verifyMysqlLogin(login, credential, `version ${credential.versionId}`),

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

    async revoke(old: SecretVersion, replacement: SecretVersion, _ctx: StrategyContext, options: RevokeOptions = {}) {
      const secret = parseMysqlSecret(replacement.value, 'replacement');
      const result = await loginAsUser(login, secret);
      if (!result.accepted) {
        throw new RevokeRefusedError(
          `the replacement credential is refused (${result.reason}): revoking now would lock the user out`,
        );
      }
      const { terminated, discarded, server } = await withSession(result.session, async (s) => {
        let discarded = false;
        if (supportsDualPasswords(s.version) && (await verifyMysqlLogin(login, old, 'old')).ok) {
          await s.query(discardOldPasswordStatement(s.account));
          discarded = true;
        }
        let terminated = 0;
        if (options.terminateSessions && replacement.createdAt) {
          const { before } = sessionsOpenedBefore(await sessionsOfUser(s, secret.username), replacement.createdAt);
          terminated = await killSessions(s, before);
        }
        return { terminated, discarded, server: describeServer(s.version) };
      });
      const oldStillWorks = await verifyMysqlLogin(login, old, 'old');
      if (oldStillWorks.ok) {
        throw new RevokeRefusedError(
          `the old password of "${secret.username}" still authenticates: it equals the new one`,
        );
      }
      return {
        status: 'revoked' as const,
        terminatedSessions: terminated,
        detail: discarded
          ? `the old password of "${secret.username}" was kept as the secondary one and is now discarded (${server})`
          : `the old password of "${secret.username}" was replaced at setSecret and is rejected`,
      };
    },
  };
}
