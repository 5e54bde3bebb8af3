import type { SecretVersion } from '../../shared/secret-store';
import { AuthenticationFailedError, RevokeRefusedError } from '../errors';
import type { StrategyContext } from '../strategy';
import type { PasswordPlugin } from './account-auth';
import type { MysqlSession } from './connection';
import { MysqlTargetError } from './errors';
import { discardOldPasswordStatement, ownPasswordStatement } from './password-statements';
import { describeAccount } from './quoting';
import { parseMysqlSecret, sameServer, type MysqlSecret } from './secret';

/**
 * MySQL 8.0.14+ dual passwords, kept safe with REPLACE as a compare-and-swap on "which password
 * is the primary". The rules relied on (MySQL 8.0 Reference Manual, "Password Management" →
 * "Dual Password Support", "ALTER USER Statement", "SET PASSWORD Statement"):
 * - RETAIN CURRENT PASSWORD makes the primary the secondary, replacing any secondary;
 * - a new primary without RETAIN leaves the secondary as it is;
 * - DISCARD OLD PASSWORD drops the secondary;
 * - REPLACE 'x' is checked against the PRIMARY password only, and a wrong one fails the
 *   statement (ER_INCORRECT_CURRENT_PASSWORD) even where REPLACE is optional; a failed REPLACE
 *   changes nothing and is not a failed login (it never counts towards FAILED_LOGIN_ATTEMPTS);
 * - the password history is checked before REPLACE (ER_CREDENTIALS_CONTRADICT_TO_HISTORY).
 * A blind RETAIN from a session opened with the secondary password would make the unknown
 * primary the secondary and cut AWSCURRENT off at once (issue 10): never done here.
 */

/** A password statement's outcome: undefined when it ran, else the server's refusal. */
async function attempt(
  session: MysqlSession,
  statement: { sql: string; secrets: readonly string[] },
): Promise<MysqlTargetError | undefined> {
  try {
    await session.execute(statement);
    return undefined;
  } catch (error) {
    if (error instanceof MysqlTargetError && error.code !== undefined) return error;
    throw error;
  }
}

export interface OwnPasswordContext {
  readonly session: MysqlSession;
  readonly plugin: PasswordPlugin;
  /** The secret being rotated (for its server and user). */
  readonly target: MysqlSecret;
  readonly ctx: StrategyContext;
}

function change(c: OwnPasswordContext, password: string, options: { replacing?: string; retainCurrent?: boolean }) {
  return ownPasswordStatement({
    version: c.session.version,
    account: c.session.account,
    plugin: c.plugin,
    password,
    ...(options.replacing === undefined ? {} : { replacing: options.replacing }),
    ...(options.retainCurrent ? { retainCurrent: true } : {}),
  });
}

/**
 * Whether `password` is the account's primary password, asked with a REPLACE that sets it again
 * (a no-op when it is): true, false, or 'history' when the password history forbids even that
 * (then REPLACE is never looked at, and the answer is unknown).
 */
async function isPrimary(c: OwnPasswordContext, password: string): Promise<boolean | 'history'> {
  const refused = await attempt(c.session, change(c, password, { replacing: password }));
  if (refused === undefined) return true;
  if (refused.code === 'ER_INCORRECT_CURRENT_PASSWORD') return false;
  if (refused.code === 'ER_CREDENTIALS_CONTRADICT_TO_HISTORY') return 'history';
  throw refused;
}

/**
 * The stored passwords of the same user on the same server other than `except`, newest first
 * (from `versions`, read lazily), for finding the primary by REPLACE.
 */
async function* otherPasswords(
  versions: AsyncIterable<SecretVersion>,
  target: MysqlSecret,
  except: ReadonlySet<string>,
  createdAfter?: Date,
): AsyncGenerator<string> {
  const seen = new Set(except);
  for await (const version of versions) {
    // Newest first: once older than the bound, so is every version after it.
    if (createdAfter && version.createdAt && version.createdAt.getTime() <= createdAfter.getTime()) return;
    let candidate: MysqlSecret;
    try {
      candidate = parseMysqlSecret(version.value, `version ${version.versionId}`);
    } catch {
      continue;
    }
    if (candidate.username !== target.username || !sameServer(candidate, target) || seen.has(candidate.password))
      continue;
    seen.add(candidate.password);
    yield candidate.password;
  }
}

/**
 * Makes `pending` the primary password while the password `held` (the session's, normally
 * AWSCURRENT) keeps working as the secondary. Returns whether the step was already done.
 * 1. `IDENTIFIED BY pending REPLACE held RETAIN CURRENT PASSWORD`: applies only while `held` is
 *    the primary (→ primary pending, secondary held).
 * 2. Refused as incorrect: `held` is the secondary. Asked the same way (REPLACE pending), the
 *    server says whether pending is already the primary (an earlier attempt of this step).
 * 3. Otherwise `IDENTIFIED BY pending` without RETAIN replaces the unknown primary and keeps the
 *    secondary (= held). Where the server requires the current password, the primary is found
 *    among the stored versions by REPLACE attempts.
 * Without APPLICATION_PASSWORD_ADMIN there is no RETAIN: the same steps without it (held stops
 * working at once, as on a server without dual passwords; logged).
 */
