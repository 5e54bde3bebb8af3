import { CloneGrantsError, MysqlTargetError } from './errors';
import { firstColumnText, type MysqlSession } from './connection';
import { grantChanges, parseGrants, quoteRole, roleKey, type AccountGrants, type RoleRef } from './grants';
import { describeAccount, quoteAccount, quoteString, type MysqlAccount } from './quoting';

/** Rounds of grant-then-revoke before giving up (ALL PRIVILEGES against single privileges can take two). */
const MAX_SYNC_ROUNDS = 3;

export async function showGrants(session: MysqlSession, account: MysqlAccount): Promise<AccountGrants> {
  const rows = await session.query(`SHOW GRANTS FOR ${quoteAccount(account)}`);
  return parseGrants(
    rows.map((row) => firstColumnText(row)),
    account,
  );
}

/**
 * MySQL's default roles of an account (mysql.default_roles; SHOW GRANTS does not print them,
 * unlike MariaDB's SET DEFAULT ROLE line), sorted. MariaDB: none here (grants.ts reads its line).
 */
export async function mysqlDefaultRoles(session: MysqlSession, account: MysqlAccount): Promise<RoleRef[]> {
  if (session.version.flavor !== 'mysql') return [];
  const rows = await session.query<{ user: string; host: string }>(
    'SELECT DEFAULT_ROLE_USER AS user, DEFAULT_ROLE_HOST AS host FROM mysql.default_roles WHERE USER = ? AND HOST = ?',
    [account.user, account.host],
  );
  return rows.map((r) => ({ name: r.user, host: r.host })).sort((a, b) => roleKey(a).localeCompare(roleKey(b)));
}

interface AccountLimits {
  ssl_type: string | null;
  ssl_cipher: Buffer | string | null;
  x509_issuer: Buffer | string | null;
  x509_subject: Buffer | string | null;
  max_questions: number | string;
  max_updates: number | string;
  max_connections: number | string;
  max_user_connections: number | string;
}

const text = (value: Buffer | string | null): string => (value === null ? '' : value.toString());
const count = (value: number | string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new CloneGrantsError('mysql.user holds a resource limit that is not a count');
  return n;
};

/** REQUIRE … and WITH MAX_… of `account` as an ALTER USER tail: a clone without REQUIRE SSL would widen access. */
async function accountProperties(session: MysqlSession, account: MysqlAccount): Promise<string> {
  const [row] = await session.query<AccountLimits>(
    `SELECT ssl_type, ssl_cipher, x509_issuer, x509_subject,
            max_questions, max_updates, max_connections, max_user_connections
       FROM mysql.user WHERE User = ? AND Host = ?`,
    [account.user, account.host],
  );
  if (!row) throw new CloneGrantsError(`account ${describeAccount(account)} does not exist on the server`);
  let require: string;
  switch ((row.ssl_type ?? '').toUpperCase()) {
    case '':
      require = 'NONE';
      break;
    case 'ANY':
      require = 'SSL';
      break;
    case 'X509':
      require = 'X509';
      break;
    case 'SPECIFIED': {
      const parts = [
        ['ISSUER', text(row.x509_issuer)],
        ['SUBJECT', text(row.x509_subject)],
        ['CIPHER', text(row.ssl_cipher)],
      ].filter(([, v]) => v !== '');
      require = parts.length > 0 ? parts.map(([k, v]) => `${k} ${quoteString(v ?? '')}`).join(' AND ') : 'SSL';
      break;
    }
    default:
      throw new CloneGrantsError(
        `account ${describeAccount(account)} has an unknown ssl_type "${String(row.ssl_type)}"`,
      );
  }
  return (
    `REQUIRE ${require} WITH MAX_QUERIES_PER_HOUR ${count(row.max_questions)} MAX_UPDATES_PER_HOUR ${count(row.max_updates)}` +
    ` MAX_CONNECTIONS_PER_HOUR ${count(row.max_connections)} MAX_USER_CONNECTIONS ${count(row.max_user_connections)}`
  );
}

export interface CopyResult {
  /** Statements run to make the clone equal (0: it already was). */
  readonly changes: number;
  /** Accounts named in PROXY grants of the original, which are not copied (see grants.ts). */
  readonly skippedProxies: readonly string[];
}

/**
 * Makes `to` hold exactly `from`'s privileges, roles, default role, TLS requirement and
 * resource limits: what `from` has and `to` lacks is granted, what `to` has beyond `from` is
 * revoked (drift repaired). Run as the master; a grant the master may not give fails with
 * CloneGrantsError naming it, so nothing is widened by a partial copy of what the master holds.
 * Passwords and PROXY grants are not copied.
 */
export async function copyAccountPrivileges(
  master: MysqlSession,
  from: MysqlAccount,
  to: MysqlAccount,
): Promise<CopyResult> {
  const desired = await showGrants(master, from);
  let applied = 0;
  for (let round = 0; round < MAX_SYNC_ROUNDS; round++) {
    const changes = grantChanges(desired, await showGrants(master, to), to, master.version.flavor);
    if (changes.length === 0) break;
    for (const change of changes) {
      try {
        await master.query(change.sql);
      } catch (error) {
        const reason = error instanceof MysqlTargetError ? error.message : String(error);
        throw new CloneGrantsError(
          `cannot ${change.description} to ${describeAccount(to)} as the master (copying ${describeAccount(from)}): ${reason}`,
        );
      }
      applied++;
    }
  }
  const left = grantChanges(desired, await showGrants(master, to), to, master.version.flavor);
  if (left.length > 0) {
    throw new CloneGrantsError(
      `${describeAccount(to)} still differs from ${describeAccount(from)} after ${MAX_SYNC_ROUNDS} rounds: ${left.map((c) => c.description).join('; ')}`,
    );
  }
  // MySQL's default roles (the roles active at login): the clone must start its sessions with the same ones.
  const defaults = await mysqlDefaultRoles(master, from);
  const cloneDefaults = await mysqlDefaultRoles(master, to);
  if (defaults.map(roleKey).join() !== cloneDefaults.map(roleKey).join()) {
    const roles = defaults.length === 0 ? 'NONE' : defaults.map(quoteRole).join(', ');
    try {
      await master.query(`SET DEFAULT ROLE ${roles} TO ${quoteAccount(to)}`);
    } catch (error) {
      const reason = error instanceof MysqlTargetError ? error.message : String(error);
      throw new CloneGrantsError(
        `cannot set the default roles of ${describeAccount(to)} to ${roles} as the master: ${reason}`,
      );
    }
    applied++;
  }
  await master.query(`ALTER USER ${quoteAccount(to)} ${await accountProperties(master, from)}`);
  return { changes: applied, skippedProxies: desired.proxies };
}
