import { isConfigurationTest } from '../configuration-test';
import { requirePendingVerified } from '../verify-result';
import { generatePassword } from '../../shared/password';
import type { SecretVersion } from '../../shared/secret-store';
import { settled } from '../../shared/settled';
import { requireMasterArn } from '../database/master-fields';
import { lambdaRdsClient, type RdsClientProvider } from '../database/rds-client';
import { newDatabasePassword } from '../database/password';
import { AuthenticationFailedError, InvalidSecretValueError, RevokeRefusedError } from '../errors';
import type {
  RevokeOptions,
  RotationStrategy,
  RotationVersions,
  StrategyContext,
  UsageReport,
  VerifyOptions,
} from '../strategy';
import { withAccountLock } from './account-lock';
import { copyAccountPrivileges } from './clone-grants';
import { missingPrivileges } from './privilege-parity';
import {
  assertUserNameFits,
  authPlugin,
  loginAsMaster,
  loginAsUser,
  type PrivilegeParityCheck,
  testPendingCredential,
  verifyMysqlCredential,
  verifyMysqlLogin,
  withSession,
} from './common';
import { loginToMysql, type MysqlLogin, type MysqlSession } from './connection';
import { MysqlTargetError, UnexpectedAccountError } from './errors';
import { createUserStatement, setPasswordStatement } from './password-statements';
import { describeAccount, type MysqlAccount } from './quoting';
import { parseMysqlSecret, sameTarget, type MysqlSecret } from './secret';
import { MAX_USER_NAME_LENGTH_ANY_SERVER, userNameLength } from './server-version';
import { killSessions, seesAllSessions, sessionsOfUser } from './sessions';
import { assertNoRotationSince } from '../reinstate-guard';

export const CLONE_SUFFIX = '_clone';

/** The user that is not a clone: the one whose privileges are the reference. */
export function originalUsername(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : username;
}

/** The user a rotation switches to: `name` ⇄ `name_clone`. The server's own limit is checked at setSecret. */
export function alternateUsername(username: string): string {
  const other = username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : username + CLONE_SUFFIX;
  if (other.length === 0 || userNameLength(other) > MAX_USER_NAME_LENGTH_ANY_SERVER) {
    throw new InvalidSecretValueError(
      `user "${username}" cannot alternate: "${other}" is not a valid user name (1 to ${MAX_USER_NAME_LENGTH_ANY_SERVER} characters)`,
    );
  }
  return other;
}

function parseVersions(versions: RotationVersions): { pending: MysqlSecret; current: MysqlSecret } {
  const current = parseMysqlSecret(versions.current.value, 'current');
  const pending = parseMysqlSecret(versions.pending.value, 'pending');
  if (!sameTarget(pending, current)) {
    throw new InvalidSecretValueError(
      'the pending value names another engine, host, port, database or ssl setting than the current value',
    );
  }
  if (pending.username !== alternateUsername(current.username)) {
    throw new InvalidSecretValueError(
      `the pending value's user must be "${alternateUsername(current.username)}", the alternate of the current user`,
    );
  }
  return { pending, current };
}

async function accountExists(master: MysqlSession, account: MysqlAccount): Promise<boolean> {
  const rows = await master.query('SELECT 1 AS present FROM mysql.user WHERE User = ? AND Host = ?', [
    account.user,
    account.host,
  ]);
  return rows.length > 0;
}

/**
 * The host part both users share: that of the account the current credential logs in as
 * (CURRENT_USER(), so of several accounts of one name, the one clients really use). If the
 * current credential no longer works, the user's only account, if it has one.
 */
async function sharedHost(login: MysqlLogin, current: MysqlSecret, master: MysqlSession): Promise<string> {
  const result = await login(current);
  if (result.accepted) {
    const account = result.session.account;
    await result.session.close().catch(() => undefined);
    if (account.user !== current.username) {
      throw new UnexpectedAccountError(
        `the current credential logs in as ${describeAccount(account)}, not as "${current.username}": an anonymous or proxied account is not rotated`,
      );
    }
    return account.host;
  }
  const rows = await master.query<{ host: string }>('SELECT Host AS host FROM mysql.user WHERE User = ?', [
    current.username,
  ]);
  const [only] = rows;
  if (rows.length === 1 && only) return only.host;
  throw new AuthenticationFailedError(
    `the current credential of "${current.username}" is rejected, and the user has ${rows.length} accounts: ` +
      'keyturn cannot tell which one to alternate; put the working password in AWSCURRENT and rotate again',
  );
}

/**
 * Two MySQL or MariaDB users take turns: each rotation sets a new password on the user that
 * is not current and makes it current, so the previous user keeps working through the grace
 * window. The master (from `masterarn`) creates `name_clone` on first rotation, with the
 * original's authentication plugin and host part, and on every rotation makes the clone's
 * privileges exactly the original's (clone-grants.ts): drift either way is repaired.
 * setSecret therefore always runs as the master, holding the pending account's GET_LOCK; it
 * sets the pending password even if an earlier attempt did (that changes nothing, and finding
 * out by a login would be a failed login of the pending user).
 */
