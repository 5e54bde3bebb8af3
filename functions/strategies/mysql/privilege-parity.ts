import type { RdsClientProvider } from '../database/rds-client';
import type { StrategyContext } from '../strategy';
import { mysqlDefaultRoles, showGrants } from './clone-grants';
import { loginAsMaster, withSession } from './common';
import type { MysqlLogin } from './connection';
import {
  atomKey,
  objectKey,
  parseAtom,
  quoteAtoms,
  quoteObject,
  quoteRole,
  roleKey,
  type AccountGrants,
  type GrantObject,
  type RoleRef,
} from './grants';
import type { MysqlSecret } from './secret';

/**
 * What `replaced` holds that `credential` does not, computed from the server (SHOW GRANTS of
 * both, read by grants.ts, and MySQL's mysql.default_roles), as the master sees them: global,
 * database, table, column and routine privileges, GRANT OPTION, roles (with ADMIN OPTION),
 * default roles and PROXY grants. A privilege held at a wider level covers a narrower one
 * (SELECT on `db`.* covers SELECT on `db`.`t` and its columns). Names only, never values.
 */
export async function missingPrivileges(
  login: MysqlLogin,
  rds: RdsClientProvider,
  host: string,
  credential: MysqlSecret,
  replaced: MysqlSecret,
  ctx: StrategyContext,
): Promise<string[]> {
  const master = await loginAsMaster(login, rds, credential, ctx);
  return withSession(master, async (m) => {
    const oldAccount = { user: replaced.username, host };
    const newAccount = { user: credential.username, host };
    const [have, want] = [await showGrants(m, newAccount), await showGrants(m, oldAccount)];
    const missing = compareGrants(want, have);
    const wantDefaults = await mysqlDefaultRoles(m, oldAccount);
    const haveDefaults = new Set((await mysqlDefaultRoles(m, newAccount)).map(roleKey));
    for (const role of wantDefaults)
      if (!haveDefaults.has(roleKey(role))) missing.push(`default role ${quoteRole(role)}`);
    return missing;
  });
}

/** The wider objects whose privileges also apply to `object`. */
function coveringObjects(object: GrantObject): GrantObject[] {
  const global = { type: '', database: '*', name: '*' };
  if (object.database === '*') return [object];
  const database = { type: '', database: object.database, name: '*' };
  if (object.name === '*') return [object, global];
  return [object, database, global];
}

/** What `want` (the replaced account's grants) has that `have` lacks, in words. */
export function compareGrants(want: AccountGrants, have: AccountGrants): string[] {
  const missing: string[] = [];
  const holds = (object: GrantObject, atom: string): boolean => {
    const { privilege } = parseAtom(atom);
    return coveringObjects(object).some((o) => {
      const held = have.privileges.get(objectKey(o));
      return held !== undefined && (held.has(atom) || held.has(atomKey({ privilege })));
    });
  };
  for (const [key, atoms] of want.privileges) {
    const object = want.objects.get(key) as GrantObject;
    const absent = [...atoms].filter((a) => !holds(object, a)).map(parseAtom);
    if (absent.length > 0) missing.push(`${quoteAtoms(absent)} on ${quoteObject(object)}`);
    if (want.grantOption.get(key) && !coveringObjects(object).some((o) => have.grantOption.get(objectKey(o)))) {
      missing.push(`GRANT OPTION on ${quoteObject(object)}`);
    }
  }
  for (const [key, admin] of want.roles) {
    const role = want.roleRefs.get(key) as RoleRef;
    const held = have.roles.get(key);
    if (held === undefined) missing.push(`role ${quoteRole(role)}`);
    else if (admin && !held) missing.push(`ADMIN OPTION for role ${quoteRole(role)}`);
  }
  if (want.defaultRole && (!have.defaultRole || roleKey(have.defaultRole) !== roleKey(want.defaultRole))) {
    missing.push(`default role ${quoteRole(want.defaultRole)}`);
  }
  const proxies = new Set(have.proxies);
  for (const proxy of want.proxies) if (!proxies.has(proxy)) missing.push(`PROXY on ${proxy}`);
  return missing;
}
