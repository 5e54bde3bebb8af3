import type { SecretVersion } from '../../shared/secret-store';
import {
  loginWithHeldCredential as loginWithHeldDatabaseCredential,
  type HeldCredentialSession,
} from '../database/login';
import { withSession } from '../database/login';
import { masterWantsTls, readMasterOf } from '../database/master-fields';
import type { RdsClientProvider } from '../database/rds-client';
import { InvalidSecretValueError, MasterSecretError } from '../errors';
import type { RotationVersions, StrategyContext, VerifyOptions, VerifyResult } from '../strategy';
import { requirePendingVerified } from '../verify-result';
import { mysqlLoginCandidates } from './login-candidates';
import { runProbe } from './probe';
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

/**
 * What the new credential must be able to do beyond logging in (alternating users): the
 * privileges the replaced user has, as a list of what is missing (names only). Run in the new
 * credential's session, which the check may use.
 */
export type PrivilegeParityCheck = (
  session: MysqlSession,
  credential: MysqlSecret,
  replaces: MysqlSecret,
  ctx: StrategyContext,
) => Promise<readonly string[]>;

/**
 * verify for both MySQL strategies: the credential logs in as its user; with `replaces` (of
 * another user) it holds every privilege that one holds (`parity`); with `probe`, the entry's
 * read-only probe passes in its session. Each failure is a definite answer from the server.
 */
export async function verifyMysqlCredential(
  login: MysqlLogin,
  credential: SecretVersion,
  ctx: StrategyContext,
  options: VerifyOptions,
  parity?: PrivilegeParityCheck,
): Promise<VerifyResult> {
  const secret = parseMysqlSecret(credential.value, `version ${credential.versionId}`);
  const result = await loginAsUser(login, secret);
  if (!result.accepted) return { ok: false, failure: 'rejected', reason: result.reason };
  return withSession(result.session, async (session): Promise<VerifyResult> => {
    if (options.replaces && parity) {
      const replaced = parseMysqlSecret(options.replaces.value, `version ${options.replaces.versionId}`);
      if (replaced.username !== secret.username) {
        const missing = await parity(session, secret, replaced, ctx);
        if (missing.length > 0) {
          return {
            ok: false,
            failure: 'privileges',
            reason: `"${secret.username}" lacks what "${replaced.username}" holds: ${missing.join('; ')}`,
          };
        }
      }
    }
    if (options.probe) {
      const failed = await runProbe(session, ctx);
      if (failed !== undefined) return { ok: false, failure: 'probe', reason: failed };
    }
    return { ok: true };
  });
}

/** testSecret for both MySQL strategies: the pending credential does what the current one does, and passes the probe. */
export async function testPendingCredential(
  login: MysqlLogin,
  versions: RotationVersions,
  ctx: StrategyContext,
  parity?: PrivilegeParityCheck,
): Promise<void> {
  requirePendingVerified(
    await verifyMysqlCredential(login, versions.pending, ctx, { replaces: versions.current, probe: true }, parity),
  );
}

/** The secret's stored versions, newest first, each read only when reached. */
export async function* storedVersionsOf(ctx: StrategyContext): AsyncGenerator<SecretVersion> {
  for (const summary of await ctx.store.listVersions(ctx.secretArn)) {
    const version = await ctx.store.getVersion(ctx.secretArn, { versionId: summary.versionId });
    if (version) yield version;
  }
}

/**
 * A session as `target.username`, opened with the first held credential the server accepts, in
 * the order least likely to fail a login (login-candidates.ts); with `includePending`, the
 * pending credential is among them (it reports itself as the version that opened the session).
 */
export function loginWithHeldCredential(
  login: MysqlLogin,
  versions: RotationVersions,
  target: MysqlSecret,
  options: { readonly includePending?: boolean } = {},
): Promise<HeldCredentialSession<MysqlSession>> {
  return loginWithHeldDatabaseCredential(versions, target, {
    candidates: (v) => mysqlLoginCandidates(v, { includePending: options.includePending ?? false }),
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
