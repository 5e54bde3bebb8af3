import { CloneGrantsError } from './errors';
import { isName, isPunct, isWord, tokenize, type SqlToken } from './sql-tokens';
import { describeAccount, quoteAccount, quoteIdentifier, type MysqlAccount } from './quoting';

/**
 * SHOW GRANTS, read into facts that can be compared between two accounts and turned back into
 * GRANT / REVOKE statements keyturn quotes itself. What an account's grants say:
 * - privileges on objects (`*.*`, `db`.*, `db`.`t`, PROCEDURE `db`.`p`...), per column where
 *   the grant names columns, and whether it holds GRANT OPTION there;
 * - roles granted to it (with or without ADMIN OPTION), and MariaDB's default role.
 * Left out on purpose:
 * - the `IDENTIFIED BY PASSWORD '…'` part of MariaDB's USAGE line: a clone must keep its own
 *   password (copying it would give the clone the original's password);
 * - REQUIRE and resource limits printed there: account properties, copied from mysql.user;
 * - PROXY grants: the master can only give them with PROXY … WITH GRANT OPTION on the proxied
 *   account, which managed masters lack, and a password account never uses them unless the
 *   server maps proxy users for built-in plugins. They are reported, never copied.
 */

export interface GrantObject {
  /** '' for tables and databases; PROCEDURE, FUNCTION, PACKAGE, PACKAGE BODY for routines. */
  readonly type: string;
  /** '*' for every database. */
  readonly database: string;
  /** '*' for every table. */
  readonly name: string;
}

export interface RoleRef {
  readonly name: string;
  /** MySQL roles are accounts (`r`@`%`); MariaDB roles have no host. */
  readonly host?: string;
}

export interface AccountGrants {
  /** Privilege facts: object key → privilege atoms (`SELECT`, `SELECT (col)`). */
  readonly privileges: ReadonlyMap<string, ReadonlySet<string>>;
  /** Object key → whether GRANT OPTION is held there. */
  readonly grantOption: ReadonlyMap<string, boolean>;
  readonly objects: ReadonlyMap<string, GrantObject>;
  /** Role key → whether ADMIN OPTION is held. */
  readonly roles: ReadonlyMap<string, boolean>;
  readonly roleRefs: ReadonlyMap<string, RoleRef>;
  /** MariaDB's SET DEFAULT ROLE line; undefined: none. */
  readonly defaultRole?: RoleRef;
  /** Accounts named in PROXY grants, which are never copied. */
  readonly proxies: readonly string[];
}

/** A privilege atom: `SELECT` or `SELECT (col)`; the column is kept apart for quoting. */
export interface PrivilegeAtom {
  readonly privilege: string;
  readonly column?: string;
}

const PRIVILEGE_NAME = /^[A-Z][A-Z_ ]*$/;
const OBJECT_TYPES = ['PROCEDURE', 'FUNCTION', 'PACKAGE', 'TABLE'];

export function objectKey(object: GrantObject): string {
  return JSON.stringify([object.type, object.database, object.name]);
}

export function atomKey(atom: PrivilegeAtom): string {
  return JSON.stringify([atom.privilege, atom.column ?? null]);
}

export function parseAtom(key: string): PrivilegeAtom {
  const [privilege, column] = JSON.parse(key) as [string, string | null];
  return column === null ? { privilege } : { privilege, column };
}

export function roleKey(role: RoleRef): string {
  return JSON.stringify([role.name, role.host ?? null]);
}

export function quoteObject(object: GrantObject): string {
  const part = (s: string) => (s === '*' ? '*' : quoteIdentifier(s));
  return `${object.type ? `${object.type} ` : ''}${part(object.database)}.${part(object.name)}`;
}

export function quoteRole(role: RoleRef): string {
  return role.host === undefined
    ? quoteIdentifier(role.name)
    : `${quoteIdentifier(role.name)}@${quoteIdentifier(role.host)}`;
}

