import type { AccountName, AccountOptions } from './ast';
import {
  credentialFor,
  credentialFromHash,
  isEmpty,
  matchesCleartext,
  printedHash,
  sameCredential,
  type Credential,
  type Plugin,
} from './credentials';
import { type MysqlServerError, ServerErrors } from './errors';
import { accountKey, Grants, quoteAccountName } from './privileges';

/**
 * MySQL 8's accounts and their password rules. Each rule cites the manual; where the manual is
 * silent the server's own code decides (sql/auth/sql_user.cc, sql_parse.cc), as README.md beside this file says.
 *
 * Dual passwords (8.0.14+; "Password Management" → "Dual Password Support",
 * https://dev.mysql.com/doc/refman/8.0/en/password-management.html#dual-passwords, and
 * "ALTER USER Statement", https://dev.mysql.com/doc/refman/8.0/en/alter-user.html):
 * - RETAIN CURRENT PASSWORD makes the current primary the secondary, replacing any secondary;
 * - a new primary without RETAIN leaves the secondary unchanged;
 * - DISCARD OLD PASSWORD drops the secondary;
 * - RETAIN fails when the account's primary is empty (ER_SECOND_PASSWORD_CANNOT_BE_EMPTY) or the
 *   new password is empty (ER_CURRENT_PASSWORD_CANNOT_BE_RETAINED); an empty new password
 *   empties the secondary too; RETAIN while changing the plugin fails
 *   (ER_PASSWORD_CANNOT_BE_RETAINED_ON_PLUGIN_CHANGE) and a plugin change discards the secondary.
 * Password verification (8.0.13+; "SET PASSWORD Statement", https://dev.mysql.com/doc/refman/8.0/en/set-password.html,
 * and "Password Verification-Required Policy"):
 * - REPLACE 'current' is compared with the PRIMARY password only, and fails when wrong even where
 *   it is optional (ER_INCORRECT_CURRENT_PASSWORD);
 * - REPLACE is allowed only for one's own account (ER_CURRENT_PASSWORD_NOT_REQUIRED);
 * - it is required (ER_MISSING_CURRENT_PASSWORD) under PASSWORD REQUIRE CURRENT, or the global
 *   password_require_current with PASSWORD REQUIRE CURRENT DEFAULT, except for users with
 *   CREATE USER or UPDATE on the mysql schema.
 * Password reuse ("Password Reuse Policy"): a new cleartext password may not match any of the
 * `password_history` most recent ones (the current one included) nor one set within
 * `password_reuse_interval` days (ER_CREDENTIALS_CONTRADICT_TO_HISTORY); checked before REPLACE.
 * Failed-login tracking (8.0.19+; "Failed-Login Tracking and Temporary Account Locking"):
 * FAILED_LOGIN_ATTEMPTS N and PASSWORD_LOCK_TIME d|UNBOUNDED (both non-zero) lock the account
 * after N consecutive wrong passwords, the Nth attempt already answering
 * ER_USER_ACCESS_DENIED_FOR_USER_ACCOUNT_BLOCKED_BY_PASSWORD_LOCK, the right password too while
 * locked; a successful login resets the count; ACCOUNT UNLOCK, setting either option, FLUSH
 * PRIVILEGES and the lock time passing unlock; a password change does not.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

export interface Account {
  readonly user: string;
  readonly host: string;
  plugin: Plugin;
  primary: Credential;
  secondary?: Credential;
  /** caching_sha2_password's in-memory cache: credentials that completed a full authentication. */
  readonly cachedForFastAuth: Set<'primary' | 'secondary'>;
  /** ACCOUNT LOCK (roles are created locked). */
  locked: boolean;
  readonly isRole: boolean;
  require: NonNullable<AccountOptions['require']>;
  limits: Record<
    'MAX_QUERIES_PER_HOUR' | 'MAX_UPDATES_PER_HOUR' | 'MAX_CONNECTIONS_PER_HOUR' | 'MAX_USER_CONNECTIONS',
    number
  >;
  failedLoginAttempts: number;
  passwordLockTime: number | 'UNBOUNDED';
  consecutiveFailures: number;
  lockedSinceMs?: number;
  /** undefined: DEFAULT (the global variable). */
  passwordHistory?: number;
  passwordReuseInterval?: number;
  requireCurrent: 'Y' | 'N' | 'DEFAULT';
  /** Passwords set while a history policy applied, newest first. */
  readonly history: { readonly credential: Credential; readonly atMs: number }[];
  readonly grants: Grants;
  defaultRoles: AccountName[];
}

