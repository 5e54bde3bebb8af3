/**
 * Quoting for the statements MySQL and MariaDB cannot take bound parameters in (account
 * management: ALTER USER, SET PASSWORD, GRANT, KILL). Values elsewhere are bound by the
 * server's prepared statements.
 *
 * Both functions are correct whatever the session's sql_mode: backtick quoting has no escape
 * character, and a string literal doubles its quotes (valid with or without
 * NO_BACKSLASH_ESCAPES) and doubles backslashes (so a backslash can never escape the closing
 * quote). The connection also clears NO_BACKSLASH_ESCAPES so the doubled backslash means one.
 * mysql2's own `escapeId` is not used: it splits a name at dots (`a.b` → `a`.`b`).
 */

/** An identifier (database, table, column, role or account part) as one quoted name. */
export function quoteIdentifier(name: string): string {
  if (name.includes('\0')) throw new RangeError('an identifier cannot contain a NUL character');
  return '`' + name.replace(/`/g, '``') + '`';
}

/** A string literal. */
export function quoteString(value: string): string {
  if (value.includes('\0')) throw new RangeError('a string literal cannot contain a NUL character');
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "''") + "'";
}

/** An account `user`@`host` as MySQL and MariaDB name it in account statements. */
export interface MysqlAccount {
  readonly user: string;
  readonly host: string;
}

export function quoteAccount(account: MysqlAccount): string {
  return `${quoteIdentifier(account.user)}@${quoteIdentifier(account.host)}`;
}

/** `'user'@'host'` for messages (names are not secret). */
export function describeAccount(account: MysqlAccount): string {
  return `'${account.user}'@'${account.host}'`;
}