export function quoteAtoms(atoms: readonly PrivilegeAtom[]): string {
  // Column atoms of one privilege are printed together: SELECT (`a`, `b`).
  const byPrivilege = new Map<string, string[] | null>();
  for (const atom of atoms) {
    if (!PRIVILEGE_NAME.test(atom.privilege)) {
      throw new CloneGrantsError(`"${atom.privilege.slice(0, 40)}" is not a privilege name keyturn can grant`);
    }
    const columns = byPrivilege.get(atom.privilege);
    if (atom.column === undefined) byPrivilege.set(atom.privilege, null);
    else if (columns !== null) byPrivilege.set(atom.privilege, [...(columns ?? []), quoteIdentifier(atom.column)]);
  }
  return [...byPrivilege]
    .map(([privilege, columns]) => (columns ? `${privilege} (${columns.join(', ')})` : privilege))
    .join(', ');
}

class Reader {
  private at = 0;
  constructor(
    private readonly tokens: readonly SqlToken[],
    private readonly line: string,
  ) {}
  peek(offset = 0): SqlToken | undefined {
    return this.tokens[this.at + offset];
  }
  next(): SqlToken | undefined {
    return this.tokens[this.at++];
  }
  rest(): readonly SqlToken[] {
    return this.tokens.slice(this.at);
  }
  fail(what: string): never {
    throw new CloneGrantsError(`cannot read a grant (${what}): "${this.line.slice(0, 120)}"`);
  }
  name(): string {
    const token = this.next();
    if (!isName(token)) this.fail('expected a quoted name');
    return token.value;
  }
  /** `user`@`host`, `'user'@'host'`, or a bare `role`. */
  account(): RoleRef {
    const name = this.name();
    if (!isPunct(this.peek(), '@')) return { name };
    this.next();
    return { name, host: this.name() };
  }
}

interface MutableGrants {
  privileges: Map<string, Set<string>>;
  grantOption: Map<string, boolean>;
  objects: Map<string, GrantObject>;
  roles: Map<string, boolean>;
  roleRefs: Map<string, RoleRef>;
  defaultRole?: RoleRef;
  proxies: string[];
}

function sameAccount(ref: RoleRef, account: MysqlAccount): boolean {
  return ref.name === account.user && ref.host === account.host;
}

function hasSequence(tokens: readonly SqlToken[], ...words: string[]): boolean {
  return tokens.some((_, i) => words.every((w, j) => isWord(tokens[i + j], w)));
}

function readPrivileges(reader: Reader): PrivilegeAtom[] {
  const atoms: PrivilegeAtom[] = [];
  for (;;) {
    const words: string[] = [];
    while (reader.peek()?.kind === 'word' && !isWord(reader.peek(), 'ON')) words.push(reader.next()?.value ?? '');
    const privilege = words.join(' ').toUpperCase();
    if (!PRIVILEGE_NAME.test(privilege)) reader.fail('expected a privilege');
    if (isPunct(reader.peek(), '(')) {
      reader.next();
      for (;;) {
        atoms.push({ privilege, column: reader.name() });
        const separator = reader.next();
        if (isPunct(separator, ')')) break;
        if (!isPunct(separator, ',')) reader.fail('expected , or ) in a column list');
      }
    } else {
      atoms.push({ privilege });
    }
    if (!isPunct(reader.peek(), ',')) return atoms;
    reader.next();
  }
}

function readObject(reader: Reader): GrantObject {
  let type = '';
  if (isWord(reader.peek(), ...OBJECT_TYPES)) {
    type = (reader.next()?.value ?? '').toUpperCase();
    if (type === 'PACKAGE' && isWord(reader.peek(), 'BODY')) {
      reader.next();
      type = 'PACKAGE BODY';
    }
    if (type === 'TABLE') type = '';
  }
  const part = (): string => {
    if (isPunct(reader.peek(), '*')) {
      reader.next();
      return '*';
    }
    return reader.name();
  };
  const database = part();
  if (!isPunct(reader.next(), '.')) reader.fail('expected database.object');
  return { type, database, name: part() };
}

