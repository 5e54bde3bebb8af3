import type { Logger } from '@aws-lambda-powertools/logger';
import { quoteIdentifier, quoteLiteral, PostgresTargetError, type PostgresSession } from './connection';
import { DEFAULT_PRIVILEGE_OBJECTS, MISSING_DEFAULT_PRIVILEGES_SQL } from './default-acl';
import { MISSING_ROLE_SETTINGS_SQL } from './role-settings';

interface RoleAttributes {
  rolcreatedb: boolean;
  rolcreaterole: boolean;
  rolconnlimit: number;
}

/** Server features that change how a membership is granted. */
interface CloneServer {
  /** 16+: each membership has its own INHERIT and SET options (before, INHERIT was the member's attribute). */
  readonly membershipOptions: boolean;
}

async function cloneServer(session: PostgresSession): Promise<CloneServer> {
  const [row] = await session.query<{ version: string }>(`SELECT current_setting('server_version_num') AS version`);
  return { membershipOptions: Number(row?.version ?? 0) >= 160000 };
}

/**
 * Creates role `to` as a working twin of role `from`, inside the caller's transaction:
 * - an INHERIT member of `from` (whatever `from`'s own INHERIT attribute: a NOINHERIT clone
 *   would hold none of `from`'s privileges), so it uses every privilege granted to `from`, on
 *   objects `from` owns, and through `from`'s memberships exactly as `from` does (the server
 *   follows `from`'s own NOINHERIT and SET-only memberships along the chain);
 * - the same CREATEDB / CREATEROLE / CONNECTION LIMIT attributes.
 * SUPERUSER, REPLICATION and BYPASSRLS are never copied: a rotation must not widen access (the
 * privilege check before the switch names them when `from` has them). The password is set by the caller.
 */
export async function createCloneRole(session: PostgresSession, roles: { from: string; to: string }): Promise<void> {
  const [attributes] = await session.query<RoleAttributes>(
    'SELECT rolcreatedb, rolcreaterole, rolconnlimit FROM pg_roles WHERE rolname = $1',
    [roles.from],
  );
  if (!attributes) throw new PostgresTargetError(`role "${roles.from}" does not exist on the server`);
  const options = [
    'LOGIN',
    'INHERIT',
    attributes.rolcreatedb ? 'CREATEDB' : 'NOCREATEDB',
    attributes.rolcreaterole ? 'CREATEROLE' : 'NOCREATEROLE',
    `CONNECTION LIMIT ${attributes.rolconnlimit}`,
  ];
  await session.query(`CREATE ROLE ${quoteIdentifier(roles.to)} WITH ${options.join(' ')}`);
}

/** Whether role `member` is a direct member of role `of` (a clone is a member of its original). */
export async function isDirectMember(session: PostgresSession, member: string, of: string): Promise<boolean> {
  const rows = await session.query(
    `SELECT 1 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
      WHERE u.rolname = $1 AND r.rolname = $2`,
    [member, of],
  );
  return rows.length > 0;
}

/**
 * Brings clone `to` back in line with its original `from`, on every rotation that switches to
 * the clone (inside the caller's transaction): its membership of `from` inherits (repairing
 * clones made NOINHERIT by earlier versions), and it carries `from`'s role settings (a
 * `search_path`, a `statement_timeout`...) and default privileges. A setting or default
 * privilege the master may not copy is logged and left to the privilege check before the
 * switch, which names it: nothing moves while the clone falls short.
 */
export async function alignCloneRole(
  session: PostgresSession,
  roles: { from: string; to: string },
  logger: Logger,
): Promise<void> {
  const server = await cloneServer(session);
  const clone = quoteIdentifier(roles.to);
  const original = quoteIdentifier(roles.from);
  // Granted only when missing or not inheriting: re-granting needs ADMIN on the original, which a master
  // that did not create it may lack.
  const [membership] = await session.query<{ member: boolean; inherits: boolean; sets: boolean }>(
    server.membershipOptions
      ? `SELECT count(m.*) > 0 AS member, coalesce(bool_or(m.inherit_option), false) AS inherits,
                coalesce(bool_or(m.set_option), false) AS sets
           FROM pg_roles u LEFT JOIN pg_auth_members m ON m.member = u.oid
            AND m.roleid = (SELECT oid FROM pg_roles WHERE rolname = $2)
          WHERE u.rolname = $1`
      : `SELECT EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = u.oid
                          AND m.roleid = (SELECT oid FROM pg_roles WHERE rolname = $2)) AS member,
                u.rolinherit AS inherits, true AS sets
           FROM pg_roles u WHERE u.rolname = $1`,
    [roles.to, roles.from],
  );
  if (server.membershipOptions) {
    // Granting an existing membership again updates its options.
    if (!membership?.member || !membership.inherits || !membership.sets) {
      await session.query(`GRANT ${original} TO ${clone} WITH INHERIT TRUE, SET TRUE`);
    }
  } else {
    if (!membership?.inherits) await session.query(`ALTER ROLE ${clone} INHERIT`);
    if (!membership?.member) await session.query(`GRANT ${original} TO ${clone}`);
  }
  for (const statement of await settingStatements(session, roles)) {
    await attempt(session, statement.sql, `setting ${statement.what}`, logger);
  }
  for (const statement of await defaultPrivilegeStatements(session, roles)) {
    await attempt(session, statement.sql, `default privilege ${statement.what}`, logger);
  }
}

