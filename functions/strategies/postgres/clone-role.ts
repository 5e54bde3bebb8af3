import { quoteIdentifier, type PostgresSession } from './connection';

interface RoleAttributes {
  rolcreatedb: boolean;
  rolcreaterole: boolean;
  rolinherit: boolean;
  rolconnlimit: number;
}

/**
 * Creates role `to` as a working twin of role `from`, inside the caller's transaction:
 * - member of `from`, so it holds every privilege granted to `from` and on objects `from` owns;
 * - member of every role `from` is a direct member of (without admin option: the clone
 *   must not be able to hand out more than the original has);
 * - the same CREATEDB / CREATEROLE / INHERIT / CONNECTION LIMIT attributes.
 * SUPERUSER, REPLICATION and BYPASSRLS are never copied: a rotation must not widen access.
 * The password is set by the caller.
 */
export async function cloneRole(session: PostgresSession, roles: { from: string; to: string }): Promise<void> {
  const [attributes] = await session.query<RoleAttributes>(
    'SELECT rolcreatedb, rolcreaterole, rolinherit, rolconnlimit FROM pg_roles WHERE rolname = $1',
    [roles.from],
  );
  if (!attributes) throw new Error(`role "${roles.from}" does not exist on the server`);
  const memberships = await session.query<{ rolname: string }>(
    `SELECT r.rolname FROM pg_auth_members m
       JOIN pg_roles r ON r.oid = m.roleid
       JOIN pg_roles u ON u.oid = m.member
      WHERE u.rolname = $1`,
    [roles.from],
  );

  const options = [
    'LOGIN',
    attributes.rolcreatedb ? 'CREATEDB' : 'NOCREATEDB',
    attributes.rolcreaterole ? 'CREATEROLE' : 'NOCREATEROLE',
    attributes.rolinherit ? 'INHERIT' : 'NOINHERIT',
    `CONNECTION LIMIT ${attributes.rolconnlimit}`,
  ];
  const clone = quoteIdentifier(roles.to);
  await session.query(`CREATE ROLE ${clone} WITH ${options.join(' ')}`);
  await session.query(`GRANT ${quoteIdentifier(roles.from)} TO ${clone}`);
  for (const { rolname } of memberships) {
    await session.query(`GRANT ${quoteIdentifier(rolname)} TO ${clone}`);
  }
}
