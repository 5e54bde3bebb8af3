import { createHash } from 'node:crypto';
import type { PasswordPlugin } from './account-auth';
import { ed25519PublicKey } from './ed25519';
import type { SensitiveStatement } from './connection';
import { quoteAccount, quoteString, type MysqlAccount } from './quoting';
import type { ServerVersion } from './server-version';

/**
 * The statements that set a password, per server and plugin. Where the plugin allows it the
 * server receives what it stores, not the password, so the plaintext never reaches its general
 * log, audit plugins or replication stream:
 * - mysql_native_password: `*` + upper-case hex SHA1(SHA1(password));
 * - MariaDB's ed25519: the account's public key (ed25519.ts);
 * - every other plugin (caching_sha2_password, parsec...), and a MySQL user changing its own
 *   password (the only form MySQL lets a user without CREATE USER use on itself is
 *   `IDENTIFIED BY 'plaintext'`, and RETAIN CURRENT PASSWORD exists only with it): the plaintext,
 *   as a quoted literal that the server hashes with the account's plugin.
 * MariaDB detail checked on 10.11: `ALTER USER … IDENTIFIED BY 'pw'` switches an ed25519 account
 * to mysql_native_password, so other plugins are named (`IDENTIFIED VIA ed25519 USING
 * PASSWORD('pw')`); and ALTER USER needs CREATE USER even on one's own account, while
 * `SET PASSWORD FOR` one's own account does not (and keeps the plugin).
 */

export function nativePasswordHash(password: string): string {
  const stage1 = createHash('sha1').update(password, 'utf8').digest();
  return '*' + createHash('sha1').update(stage1).digest('hex').toUpperCase();
}

function secretStatement(sql: string, ...secrets: string[]): SensitiveStatement {
  return { sql, secrets };
}

export interface OwnPasswordChange {
  readonly version: ServerVersion;
  /** The account the session authenticated as (CURRENT_USER()). */
  readonly account: MysqlAccount;
  readonly plugin: PasswordPlugin;
  readonly password: string;
  /** MySQL 8.0.14+: keep the current password valid as the secondary one. */
  readonly retainCurrent?: boolean;
  /** MySQL 8.0.13+: the current password, for servers that require it (password_require_current). */
  readonly replacing?: string;
}

/** A user changing its own password (single user): needs no privilege on either server. */
export function ownPasswordStatement(change: OwnPasswordChange): SensitiveStatement {
  const account = quoteAccount(change.account);
  if (change.version.flavor === 'mariadb') {
    const stored = storedForm(change.plugin, change.password);
    if (stored !== undefined) {
      // SET PASSWORD with a quoted string takes the stored form for the account's own plugin.
      return secretStatement(`SET PASSWORD FOR ${account} = ${quoteString(stored)}`, stored, change.password);
    }
    return secretStatement(`SET PASSWORD FOR ${account} = PASSWORD(${quoteString(change.password)})`, change.password);
  }
  const secrets = [change.password];
  let sql = `ALTER USER ${account} IDENTIFIED BY ${quoteString(change.password)}`;
  if (change.replacing !== undefined) {
    sql += ` REPLACE ${quoteString(change.replacing)}`;
    secrets.push(change.replacing);
  }
  if (change.retainCurrent) sql += ' RETAIN CURRENT PASSWORD';
  return secretStatement(sql, ...secrets);
}

/** MySQL 8.0.14+: the secondary password kept by RETAIN CURRENT PASSWORD stops working. */
export function discardOldPasswordStatement(account: MysqlAccount): string {
  return `ALTER USER ${quoteAccount(account)} DISCARD OLD PASSWORD`;
}

/** What MariaDB stores for the password, where keyturn can compute it (undefined: the server must). */
function storedForm(plugin: PasswordPlugin, password: string): string | undefined {
  if (plugin === 'mysql_native_password') return nativePasswordHash(password);
  if (plugin === 'ed25519') return ed25519PublicKey(password);
  return undefined;
}

/** How an account authenticates with `password`, for CREATE USER and a master's ALTER USER. */
function authClause(version: ServerVersion, plugin: PasswordPlugin, password: string): SensitiveStatement {
  if (version.flavor === 'mariadb' && plugin === 'ed25519') {
    const publicKey = ed25519PublicKey(password);
    return secretStatement(`IDENTIFIED VIA ed25519 USING ${quoteString(publicKey)}`, publicKey, password);
  }
  if (plugin === 'mysql_native_password') {
    const hash = nativePasswordHash(password);
    const sql =
      version.flavor === 'mariadb'
        ? `IDENTIFIED BY PASSWORD ${quoteString(hash)}`
        : `IDENTIFIED WITH mysql_native_password AS ${quoteString(hash)}`;
    return secretStatement(sql, hash, password);
  }
  // The plugin name is one of PASSWORD_PLUGINS (account-auth.ts): a fixed word, never input.
  const sql =
    version.flavor === 'mariadb'
      ? `IDENTIFIED VIA ${plugin} USING PASSWORD(${quoteString(password)})`
      : `IDENTIFIED WITH ${plugin} BY ${quoteString(password)}`;
  return secretStatement(sql, password);
}

/** `ALTER USER` / `CREATE USER` of an account with `plugin` and `password`, as the master runs them. */
function accountStatement(
  verb: 'ALTER USER' | 'CREATE USER',
  version: ServerVersion,
  account: MysqlAccount,
  plugin: PasswordPlugin,
  password: string,
): SensitiveStatement {
  const auth = authClause(version, plugin, password);
  return secretStatement(`${verb} ${quoteAccount(account)} ${auth.sql}`, ...auth.secrets);
}

/** The master sets another account's password, keeping its plugin. */
export const setPasswordStatement = (
  version: ServerVersion,
  account: MysqlAccount,
  plugin: PasswordPlugin,
  password: string,
): SensitiveStatement => accountStatement('ALTER USER', version, account, plugin, password);

/** The master creates an account that authenticates with `plugin` and `password` from its first moment. */
export const createUserStatement = (
  version: ServerVersion,
  account: MysqlAccount,
  plugin: PasswordPlugin,
  password: string,
): SensitiveStatement => accountStatement('CREATE USER', version, account, plugin, password);