/** Runs one statement in a savepoint: a refusal is logged (value-free) and the transaction goes on. */
async function attempt(session: PostgresSession, sql: string, what: string, logger: Logger): Promise<void> {
  await session.query('SAVEPOINT keyturn_align');
  try {
    await session.query(sql);
    await session.query('RELEASE SAVEPOINT keyturn_align');
  } catch (error) {
    await session.query('ROLLBACK TO SAVEPOINT keyturn_align');
    if (!(error instanceof PostgresTargetError)) throw error;
    logger.warn(`could not copy the ${what} to the clone: ${error.message}`);
  }
}

interface AlignStatement {
  readonly sql: string;
  readonly what: string;
}

/** Settings stored as lists: `search_path="$user", public` is re-set item by item, each a literal. */
const LIST_SETTINGS = new Set([
  'search_path',
  'temp_tablespaces',
  'local_preload_libraries',
  'session_preload_libraries',
]);

/** `ALTER ROLE to [IN DATABASE d] SET ...` for each of `from`'s settings `to` lacks. */
async function settingStatements(
  session: PostgresSession,
  roles: { from: string; to: string },
): Promise<AlignStatement[]> {
  const rows = await session.query<{ datname: string | null; setting: string }>(MISSING_ROLE_SETTINGS_SQL, [
    roles.from,
    roles.to,
  ]);
  return rows.map(({ datname, setting }) => {
    const equals = setting.indexOf('=');
    const name = setting.slice(0, equals);
    const value = setting.slice(equals + 1);
    const values = LIST_SETTINGS.has(name) ? splitList(value) : [value];
    const where = datname === null ? '' : ` IN DATABASE ${quoteIdentifier(datname)}`;
    const quotedName = name.split('.').map(quoteIdentifier).join('.');
    return {
      sql: `ALTER ROLE ${quoteIdentifier(roles.to)}${where} SET ${quotedName} TO ${values.map(quoteLiteral).join(', ')}`,
      what: `${name}${datname === null ? '' : ` in database ${datname}`}`,
    };
  });
}

/** A stored list value (`"$user", public`) as its items, double quotes removed. */
function splitList(value: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charAt(i);
    if (c === '"') {
      if (quoted && value.charAt(i + 1) === '"') {
        current += '"';
        i++;
      } else {
        quoted = !quoted;
      }
    } else if (c === ',' && !quoted) {
      items.push(current.trim());
      current = '';
    } else {
      current += c;
    }
  }
  items.push(current.trim());
  return items.filter((item) => item !== '');
}

/** `ALTER DEFAULT PRIVILEGES FOR ROLE to ... GRANT ...` for each of `from`'s default grants `to` lacks. */
async function defaultPrivilegeStatements(
  session: PostgresSession,
  roles: { from: string; to: string },
): Promise<AlignStatement[]> {
  const rows = await session.query<{
    nspname: string | null;
    objtype: string;
    privilege: string;
    grantee: string | null;
    grantable: boolean;
    itself: boolean;
  }>(MISSING_DEFAULT_PRIVILEGES_SQL, [roles.from, roles.to]);
  // A grant to the creating role itself is its owner's rights, not something to hand to the clone.
  return rows.flatMap((row) => {
    const objects = DEFAULT_PRIVILEGE_OBJECTS[row.objtype];
    if (!objects || row.itself) return [];
    const schema = row.nspname === null ? '' : ` IN SCHEMA ${quoteIdentifier(row.nspname)}`;
    const grantee = row.grantee === null ? 'PUBLIC' : quoteIdentifier(row.grantee);
    return [
      {
        sql:
          `ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdentifier(roles.to)}${schema} ` +
          `GRANT ${row.privilege} ON ${objects} TO ${grantee}${row.grantable ? ' WITH GRANT OPTION' : ''}`,
        what: `${row.privilege} on ${objects.toLowerCase()}${row.nspname === null ? '' : ` in ${row.nspname}`} to ${row.grantee ?? 'PUBLIC'}`,
      },
    ];
  });
}