export interface GlobalPasswordPolicy {
  passwordHistory: number;
  passwordReuseInterval: number;
  passwordRequireCurrent: boolean;
}

/** Who changes a password, as the REPLACE rules need to know. */
export interface PasswordChanger {
  readonly isSelf: boolean;
  /** CREATE USER or UPDATE on the mysql schema: exempt from the verification-required policy. */
  readonly privileged: boolean;
}

export interface PasswordChange {
  readonly plugin?: Plugin;
  readonly password?: string;
  readonly hash?: string;
  readonly replace?: string;
  readonly retainCurrent?: boolean;
}

export class AccountStore {
  private readonly accounts = new Map<string, Account>();

  constructor(
    readonly policy: GlobalPasswordPolicy,
    private readonly now: () => number,
    readonly defaultPlugin: Plugin,
    readonly loadedPlugins: ReadonlySet<Plugin>,
  ) {}

  get(name: AccountName): Account | undefined {
    return this.accounts.get(accountKey(name));
  }

  require(name: AccountName, operation: string): Account {
    const account = this.get(name);
    if (!account) throw ServerErrors.cannotUser(operation, `'${name.user}'@'${name.host}'`);
    return account;
  }

  all(): Account[] {
    return [...this.accounts.values()];
  }

  create(
    name: AccountName,
    options: { plugin?: Plugin; password?: string; hash?: string; isRole?: boolean; accountOptions?: AccountOptions },
  ): Account {
    const plugin = options.plugin ?? this.defaultPlugin;
    this.checkPluginLoaded(plugin);
    const primary =
      options.hash !== undefined
        ? credentialFromHash(plugin, options.hash)
        : credentialFor(plugin, options.password ?? '');
    const account: Account = {
      user: name.user,
      host: name.host,
      plugin,
      primary,
      cachedForFastAuth: new Set(),
      locked: options.isRole ?? false,
      isRole: options.isRole ?? false,
      require: { type: 'NONE' },
      limits: {
        MAX_QUERIES_PER_HOUR: 0,
        MAX_UPDATES_PER_HOUR: 0,
        MAX_CONNECTIONS_PER_HOUR: 0,
        MAX_USER_CONNECTIONS: 0,
      },
      failedLoginAttempts: 0,
      passwordLockTime: 0,
      consecutiveFailures: 0,
      requireCurrent: 'DEFAULT',
      history: [],
      grants: new Grants(),
      defaultRoles: [],
    };
    this.accounts.set(accountKey(name), account);
    // The options first: a PASSWORD HISTORY given at creation already records the first password.
    if (options.accountOptions) this.applyOptions(account, options.accountOptions);
    if (!isEmpty(primary)) this.recordHistory(account, primary);
    return account;
  }

  drop(name: AccountName): boolean {
    const key = accountKey(name);
    if (!this.accounts.delete(key)) return false;
    for (const other of this.accounts.values()) {
      other.grants.roles.delete(key);
      other.grants.proxies.delete(key);
      other.defaultRoles = other.defaultRoles.filter((r) => accountKey(r) !== key);
    }
    return true;
  }

  checkPluginLoaded(plugin: string): asserts plugin is Plugin {
    if (!this.loadedPlugins.has(plugin as Plugin)) throw ServerErrors.pluginNotLoaded(plugin);
  }