function expectTo(reader: Reader, keyword: 'TO' | 'FOR', account: MysqlAccount): void {
  if (!isWord(reader.next(), keyword)) reader.fail(`expected ${keyword}`);
  if (!sameAccount(reader.account(), account)) reader.fail(`the grant is not for ${describeAccount(account)}`);
}

function readLine(line: string, account: MysqlAccount, grants: MutableGrants): void {
  const tokens = tokenize(line);
  const reader = new Reader(tokens, line);
  const verb = reader.next();
  if (isWord(verb, 'SET')) {
    // MariaDB: SET DEFAULT ROLE `r` FOR `u`@`h`
    if (!isWord(reader.next(), 'DEFAULT') || !isWord(reader.next(), 'ROLE')) reader.fail('expected SET DEFAULT ROLE');
    const role = reader.account();
    expectTo(reader, 'FOR', account);
    grants.defaultRole = role;
    return;
  }
  if (isWord(verb, 'REVOKE')) {
    throw new CloneGrantsError(
      `${describeAccount(account)} has partial revokes ("${line.slice(0, 80)}"), which keyturn does not copy`,
    );
  }
  if (!isWord(verb, 'GRANT')) reader.fail('expected GRANT');
  const onIndex = tokens.findIndex((t) => isWord(t, 'ON'));
  const toIndex = tokens.findIndex((t) => isWord(t, 'TO'));
  if (toIndex < 0) reader.fail('expected TO');
  if (onIndex < 0 || onIndex > toIndex) {
    // Roles: GRANT `r`[@`h`], ... TO account [WITH ADMIN OPTION]
    const roles: RoleRef[] = [reader.account()];
    while (isPunct(reader.peek(), ',')) {
      reader.next();
      roles.push(reader.account());
    }
    expectTo(reader, 'TO', account);
    const admin = hasSequence(reader.rest(), 'ADMIN', 'OPTION');
    for (const role of roles) {
      grants.roles.set(roleKey(role), admin);
      grants.roleRefs.set(roleKey(role), role);
    }
    return;
  }
  const atoms = readPrivileges(reader);
  if (!isWord(reader.next(), 'ON')) reader.fail('expected ON');
  if (atoms.some((a) => a.privilege === 'PROXY')) {
    const proxied = reader.account();
    grants.proxies.push(describeAccount({ user: proxied.name, host: proxied.host ?? '%' }));
    return;
  }
  const object = readObject(reader);
  expectTo(reader, 'TO', account);
  const key = objectKey(object);
  const held = grants.privileges.get(key) ?? new Set<string>();
  for (const atom of atoms) if (atom.privilege !== 'USAGE') held.add(atomKey(atom));
  const grantOption = (grants.grantOption.get(key) ?? false) || hasSequence(reader.rest(), 'GRANT', 'OPTION');
  if (held.size > 0 || grantOption) {
    grants.privileges.set(key, held);
    grants.objects.set(key, object);
    grants.grantOption.set(key, grantOption);
  }
}

/** Reads SHOW GRANTS FOR `account` (one statement per line, as the server prints them). */
export function parseGrants(lines: readonly string[], account: MysqlAccount): AccountGrants {
  const grants: MutableGrants = {
    privileges: new Map(),
    grantOption: new Map(),
    objects: new Map(),
    roles: new Map(),
    roleRefs: new Map(),
    proxies: [],
  };
  for (const line of lines) readLine(line, account, grants);
  return grants;
}

/** One statement that moves `actual` toward `desired`, or none when they are equal. */
export interface GrantChange {
  readonly sql: string;
  /** What it does, with names only (for errors and logs). */
  readonly description: string;
}

/**
 * The GRANT statements that give `to` what `desired` has and it lacks, then the REVOKE
 * statements that take away what it has beyond `desired`. Grants come first so a client of
 * the account never loses a privilege it keeps.
 */
