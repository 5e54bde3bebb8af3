import type { SecretVersion } from '../../shared/secret-store';
import {
  loginWithHeldCredential as loginWithHeldDatabaseCredential,
  type HeldCredentialSession,
} from '../database/login';
import { withSession } from '../database/login';
import { masterWantsTls, readMasterOf } from '../database/master-fields';
import type { RdsClientProvider } from '../database/rds-client';
import { InvalidSecretValueError, MasterSecretError, PendingCredentialRejectedError } from '../errors';
import type { RotationVersions, StrategyContext, VerifyResult } from '../strategy';
import { authPluginOf, type PasswordPlugin } from './account-auth';
import { firstColumnText, type MysqlLogin, type MysqlSession } from './connection';
import { describeAccount, quoteAccount, type MysqlAccount } from './quoting';
import { DEFAULT_MYSQL_PORT, describeTarget, parseMysqlSecret, sameServer, type MysqlSecret } from './secret';
import { describeServer, maxUserNameLength, userNameLength, type ServerVersion } from './server-version';

/**
 * A session as the secret's user, or a rejection. A login that the server resolves to another
 * user (an anonymous ''@'%' account, a proxied user) is a rejection too: its password is not
 * this user's.
 */
export async function loginAsUser(
  login: MysqlLogin,
  secret: MysqlSecret,
): Promise<{ accepted: true; session: MysqlSession } | { accepted: false; reason: string }> {
  const result = await login(secret);
  if (!result.accepted) {
    return { accepted: false, reason: `user "${secret.username}" was rejected by ${describeTarget(secret)}` };
  }
  if (result.session.account.user !== secret.username) {
    const account = describeAccount(result.session.account);
    await result.session.close().catch(() => undefined);
    return { accepted: false, reason: `logged in as ${account}, not as "${secret.username}"` };
  }
  return result;
}

export async function verifyMysqlLogin(
  login: MysqlLogin,
  credential: SecretVersion,
  label: string,
): Promise<VerifyResult> {
  const result = await loginAsUser(login, parseMysqlSecret(credential.value, label));
  if (!result.accepted) return { ok: false, failure: 'rejected', reason: result.reason };
  await result.session.close().catch(() => undefined);
  return { ok: true };
}

/** testSecret for both MySQL strategies: the pending credential logs in as its user. */
export async function testPendingLogin(login: MysqlLogin, pending: SecretVersion): Promise<void> {
  const result = await verifyMysqlLogin(login, pending, 'pending');
  if (!result.ok) throw new PendingCredentialRejectedError(`pending credential does not work: ${result.reason}`);
}

/** A session as `target.username`, opened with the first held credential the server accepts. */
export function loginWithHeldCredential(
  login: MysqlLogin,
  versions: RotationVersions,
  target: MysqlSecret,
): Promise<HeldCredentialSession<MysqlSession>> {
  return loginWithHeldDatabaseCredential(versions, target, {
    login: async (credential) => {
      const result = await loginAsUser(login, credential);
      return result.accepted ? result : { accepted: false };
    },
    parse: parseMysqlSecret,
    sameAccount: (candidate, t) => candidate.username === t.username && sameServer(candidate, t),
    describeUser: (t) => `user "${t.username}"`,
    describeTarget,
  });
}

/** The account's authentication plugin; a user may read its own, the master anyone's. */
export async function authPlugin(session: MysqlSession, account: MysqlAccount): Promise<PasswordPlugin> {
  const [row] = await session.query(`SHOW CREATE USER ${quoteAccount(account)}`);
  return authPluginOf(firstColumnText(row), account);
}

/** Refuses a user name the server would not store (MySQL: 32 characters, MariaDB: 80). */
export function assertUserNameFits(version: ServerVersion, username: string): void {
  const limit = maxUserNameLength(version);
  const length = userNameLength(username);
  if (length > limit) {
    throw new InvalidSecretValueError(
      `user name "${username}" has ${length} characters; ${describeServer(version)} allows at most ${limit}`,
    );
  }
}

/**
 * A session as the master user named by the secret's `masterarn`: an ordinary secret on the same
 * database (or a replica's primary), or one Amazon RDS manages for it (database/master-secret.ts).
 */
export async function loginAsMaster(
  login: MysqlLogin,
  rds: RdsClientProvider,
  secret: MysqlSecret,
  ctx: StrategyContext,
): Promise<MysqlSession> {
  const master = await readMasterOf(secret, { family: 'mysql', defaultPort: DEFAULT_MYSQL_PORT, rds }, ctx);
  // The master needs no database; it connects over TLS if either secret asks for it.
  const { dbname: _ignored, ...withoutDatabase } = secret;
  const result = await loginAsUser(login, {
    ...withoutDatabase,
    location: master.location,
    username: master.username,
    password: master.password,
    ssl: secret.ssl || masterWantsTls(master),
  });
  if (!result.accepted) {
    throw new MasterSecretError(
      `the master user "${master.username}" is rejected by ${describeTarget(secret)}: ${result.reason}`,
    );
  }
  return result.session;
}

export { withSession };
