import type { Access } from './access';
import type { AccountStore } from './accounts';
import { ServerErrors } from './errors';
import { keyAccount } from './privileges';
import type { Session, Value } from './session';

/** A table's rows as a query reads them (column names as the server titles them). */
export interface TableData {
  readonly columns: readonly string[];
  readonly rows: readonly Readonly<Record<string, Value>>[];
}

/** Databases, tables and routines created by tests (CREATE DATABASE / TABLE / PROCEDURE), with rows they seed. */
export class Catalog {
  readonly databases = new Set<string>(['mysql', 'information_schema', 'performance_schema', 'sys']);
  readonly tables = new Map<string, { columns: string[]; rows: Record<string, Value>[] }>();
  readonly routines = new Set<string>();

  tableKey(db: string, table: string): string {
    return `${db}\u0000${table}`;
  }

  routineKey(type: string, db: string, name: string): string {
    return `${type}\u0000${db}\u0000${name}`;
  }
}

export interface TableEnv {
  readonly session: Session;
  readonly accounts: AccountStore;
  readonly access: Access;
  readonly catalog: Catalog;
  readonly sessions: () => readonly Session[];
  readonly now: () => number;
}

const SSL_TYPE: Readonly<Record<string, string>> = { NONE: '', SSL: 'ANY', X509: 'X509', SPECIFIED: 'SPECIFIED' };

/**
 * The tables keyturn reads: mysql.user, mysql.default_roles, mysql.role_edges (SELECT on them
 * needed), information_schema.PROCESSLIST (others' sessions only with PROCESS) and
 * information_schema.USER_PRIVILEGES, and the tests' own tables (SELECT needed: table, database
 * or global level, or on one of its columns).
 */
export function readTable(db: string, table: string, env: TableEnv): TableData {
  const { session, access } = env;
  if (db.toLowerCase() === 'information_schema') {
    switch (table.toUpperCase()) {
      case 'PROCESSLIST':
        return processList(env);
      case 'USER_PRIVILEGES':
        return userPrivileges(env);
      default:
        throw ServerErrors.noSuchTable('information_schema', table);
    }
  }
  const user = session.clientName;
  if (db === 'mysql') {
    if (!access.has(session, 'SELECT', { level: 'table', db, table })) {
      throw ServerErrors.tableAccessDenied('SELECT', user, table);
    }
    switch (table) {
      case 'user':
        return mysqlUser(env);
      case 'default_roles':
        return {
          columns: ['HOST', 'USER', 'DEFAULT_ROLE_HOST', 'DEFAULT_ROLE_USER'],
          rows: env.accounts.all().flatMap((a) =>
            a.defaultRoles.map((r) => ({
              HOST: a.host,
              USER: a.user,
              DEFAULT_ROLE_HOST: r.host,
              DEFAULT_ROLE_USER: r.user,
            })),
          ),
        };
      case 'role_edges':
        return {
          columns: ['FROM_HOST', 'FROM_USER', 'TO_HOST', 'TO_USER', 'WITH_ADMIN_OPTION'],
          rows: env.accounts.all().flatMap((a) =>
            [...a.grants.roles].map(([key, admin]) => {
              const role = keyAccount(key);
              return {
                FROM_HOST: role.host,
                FROM_USER: role.user,
                TO_HOST: a.host,
                TO_USER: a.user,
                WITH_ADMIN_OPTION: admin ? 'Y' : 'N',
              };
            }),
          ),
        };
      default:
        throw ServerErrors.noSuchTable(db, table);
    }
  }
  const data = env.catalog.tables.get(env.catalog.tableKey(db, table));
  if (!data) {
    // Without any privilege on it, a missing table is an access error, as on the server.
    if (!access.has(session, 'SELECT', { level: 'database', db }))
      throw ServerErrors.tableAccessDenied('SELECT', user, table);
    throw ServerErrors.noSuchTable(db, table);
  }
  if (
    !access.has(session, 'SELECT', { level: 'table', db, table }) &&
    !access.hasOnSomeColumn(session, 'SELECT', db, table)
  ) {
    throw ServerErrors.tableAccessDenied('SELECT', user, table);
  }
  return data;
}

function mysqlUser(env: TableEnv): TableData {
  return {
    columns: [
      'Host',
      'User',
      'plugin',
      'authentication_string',
      'ssl_type',
      'ssl_cipher',
      'x509_issuer',
      'x509_subject',
      'max_questions',
      'max_updates',
      'max_connections',
      'max_user_connections',
      'account_locked',
      'password_require_current',
    ],
    rows: env.accounts.all().map((a) => ({
      Host: a.host,
      User: a.user,
      plugin: a.plugin,
      authentication_string: a.primary.digest.toString('hex'),
      ssl_type: SSL_TYPE[a.require.type] ?? '',
      ssl_cipher: a.require.cipher ?? '',
      x509_issuer: a.require.issuer ?? '',
      x509_subject: a.require.subject ?? '',
      max_questions: a.limits.MAX_QUERIES_PER_HOUR,
      max_updates: a.limits.MAX_UPDATES_PER_HOUR,
      max_connections: a.limits.MAX_CONNECTIONS_PER_HOUR,
      max_user_connections: a.limits.MAX_USER_CONNECTIONS,
      account_locked: a.locked ? 'Y' : 'N',
      password_require_current: a.requireCurrent === 'DEFAULT' ? null : a.requireCurrent,
    })),
  };
}

function processList(env: TableEnv): TableData {
  const { session, access } = env;
  const seesAll = access.hasGlobal(session, 'PROCESS');
  const now = env.now();
  return {
    columns: ['ID', 'USER', 'HOST', 'DB', 'COMMAND', 'TIME', 'STATE', 'INFO'],
    rows: env
      .sessions()
      .filter((s) => seesAll || s.clientUser === session.clientUser)
      .map((s) => ({
        ID: s.id,
        USER: s.clientUser,
        HOST: s.clientHost,
        DB: s.db ?? null,
        COMMAND: s.command,
        TIME: Math.floor((now - s.stateSinceMs) / 1000),
        STATE: s.command === 'Query' ? 'executing' : '',
        INFO: s.info,
      })),
  };
}

function userPrivileges(env: TableEnv): TableData {
  const { session, access } = env;
  const all = access.mayReadUserTable(session);
  const rows: Record<string, Value>[] = [];
  for (const a of env.accounts.all()) {
    if (!all && !access.isSelf(session, a)) continue;
    const grantee = `'${a.user}'@'${a.host}'`;
    const grantable = a.grants.globalGrantOption ? 'YES' : 'NO';
    const privileges = [...a.grants.global].map((p) => [p, grantable] as const);
    for (const [name, g] of a.grants.dynamic) privileges.push([name, g ? 'YES' : 'NO']);
    if (privileges.length === 0) privileges.push(['USAGE', 'NO']);
    for (const [p, g] of privileges)
      rows.push({ GRANTEE: grantee, TABLE_CATALOG: 'def', PRIVILEGE_TYPE: p, IS_GRANTABLE: g });
  }
  return { columns: ['GRANTEE', 'TABLE_CATALOG', 'PRIVILEGE_TYPE', 'IS_GRANTABLE'], rows };
}