export function grantChanges(
  desired: AccountGrants,
  actual: AccountGrants,
  to: MysqlAccount,
  flavor: 'mysql' | 'mariadb' = 'mariadb',
): GrantChange[] {
  const grantee = quoteAccount(to);
  const changes: GrantChange[] = [];
  const revokes: GrantChange[] = [];
  for (const [key, want] of desired.privileges) {
    const object = desired.objects.get(key) as GrantObject;
    const have = actual.privileges.get(key) ?? new Set<string>();
    const missing = [...want].filter((a) => !have.has(a)).map(parseAtom);
    const wantOption = desired.grantOption.get(key) ?? false;
    const needOption = wantOption && !(actual.grantOption.get(key) ?? false);
    if (missing.length > 0 || needOption) {
      const atoms = missing.length > 0 ? missing : [...want].map(parseAtom).slice(0, 1);
      const grantable = atoms.length > 0 ? quoteAtoms(atoms) : 'USAGE';
      changes.push({
        sql: `GRANT ${grantable} ON ${quoteObject(object)} TO ${grantee}${wantOption ? ' WITH GRANT OPTION' : ''}`,
        description: `grant ${grantable} on ${quoteObject(object)}`,
      });
    }
  }
  for (const [key, have] of actual.privileges) {
    const object = actual.objects.get(key) as GrantObject;
    const want = desired.privileges.get(key) ?? new Set<string>();
    const extra = [...have].filter((a) => !want.has(a)).map(parseAtom);
    if (extra.length > 0) {
      revokes.push({
        sql: `REVOKE ${quoteAtoms(extra)} ON ${quoteObject(object)} FROM ${grantee}`,
        description: `revoke ${quoteAtoms(extra)} on ${quoteObject(object)}`,
      });
    }
    if ((actual.grantOption.get(key) ?? false) && !(desired.grantOption.get(key) ?? false)) {
      revokes.push({
        sql: `REVOKE GRANT OPTION ON ${quoteObject(object)} FROM ${grantee}`,
        description: `revoke GRANT OPTION on ${quoteObject(object)}`,
      });
    }
  }
  for (const [key, admin] of desired.roles) {
    const role = desired.roleRefs.get(key) as RoleRef;
    const has = actual.roles.get(key);
    if (has === undefined || (admin && !has)) {
      changes.push({
        sql: `GRANT ${quoteRole(role)} TO ${grantee}${admin ? ' WITH ADMIN OPTION' : ''}`,
        description: `grant role ${quoteRole(role)}`,
      });
    }
  }
  for (const [key, admin] of actual.roles) {
    const role = actual.roleRefs.get(key) as RoleRef;
    const want = desired.roles.get(key);
    if (want === undefined) {
      revokes.push({ sql: `REVOKE ${quoteRole(role)} FROM ${grantee}`, description: `revoke role ${quoteRole(role)}` });
    } else if (admin && !want) {
      if (flavor === 'mariadb') {
        revokes.push({
          sql: `REVOKE ADMIN OPTION FOR ${quoteRole(role)} FROM ${grantee}`,
          description: `revoke ADMIN OPTION for role ${quoteRole(role)}`,
        });
      } else {
        // MySQL has no REVOKE ADMIN OPTION FOR: the role is revoked and granted again without it.
        revokes.push(
          { sql: `REVOKE ${quoteRole(role)} FROM ${grantee}`, description: `revoke role ${quoteRole(role)}` },
          {
            sql: `GRANT ${quoteRole(role)} TO ${grantee}`,
            description: `grant role ${quoteRole(role)} without ADMIN OPTION`,
          },
        );
      }
    }
  }
  const desiredDefault = desired.defaultRole ? roleKey(desired.defaultRole) : undefined;
  const actualDefault = actual.defaultRole ? roleKey(actual.defaultRole) : undefined;
  if (desiredDefault !== actualDefault) {
    const role = desired.defaultRole ? quoteRole(desired.defaultRole) : 'NONE';
    revokes.push({ sql: `SET DEFAULT ROLE ${role} FOR ${grantee}`, description: `set default role ${role}` });
  }
  return [...changes, ...revokes];
}