export function createMysqlAlternatingUsersStrategy(
  login: MysqlLogin = loginToMysql,
  rds: RdsClientProvider = lambdaRdsClient,
): RotationStrategy {
  const parity: PrivilegeParityCheck = (session, credential, replaced, ctx) =>
    missingPrivileges(login, rds, session.account.host, credential, replaced, ctx);
  return {
    name: 'mysql-alternating-users',

    createPendingValue: (current: SecretVersion, ctx: StrategyContext) =>
      settled(() => {
        const secret = parseMysqlSecret(current.value, 'current');
        requireMasterArn(secret);
        const username = alternateUsername(secret.username);
        return JSON.stringify({ ...secret.fields, username, password: newDatabasePassword(ctx) });
      }),

    async setSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      const { pending, current } = parseVersions(versions);
      const master = await loginAsMaster(login, rds, current, ctx);
      await withSession(master, async (m) => {
        assertUserNameFits(m.version, current.username);
        assertUserNameFits(m.version, pending.username);
        const host = await sharedHost(login, current, m);
        const pendingAccount = { user: pending.username, host };
        // Two invocations of this step at once take turns on the account they change.
        await withAccountLock(m, pendingAccount, ctx, () => setPendingAccount(m, host));
      });
      async function setPendingAccount(m: MysqlSession, host: string): Promise<void> {
        const pendingAccount = { user: pending.username, host };
        const currentAccount = { user: current.username, host };
        const original = { user: originalUsername(current.username), host };
        const clone = { user: original.user + CLONE_SUFFIX, host };
        if (!(await accountExists(m, currentAccount))) {
          throw new AuthenticationFailedError(
            `account ${describeAccount(currentAccount)} does not exist on the server`,
          );
        }
        const created = !(await accountExists(m, pendingAccount));
        if (created) {
          // The same plugin as the current account, the pending password from its first moment.
          const plugin = await authPlugin(m, currentAccount);
          await m.execute(createUserStatement(m.version, pendingAccount, plugin, pending.password));
        }
        // Every rotation, whichever way it goes: the clone holds exactly the original's privileges.
        // Only an original created just now (a secret that started on the clone's name) is the copy instead.
        const [from, to] = created && pendingAccount.user === original.user ? [clone, original] : [original, clone];
        const copy = await copyAccountPrivileges(m, from, to);
        if (copy.skippedProxies.length > 0) {
          ctx.logger.warn(
            `PROXY grants of ${describeAccount(from)} are not copied to ${describeAccount(to)}: ${copy.skippedProxies.join(', ')}`,
          );
        }
        if (created) return;
        // Set by the master whether or not an earlier attempt did (setting it again changes nothing): a
        // login to find out would be a failed login of the pending user when it was not.
        const plugin = await authPlugin(m, pendingAccount);
        try {
          await m.execute(setPasswordStatement(m.version, pendingAccount, plugin, pending.password));
        } catch (error) {
          // The password history refuses a password the account had: the pending one, set by an earlier attempt.
          if (!(error instanceof MysqlTargetError && error.code === 'ER_CREDENTIALS_CONTRADICT_TO_HISTORY'))
            throw error;
        }
      }
    },

    async testSecret(versions: RotationVersions, ctx: StrategyContext): Promise<void> {
      if (isConfigurationTest(versions)) {
        // The current user logs in and passes the probe, and the master the next rotation needs logs in too.
        const current = parseMysqlSecret(versions.current.value, 'current');
        await (await loginAsMaster(login, rds, current, ctx)).close();
        requirePendingVerified(await verifyMysqlCredential(login, versions.pending, ctx, { probe: true }, parity));
        return;
      }
      parseVersions(versions);
      await testPendingCredential(login, versions, ctx, parity);
    },

    verify: (credential: SecretVersion, ctx: StrategyContext, options?: VerifyOptions) =>
      verifyMysqlCredential(login, credential, ctx, options ?? {}, parity),

    // Exact: every session of the old user name is a client still on the old credential
    // (keyturn's own check runs as the master). Needs the master to see all sessions (PROCESS).
    // The process list names users, not accounts: other accounts of the same name (another host
    // part) would count too, and revoke's terminateSessions would end theirs as well.
    async usage(old: SecretVersion, replacement: SecretVersion, ctx: StrategyContext): Promise<UsageReport> {
      const oldSecret = parseMysqlSecret(old.value, 'old');
      const master = await loginAsMaster(login, rds, parseMysqlSecret(replacement.value, 'replacement'), ctx);
      return withSession(master, async (m): Promise<UsageReport> => {
        if (!(await seesAllSessions(m))) {
          return {
            inUse: 'unknown',
            evidence: `the master ${describeAccount(m.account)} lacks PROCESS and cannot see other users' sessions`,
          };
        }
        const open = (await sessionsOfUser(m, oldSecret.username)).length;
        return {
          inUse: open > 0,
          activeSessions: open,
          evidence: `${open} open session(s) of the old user "${oldSecret.username}"`,
        };
      });
    },

    // The old account is kept (the next rotation reuses it, with its grants) and given an
    // unknown random password, rather than ACCOUNT LOCK: a locked account would answer logins
    // with a different error than a wrong password, and the next setSecret would have to unlock
    // it; a password nobody knows leaves the account exactly as a rotation expects to find it.
    /**
     * After revoke (a breach of the watch window): the old account gets its previous password again, so consumers
     * still holding it log in while they are fixed; AWSCURRENT's account is never touched. Under the account's lock,
     * as setSecret and revoke, and only while the secret's labels are as they were (a next rotation's setSecret gives
     * this same account its next password: never undone). Nothing changes while the old password still works.
     */
    async reinstate(previous: SecretVersion, current: SecretVersion, ctx: StrategyContext): Promise<boolean> {
      const oldSecret = parseMysqlSecret(previous.value, 'previous');
      const newSecret = parseMysqlSecret(current.value, 'current');
      if (oldSecret.username === newSecret.username) {
        throw new RevokeRefusedError(
          `the previous and the current credential are the same user "${newSecret.username}": reinstating would change AWSCURRENT's`,
        );
      }
      if ((await verifyMysqlLogin(login, previous, 'previous')).ok) return false;
      const currentLogin = await loginAsUser(login, newSecret);
      if (!currentLogin.accepted) {
        throw new RevokeRefusedError(`the current credential does not authenticate (${currentLogin.reason})`);
      }
      const oldAccount = { user: oldSecret.username, host: currentLogin.session.account.host };
      await currentLogin.session.close().catch(() => undefined);
      const master = await loginAsMaster(login, rds, newSecret, ctx);
      return withSession(master, (m) =>
        withAccountLock(m, oldAccount, ctx, async () => {
          await assertNoRotationSince(ctx, current);
          if (!(await accountExists(m, oldAccount))) {
            throw new UnexpectedAccountError(
              `account ${describeAccount(oldAccount)} no longer exists: nothing to reinstate`,
            );
          }
          if ((await verifyMysqlLogin(login, previous, 'previous')).ok) return false; // a twin did it
          const plugin = await authPlugin(m, oldAccount);
          await m.execute(setPasswordStatement(m.version, oldAccount, plugin, oldSecret.password));
          return true;
        }),
      );
    },

    async revoke(old: SecretVersion, replacement: SecretVersion, ctx: StrategyContext, options: RevokeOptions = {}) {
      const oldSecret = parseMysqlSecret(old.value, 'old');
      const newSecret = parseMysqlSecret(replacement.value, 'replacement');
      if (oldSecret.username === newSecret.username) {
        throw new RevokeRefusedError(
          `the old and the replacement credential are the same user "${newSecret.username}"`,
        );
      }
      const replacementLogin = await loginAsUser(login, newSecret);
      if (!replacementLogin.accepted) {
        throw new RevokeRefusedError(
          `the replacement does not authenticate (${replacementLogin.reason}): revoking the old user would cut every client off`,
        );
      }
      const host = replacementLogin.session.account.host;
      await replacementLogin.session.close().catch(() => undefined);
      const oldAccount = { user: oldSecret.username, host };
      const master = await loginAsMaster(login, rds, newSecret, ctx);
      // Under the account's lock, as setSecret: the password changes only while the old credential still works,
      // so a twin revoke changes nothing and a next rotation's setSecret, which gives this same account its new
      // password, is never undone. One failed login of the old account either way (the check before or after).
      const { replaced, terminated } = await withSession(master, (m) =>
        withAccountLock(m, oldAccount, ctx, async () => {
          if (!(await accountExists(m, oldAccount))) return { replaced: false, terminated: 0 };
          const oldWorked = (await verifyMysqlLogin(login, old, 'old')).ok;
          if (oldWorked) {
            const plugin = await authPlugin(m, oldAccount);
            await m.execute(setPasswordStatement(m.version, oldAccount, plugin, generatePassword({ length: 64 })));
          }
          if (!options.terminateSessions) return { replaced: oldWorked, terminated: 0 };
          return {
            replaced: oldWorked,
            terminated: await killSessions(m, await sessionsOfUser(m, oldSecret.username)),
          };
        }),
      );
      if (replaced && (await verifyMysqlLogin(login, old, 'old')).ok)
        throw new RevokeRefusedError(`user "${oldSecret.username}" still authenticates after revoke`);
      return {
        status: 'revoked' as const,
        terminatedSessions: terminated,
        detail: replaced
          ? `account ${describeAccount(oldAccount)} got an unknown random password; the account and its grants are kept`
          : `the old password of account ${describeAccount(oldAccount)} was already rejected (revoked by an earlier attempt, or replaced by a later rotation); nothing changed`,
        // Checked above: the lifecycle need not fail another login of the old account to see it.
        confirmedRejected: true,
      };
    },
  };
}
