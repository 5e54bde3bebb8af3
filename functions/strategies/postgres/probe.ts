import { describeProbe, type Probe } from '../probe/probe';
import { PostgresTargetError, type PostgresSession } from './connection';

/** How long a probe may run: it proves a privilege, it does not measure a query. */
const PROBE_STATEMENT_TIMEOUT = '5s';

/**
 * Runs the entry's SQL probe in `session`: as a subquery (only a query can be one) in a READ ONLY
 * transaction with a statement timeout, rolled back. Answers the failure in words, or undefined
 * when the probe passed. A lost connection is thrown (the target is unreachable, not refusing).
 */
export async function runSqlProbe(
  session: PostgresSession,
  probe: Probe & { readonly sql: string },
): Promise<string | undefined> {
  const query = probe.sql.trim().replace(/;\s*$/, '');
  await session.query('BEGIN READ ONLY');
  try {
    await session.query(`SET LOCAL statement_timeout = '${PROBE_STATEMENT_TIMEOUT}'`);
    await session.query(`SELECT 1 FROM (${query}) AS keyturn_probe LIMIT 1`);
    return undefined;
  } catch (error) {
    if (!(error instanceof PostgresTargetError)) throw error;
    return `${describeProbe(probe)} failed: ${error.message}`;
  } finally {
    await session.query('ROLLBACK').catch(() => undefined);
  }
}
