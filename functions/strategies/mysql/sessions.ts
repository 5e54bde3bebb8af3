import type { MysqlSession } from './connection';

/**
 * Sessions in the server's process list. MariaDB's information_schema.PROCESSLIST shows no
 * connection start time, only how long a session has been in its current state (TIME_MS; MySQL:
 * TIME, in whole seconds), and which connection attributes a client sent are not shown: the
 * checking session leaves itself out by CONNECTION_ID(). Connection ids grow with every new
 * connection, which orders sessions by when they were opened.
 */
export interface ProcessListSession {
  readonly id: number;
  /** How long the session has been in its current state (idle or running one statement): a lower bound on its age. */
  readonly stateMs: number;
}

export async function sessionsOfUser(session: MysqlSession, username: string): Promise<ProcessListSession[]> {
  const stateMs = session.version.flavor === 'mariadb' ? 'TIME_MS' : 'TIME * 1000';
  const rows = await session.query<{ id: number | string; stateMs: number | string | null }>(
    `SELECT ID AS id, ${stateMs} AS stateMs FROM information_schema.PROCESSLIST
      WHERE USER = ? AND ID <> CONNECTION_ID() AND COMMAND NOT IN ('Killed', 'Daemon')`,
    [username],
  );
  return rows.map((r) => ({ id: Number(r.id), stateMs: Number(r.stateMs ?? 0) }));
}

/** Clocks of Secrets Manager (the version's creation time) and of this function may differ by this much. */
export const CLOCK_ALLOWANCE_MS = 1_000;

export interface SessionsBeforeChange {
  /** Sessions provably opened before the change: in their state since before it, or opened before one that is. */
  readonly before: readonly ProcessListSession[];
  /** Sessions of unknown age: opened after the change, or busy since it. */
  readonly unknown: readonly ProcessListSession[];
}

/**
 * Splits a user's sessions into those provably opened before `changedAt` and the rest. A
 * session whose current state began before the change was opened before it; so was every
 * session with a lower connection id. Nothing here proves a session is new.
 */
export function sessionsOpenedBefore(
  sessions: readonly ProcessListSession[],
  changedAt: Date,
  now: Date = new Date(),
): SessionsBeforeChange {
  const sinceChangeMs = now.getTime() - changedAt.getTime() + CLOCK_ALLOWANCE_MS;
  const provenOld = sessions.filter((s) => s.stateMs > sinceChangeMs);
  if (provenOld.length === 0) return { before: [], unknown: sessions };
  const boundary = Math.max(...provenOld.map((s) => s.id));
  return {
    before: sessions.filter((s) => s.id <= boundary),
    unknown: sessions.filter((s) => s.id > boundary),
  };
}

/** Ends sessions by id (integers from the process list, never input). Returns how many were ended. */
export async function killSessions(session: MysqlSession, sessions: readonly ProcessListSession[]): Promise<number> {
  let killed = 0;
  for (const { id } of sessions) {
    if (!Number.isSafeInteger(id) || id <= 0) continue;
    try {
      await session.query(`KILL CONNECTION ${id}`);
      killed++;
    } catch (error) {
      // Gone already (ER_NO_SUCH_THREAD): it ended on its own, which is what was asked.
      if ((error as { code?: string }).code !== 'ER_NO_SUCH_THREAD') throw error;
    }
  }
  return killed;
}

/** Whether the session may see every user's sessions (PROCESS), so a count of 0 means none. */
export async function seesAllSessions(session: MysqlSession): Promise<boolean> {
  const grantee = `'${session.account.user}'@'${session.account.host}'`;
  const [row] = await session.query<{ n: number | string }>(
    `SELECT COUNT(*) AS n FROM information_schema.USER_PRIVILEGES
      WHERE GRANTEE = ? AND PRIVILEGE_TYPE IN ('PROCESS', 'SUPER')`,
    [grantee],
  );
  return Number(row?.n ?? 0) > 0;
}
