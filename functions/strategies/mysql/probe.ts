import { waitBudgetMs } from '../../shared/deadline';
import { describeProbe, probeFromTags } from '../probe/probe';
import type { StrategyContext } from '../strategy';
import type { MysqlSession } from './connection';
import { MysqlTargetError } from './errors';

/** The longest a probe may run (less when the invocation has less time left). */
const PROBE_TIME_LIMIT_MS = 5_000;

/**
 * Runs the entry's read-only probe (`keyturn:probe-base64`, checked again by probeFromTags) in
 * `session`, behind two more guards: as a derived table (`SELECT 1 FROM (<probe>) AS
 * keyturn_probe LIMIT 1`, which only a query can be) inside `START TRANSACTION READ ONLY`, with
 * a time limit (MySQL: the MAX_EXECUTION_TIME optimizer hint, in ms; MariaDB: SET STATEMENT
 * max_statement_time=… FOR, in seconds). Returns why it failed (the probe's text and the
 * server's answer, the password scrubbed), or undefined when it passed or there is none.
 * A server that cannot be reached throws instead: that is no answer about the credential.
 */
export async function runProbe(session: MysqlSession, ctx: StrategyContext): Promise<string | undefined> {
  const probe = probeFromTags(ctx.tags, { engine: 'sql', dialect: 'mysql' });
  if (!probe || !('sql' in probe)) return undefined;
  const query = probe.sql.trim().replace(/;\s*$/, '');
  const limitMs = Math.max(1, Math.min(PROBE_TIME_LIMIT_MS, waitBudgetMs(ctx.deadline)));
  const wrapped =
    session.version.flavor === 'mariadb'
      ? `SET STATEMENT max_statement_time=${(limitMs / 1000).toFixed(3)} FOR SELECT 1 AS ok FROM (${query}) AS keyturn_probe LIMIT 1`
      : `SELECT /*+ MAX_EXECUTION_TIME(${limitMs}) */ 1 AS ok FROM (${query}) AS keyturn_probe LIMIT 1`;
  await session.query('START TRANSACTION READ ONLY');
  try {
    await session.query(wrapped);
    return undefined;
  } catch (error) {
    if (!(error instanceof MysqlTargetError)) throw error;
    return `${describeProbe(probe)} failed as "${session.account.user}": ${error.message}`;
  } finally {
    await session.query('ROLLBACK').catch(() => undefined);
  }
}