export async function makePendingPrimary(
  c: OwnPasswordContext,
  pending: string,
  held: string,
  storedVersions: () => AsyncIterable<SecretVersion>,
): Promise<'changed' | 'already'> {
  let retainCurrent = true;
  let refused = await attempt(c.session, change(c, pending, { replacing: held, retainCurrent }));
  if (refused?.code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR') {
    c.ctx.logger.warn(
      `${describeAccount(c.session.account)} may not keep its old password (grant it APPLICATION_PASSWORD_ADMIN for a grace window): changing it without one`,
    );
    retainCurrent = false;
    refused = await attempt(c.session, change(c, pending, { replacing: held }));
  }
  if (refused === undefined) return 'changed';
  if (refused.code !== 'ER_INCORRECT_CURRENT_PASSWORD' && refused.code !== 'ER_CREDENTIALS_CONTRADICT_TO_HISTORY') {
    throw refused;
  }
  // `held` is not the primary (or pending is in the history: it was set before). Is pending the primary?
  const pendingPrimary = await isPrimary(c, pending);
  if (pendingPrimary !== false) return 'already';
  refused = await attempt(c.session, change(c, pending, {}));
  if (refused === undefined) return 'changed';
  if (refused.code !== 'ER_MISSING_CURRENT_PASSWORD') throw refused;
  for await (const password of otherPasswords(storedVersions(), c.target, new Set([held, pending]))) {
    refused = await attempt(c.session, change(c, pending, { replacing: password }));
    if (refused === undefined) return 'changed';
    if (refused.code !== 'ER_INCORRECT_CURRENT_PASSWORD') throw refused;
  }
  throw new AuthenticationFailedError(
    `the primary password of ${describeAccount(c.session.account)} is none of the stored versions and the server requires it ` +
      '(password_require_current): it was changed outside keyturn; put the working password in AWSCURRENT and rotate again',
  );
}

/** What {@link keepOnlyCurrent} did. */
export type DiscardOutcome =
  | { readonly kind: 'discarded' }
  | { readonly kind: 'made-primary-and-discarded' }
  | { readonly kind: 'discarded-after-login-check'; readonly checked: number }
  | { readonly kind: 'no-secondary' };

/**
 * Leaves `current` (the session's password, AWSCURRENT) as the account's only password, or
 * refuses having changed nothing. DISCARD OLD PASSWORD runs only once `current` is known to be
 * the primary (so it never drops AWSCURRENT): REPLACE current proves it. If `current` is only the
 * secondary, it is made the primary first; if the password history forbids that, refused.
 * If the history forbids even the check (it refuses setting `current` again before REPLACE is
 * looked at), the stored passwords created after `current` are tried by login instead, each
 * failure followed by a login with `current` (a success resets the failed-login count): keyturn
 * made `current` the primary when it set it, and only a later password can have taken its place,
 * so when none of those works `current` still is the primary; when one works, refused.
 */
export async function keepOnlyCurrent(
  c: OwnPasswordContext,
  passwords: { readonly current: string; readonly old: string; readonly currentSetAt?: Date },
  storedVersions: () => AsyncIterable<SecretVersion>,
  logsIn: (password: string) => Promise<boolean>,
): Promise<DiscardOutcome> {
  const { current } = passwords;
  const account = describeAccount(c.session.account);
  const primary = await isPrimary(c, current);
  let checked: number | undefined;
  if (primary === 'history') {
    checked = 0;
    const newer = otherPasswords(storedVersions(), c.target, new Set([current]), passwords.currentSetAt);
    for await (const password of newer) {
      checked++;
      const works = await logsIn(password);
      if (!(await logsIn(current))) {
        throw new RevokeRefusedError(`the replacement credential of ${account} stopped authenticating during revoke`);
      }
      if (works) {
        throw new RevokeRefusedError(
          `a password of ${account} set after AWSCURRENT still authenticates, and the server's password history forbids the ` +
            'REPLACE check that proves which password is the primary, so DISCARD OLD PASSWORD could drop AWSCURRENT: nothing was changed',
        );
      }
    }
  }
  let madePrimary = false;
  if (primary === false) {
    let refused = await attempt(c.session, change(c, current, {}));
    if (refused?.code === 'ER_MISSING_CURRENT_PASSWORD') {
      refused = undefined;
      let found = false;
      for await (const password of otherPasswords(storedVersions(), c.target, new Set([current]))) {
        const tried = await attempt(c.session, change(c, current, { replacing: password }));
        if (tried === undefined) {
          found = true;
          break;
        }
        if (tried.code !== 'ER_INCORRECT_CURRENT_PASSWORD') {
          refused = tried;
          break;
        }
      }
      if (!found && refused === undefined) {
        throw new RevokeRefusedError(
          `AWSCURRENT is only the secondary password of ${account}, and its primary is none of the stored versions: nothing was changed`,
        );
      }
    }
    if (refused?.code === 'ER_CREDENTIALS_CONTRADICT_TO_HISTORY') {
      throw new RevokeRefusedError(
        `AWSCURRENT is only the secondary password of ${account}, and the server's password history forbids making it the primary again: ` +
          'nothing was changed (the next rotation replaces the other password)',
      );
    }
    if (refused) throw refused;
    madePrimary = true;
  }
  const refused = await attempt(c.session, { sql: discardOldPasswordStatement(c.session.account), secrets: [] });
  if (refused?.code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR') {
    // Without APPLICATION_PASSWORD_ADMIN keyturn never kept a secondary: the old password must already be gone.
    const oldWorks = await logsIn(passwords.old);
    await logsIn(current);
    if (oldWorks) {
      throw new RevokeRefusedError(
        `the old password of ${account} still authenticates and the account may not discard it (grant it APPLICATION_PASSWORD_ADMIN)`,
      );
    }
    return { kind: 'no-secondary' };
  }
  if (refused) throw refused;
  if (checked !== undefined) return { kind: 'discarded-after-login-check', checked };
  return { kind: madePrimary ? 'made-primary-and-discarded' : 'discarded' };
}
