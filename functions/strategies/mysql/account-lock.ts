import { createHash } from 'node:crypto';
import { waitBudgetMs } from '../../shared/deadline';
import { ConcurrentChangeError } from '../errors';
import type { StrategyContext } from '../strategy';
import type { MysqlSession } from './connection';
import { describeAccount, type MysqlAccount } from './quoting';

/** The longest keyturn waits for another invocation working on the same account. */
const MAX_LOCK_WAIT_MS = 10_000;

/**
 * A server-wide user-level lock (GET_LOCK, MySQL and MariaDB alike) named after the account:
 * two invocations of the same step at once (Lambda retries overlap) take turns instead of
 * racing on the same ALTER USER / CREATE USER. The name is a hash (GET_LOCK takes at most 64
 * characters, and account names are not for others' eyes); the lock goes with the session.
 */
export function accountLockName(account: MysqlAccount): string {
  return `keyturn:${createHash('sha256').update(`${account.user}\0${account.host}`).digest('hex').slice(0, 40)}`;
}

/**
 * Runs `work` holding the account's lock. The wait ends within the invocation's deadline; when
 * the lock stays taken, ConcurrentChangeError (retryable: the other invocation is doing the same
 * step, nothing was changed here).
 */
export async function withAccountLock<T>(
  session: MysqlSession,
  account: MysqlAccount,
  ctx: StrategyContext,
  work: () => Promise<T>,
): Promise<T> {
  const name = accountLockName(account);
  const waitSeconds = Math.floor(Math.min(waitBudgetMs(ctx.deadline), MAX_LOCK_WAIT_MS) / 1000);
  const [row] = await session.query<{ got: number | string | null }>('SELECT GET_LOCK(?, ?) AS got', [
    name,
    waitSeconds,
  ]);
  if (Number(row?.got) !== 1) {
    throw new ConcurrentChangeError(
      `another invocation is changing ${describeAccount(account)} (its lock was held for ${waitSeconds} s): nothing was changed here; retry`,
    );
  }
  try {
    return await work();
  } finally {
    await session.query('SELECT RELEASE_LOCK(?) AS released', [name]).catch(() => undefined);
  }
}