  /** The account a login as `user` from `clientHost` resolves to, in MySQL's order (most specific host first). */
  matchLogin(user: string, clientHost: string): Account | undefined {
    const candidates = this.all().filter((a) => (a.user === user || a.user === '') && hostMatches(a.host, clientHost));
    candidates.sort(
      (a, b) =>
        hostSpecificity(b.host) - hostSpecificity(a.host) || (b.user === '' ? -1 : 1) - (a.user === '' ? -1 : 1),
    );
    return candidates[0];
  }

  applyOptions(account: Account, options: AccountOptions): void {
    if (options.require) account.require = options.require;
    if (options.limits) account.limits = { ...account.limits, ...options.limits };
    if (options.lock !== undefined) {
      account.locked = options.lock;
      // ACCOUNT UNLOCK also ends a temporary lock.
      if (!options.lock) this.resetLoginTracking(account);
    }
    if (options.failedLoginAttempts !== undefined) {
      account.failedLoginAttempts = options.failedLoginAttempts;
      this.resetLoginTracking(account);
    }
    if (options.passwordLockTime !== undefined) {
      account.passwordLockTime = options.passwordLockTime;
      this.resetLoginTracking(account);
    }
    if (options.passwordHistory) account.passwordHistory = options.passwordHistory.value;
    if (options.passwordReuseInterval) account.passwordReuseInterval = options.passwordReuseInterval.value;
    if (options.requireCurrent) account.requireCurrent = options.requireCurrent;
  }

  resetLoginTracking(account: Account): void {
    account.consecutiveFailures = 0;
    delete account.lockedSinceMs;
  }

  /** FLUSH PRIVILEGES: every temporary lock and failure count is cleared, and caching_sha2's cache emptied. */
  flush(): void {
    for (const account of this.accounts.values()) {
      this.resetLoginTracking(account);
      account.cachedForFastAuth.clear();
    }
  }

  /**
   * A new primary password (ALTER USER … IDENTIFIED …, SET PASSWORD), in the server's order:
   * plugin change and RETAIN, the history, REPLACE, then RETAIN's emptiness rules.
   */
  changePassword(account: Account, change: PasswordChange, by: PasswordChanger): void {
    const plugin = change.plugin ?? account.plugin;
    this.checkPluginLoaded(plugin);
    const pluginChanged = plugin !== account.plugin;
    const name = { user: account.user, host: account.host };
    if (pluginChanged && change.retainCurrent) throw ServerErrors.cannotRetainOnPluginChange(name);
    let next: Credential;
    if (change.hash !== undefined) {
      next = credentialFromHash(plugin, change.hash);
    } else if (change.password !== undefined) {
      next = credentialFor(plugin, change.password);
      if (!pluginChanged) this.checkHistory(account, change.password);
    } else {
      // IDENTIFIED WITH plugin alone: the password is emptied and expired (not modelled further).
      next = credentialFor(plugin, '');
    }
    this.checkReplace(account, change, by);
    if (change.retainCurrent) {
      if (isEmpty(account.primary)) throw ServerErrors.secondPasswordCannotBeEmpty(name);
      if (isEmpty(next)) throw ServerErrors.cannotRetainEmptyNew(name);
    }
    const previous = account.primary;
    if (pluginChanged) {
      account.history.length = 0;
      delete account.secondary;
    }
    account.plugin = plugin;
    account.primary = next;
    if (change.retainCurrent) account.secondary = previous;
    if (isEmpty(next)) delete account.secondary;
    // The cache entries of the account go with any change of its credentials.
    account.cachedForFastAuth.clear();
    if (!isEmpty(next)) this.recordHistory(account, next);
  }

  discardOldPassword(account: Account): void {
    delete account.secondary;
    account.cachedForFastAuth.delete('secondary');
  }

