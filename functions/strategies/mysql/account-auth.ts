import { UnsupportedAuthPluginError } from './errors';
import { isName, isWord, sqlTokens, type SqlToken } from './sql-tokens';
import { describeAccount, type MysqlAccount } from './quoting';

/** Plugins whose password the server stores and can change: the only ones keyturn rotates. */
export const PASSWORD_PLUGINS = [
  'mysql_native_password',
  'caching_sha2_password',
  'sha256_password',
  'ed25519',
  'parsec',
] as const;
export type PasswordPlugin = (typeof PASSWORD_PLUGINS)[number];

function isPasswordPlugin(name: string): name is PasswordPlugin {
  return (PASSWORD_PLUGINS as readonly string[]).includes(name);
}

/**
 * The authentication plugin in `SHOW CREATE USER`'s output (which a user may run for its own
 * account): MariaDB prints `IDENTIFIED BY PASSWORD '*…'` (native) or `IDENTIFIED VIA plugin
 * [USING '…'] [OR …]`, MySQL `IDENTIFIED WITH 'plugin' AS '…'`. No IDENTIFIED clause: native
 * with an empty password. Only the first method of a MariaDB `OR` chain is considered.
 */
export function authPluginOf(showCreateUser: string, account: MysqlAccount): PasswordPlugin {
  // Read only up to the plugin's name: what follows (MySQL's binary hash) need not tokenize.
  const tokens: SqlToken[] = [];
  let at = -1;
  for (const token of sqlTokens(showCreateUser)) {
    tokens.push(token);
    if (at < 0 && isWord(token, 'IDENTIFIED')) at = tokens.length - 1;
    if (at >= 0 && tokens.length >= at + 3) break;
  }
  let plugin = 'mysql_native_password';
  if (at >= 0) {
    const how = tokens[at + 1];
    const name = tokens[at + 2];
    if (isWord(how, 'VIA', 'WITH') && (isName(name) || name?.kind === 'word')) plugin = name.value.toLowerCase();
    else if (!isWord(how, 'BY')) plugin = 'unknown';
  }
  if (!isPasswordPlugin(plugin)) {
    throw new UnsupportedAuthPluginError(
      `account ${describeAccount(account)} authenticates with "${plugin.slice(0, 40)}", which has no password keyturn can set ` +
        `(supported: ${PASSWORD_PLUGINS.join(', ')})`,
    );
  }
  return plugin;
}