  private checkReplace(account: Account, change: PasswordChange, by: PasswordChanger): void {
    if (change.replace !== undefined) {
      if (!by.isSelf) throw ServerErrors.currentPasswordNotRequired();
      if (isEmpty(account.primary)) {
        if (change.replace !== '') throw ServerErrors.incorrectCurrentPassword();
        return;
      }
      // The PRIMARY password only: a secondary password is never "the current password".
      if (!matchesCleartext(account.primary, change.replace)) throw ServerErrors.incorrectCurrentPassword();
      return;
    }
    if (by.privileged) return;
    const required =
      account.requireCurrent === 'Y' || (account.requireCurrent === 'DEFAULT' && this.policy.passwordRequireCurrent);
    if (required && by.isSelf) throw ServerErrors.missingCurrentPassword();
  }

  private historyDepth(account: Account): { count: number; days: number } {
    return {
      count: account.passwordHistory ?? this.policy.passwordHistory,
      days: account.passwordReuseInterval ?? this.policy.passwordReuseInterval,
    };
  }

  private checkHistory(account: Account, password: string): void {
    const { count, days } = this.historyDepth(account);
    if (count === 0 && days === 0) return;
    const now = this.now();
    account.history.forEach((entry, index) => {
      const inCount = index < count;
      const inDays = days > 0 && now - entry.atMs < days * DAY_MS;
      if (
        (inCount || inDays) &&
        entry.credential.plugin === account.plugin &&
        matchesCleartext(entry.credential, password)
      ) {
        throw ServerErrors.contradictsHistory({ user: account.user, host: account.host });
      }
    });
  }

  private recordHistory(account: Account, credential: Credential): void {
    const { count, days } = this.historyDepth(account);
    if (count === 0 && days === 0) return;
    account.history.unshift({ credential, atMs: this.now() });
    const now = this.now();
    // Entries beyond both ranges are pruned, as the server prunes mysql.password_history.
    for (let i = account.history.length - 1; i >= Math.max(count, 1); i--) {
      const entry = account.history[i];
      if (entry && !(days > 0 && now - entry.atMs < days * DAY_MS)) account.history.splice(i, 1);
    }
  }

  /** Whether `password` is one the account accepts now (primary or secondary): for tests, counts nothing. */
  accepts(account: Account, password: string): boolean {
    return [account.primary, account.secondary].some(
      (c) => c !== undefined && !isEmpty(c) && matchesCleartext(c, password),
    );
  }

  /**
   * The login-attempt rules once the password check is done: temporary locking, ACCOUNT LOCK.
   * Returns the error to answer with, or undefined to let the session in.
   */
  loginOutcome(account: Account, passwordMatched: boolean, client: AccountName): MysqlServerError | undefined {
    // The messages name the user and host the client connected as, as the server's do.
    const name = client;
    const tracking = account.failedLoginAttempts > 0 && account.passwordLockTime !== 0;
    if (tracking && account.lockedSinceMs !== undefined) {
      const lock = account.passwordLockTime;
      const elapsedDays = Math.floor((this.now() - account.lockedSinceMs) / DAY_MS);
      if (lock !== 'UNBOUNDED' && elapsedDays >= lock) {
        this.resetLoginTracking(account);
      } else {
        return lock === 'UNBOUNDED'
          ? ServerErrors.blockedByPasswordLock(name, 'unlimited', 'unlimited', account.failedLoginAttempts)
          : ServerErrors.blockedByPasswordLock(name, lock, lock - elapsedDays, account.failedLoginAttempts);
      }
    }
    if (!passwordMatched) {
      if (tracking) {
        account.consecutiveFailures++;
        if (account.consecutiveFailures >= account.failedLoginAttempts) {
          account.lockedSinceMs = this.now();
          const lock = account.passwordLockTime;
          return lock === 'UNBOUNDED'
            ? ServerErrors.blockedByPasswordLock(name, 'unlimited', 'unlimited', account.failedLoginAttempts)
            : ServerErrors.blockedByPasswordLock(name, lock, lock, account.failedLoginAttempts);
        }
      }
      return ServerErrors.accessDenied(name, true);
    }
    if (tracking) account.consecutiveFailures = 0;
    if (account.locked) return ServerErrors.accountLocked(name);
    return undefined;
  }

  /** SHOW CREATE USER, as MySQL 8.0 prints it. */
  showCreateUser(account: Account, showHash: boolean): string {
    const name = quoteAccountName(account);
    const hash = printedHash(account.primary);
    let text = `CREATE USER ${name} IDENTIFIED WITH '${account.plugin}'`;
    if (showHash && hash !== '') text += ` AS '${hash}'`;
    if (account.defaultRoles.length > 0)
      text += ` DEFAULT ROLE ${account.defaultRoles.map(quoteAccountName).join(',')}`;
    const r = account.require;
    if (r.type === 'SPECIFIED') {
      const parts = [
        r.issuer === undefined ? '' : `ISSUER '${r.issuer}'`,
        r.subject === undefined ? '' : `SUBJECT '${r.subject}'`,
        r.cipher === undefined ? '' : `CIPHER '${r.cipher}'`,
      ].filter((p) => p !== '');
      text += ` REQUIRE ${parts.join(' AND ')}`;
    } else {
      text += ` REQUIRE ${r.type}`;
    }
    const limits = Object.entries(account.limits).filter(([, v]) => v > 0);
    if (limits.length > 0) text += ` WITH ${limits.map(([k, v]) => `${k} ${v}`).join(' ')}`;
    text += ` PASSWORD EXPIRE DEFAULT ACCOUNT ${account.locked ? 'LOCK' : 'UNLOCK'}`;
    text += ` PASSWORD HISTORY ${account.passwordHistory ?? 'DEFAULT'}`;
    text += ` PASSWORD REUSE INTERVAL ${account.passwordReuseInterval === undefined ? 'DEFAULT' : `${account.passwordReuseInterval} DAY`}`;
    text +=
      ` PASSWORD REQUIRE CURRENT ${account.requireCurrent === 'Y' ? '' : account.requireCurrent === 'N' ? 'OPTIONAL' : 'DEFAULT'}`.trimEnd();
    if (account.failedLoginAttempts > 0) text += ` FAILED_LOGIN_ATTEMPTS ${account.failedLoginAttempts}`;
    if (account.passwordLockTime !== 0) text += ` PASSWORD_LOCK_TIME ${account.passwordLockTime}`;
    return text;
  }

  /** For the double's tests: which credential a password is, without a login. */
  whichCredential(account: Account, password: string): 'primary' | 'secondary' | undefined {
    if (!isEmpty(account.primary) && matchesCleartext(account.primary, password)) return 'primary';
    if (account.secondary && !isEmpty(account.secondary) && matchesCleartext(account.secondary, password))
      return 'secondary';
    return undefined;
  }

  /** Whether the account holds two different credentials. */
  hasSecondary(account: Account): boolean {
    return account.secondary !== undefined && !sameCredential(account.secondary, account.primary);
  }
}

/** MySQL host patterns: `%` any run of characters, `_` one, else an exact (case-insensitive) match. */
export function hostMatches(pattern: string, host: string): boolean {
  const regex = new RegExp(
    '^' +
      pattern
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/%/g, '.*')
        .replace(/_/g, '.') +
      '$',
    'i',
  );
  return regex.test(host);
}

/** Most specific first ("Access Control, Stage 1", https://dev.mysql.com/doc/refman/8.0/en/connection-access.html). */
function hostSpecificity(pattern: string): number {
  if (pattern === '%' || pattern === '') return 0;
  if (!/[%_]/.test(pattern)) return 1000;
  return pattern.replace(/[%_]/g, '').length;
}
