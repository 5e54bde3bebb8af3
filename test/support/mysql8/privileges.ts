import type { AccountName, GrantObject, PrivilegeSpec } from './ast';
import { ServerErrors } from './errors';
import { DYNAMIC_PRIVILEGES, STATIC_PRIVILEGES } from './parser';

/**
 * One account's (or role's) grants, at MySQL's levels (MySQL 8.0 Reference Manual, "Privileges
 * Provided by MySQL" and "GRANT Statement", https://dev.mysql.com/doc/refman/8.0/en/privileges-provided.html,
 * /grant.html): global static and dynamic privileges, database, table, column and routine
 * privileges, each level with its own GRANT OPTION; PROXY grants; roles granted (WITH ADMIN OPTION).
 * Which privileges a level takes is checked as the server does (ER_ILLEGAL_GRANT_FOR_TABLE).
 */

interface Level {
  readonly privileges: Set<string>;
  grantOption: boolean;
}

interface TableLevel extends Level {
  /** Column privilege → columns. */
  readonly columns: Map<string, Set<string>>;
}

export const DATABASE_PRIVILEGES = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'DROP',
  'REFERENCES',
  'INDEX',
  'ALTER',
  'CREATE TEMPORARY TABLES',
  'LOCK TABLES',
  'EXECUTE',
  'CREATE VIEW',
  'SHOW VIEW',
  'CREATE ROUTINE',
  'ALTER ROUTINE',
  'EVENT',
  'TRIGGER',
]);
export const TABLE_PRIVILEGES = new Set([
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'DROP',
  'REFERENCES',
  'INDEX',
  'ALTER',
  'CREATE VIEW',
  'SHOW VIEW',
  'TRIGGER',
]);
const COLUMN_PRIVILEGES = new Set(['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']);
const ROUTINE_PRIVILEGES = new Set(['EXECUTE', 'ALTER ROUTINE']);
const DYNAMIC = new Set<string>(DYNAMIC_PRIVILEGES);

export const accountKey = (a: AccountName): string => `${a.user}\u0000${a.host}`;
export const keyAccount = (key: string): AccountName => {
  const [user = '', host = ''] = key.split('\u0000');
  return { user, host };
};
const tableKey = (db: string, table: string) => `${db}\u0000${table}`;
const routineKey = (type: string, db: string, name: string) => `${type}\u0000${db}\u0000${name}`;
const quote = (name: string) => '`' + name.replace(/`/g, '``') + '`';
export const quoteAccountName = (a: AccountName): string => `${quote(a.user)}@${quote(a.host)}`;

export type ResolvedObject =
  | { readonly level: 'global' }
  | { readonly level: 'database'; readonly db: string }
  | { readonly level: 'table'; readonly db: string; readonly table: string }
  | { readonly level: 'routine'; readonly type: 'PROCEDURE' | 'FUNCTION'; readonly db: string; readonly name: string };

/** The privileges ALL [PRIVILEGES] stands for at a level. */
export function allPrivilegesAt(object: ResolvedObject): string[] {
  switch (object.level) {
    case 'global':
      return [...STATIC_PRIVILEGES];
    case 'database':
      return [...DATABASE_PRIVILEGES];
    case 'table':
      return [...TABLE_PRIVILEGES];
    case 'routine':
      return [...ROUTINE_PRIVILEGES];
  }
}

export function resolveObject(object: GrantObject, currentDb: string | undefined): ResolvedObject {
  if (object.type !== '') {
    const db = object.db === '' ? currentDb : object.db;
    if (db === undefined || db === '*' || object.table === '*') throw ServerErrors.illegalGrantForTable();
    return { level: 'routine', type: object.type, db, name: object.table };
  }
  if (object.db === '') {
    // `ON *` and `ON tbl`: relative to the current database.
    if (currentDb === undefined) throw ServerErrors.noDatabaseSelected();
    return object.table === '*'
      ? { level: 'database', db: currentDb }
      : { level: 'table', db: currentDb, table: object.table };
  }
  if (object.db === '*') {
    if (object.table !== '*') throw ServerErrors.parse(object.table);
    return { level: 'global' };
  }
  return object.table === '*'
    ? { level: 'database', db: object.db }
    : { level: 'table', db: object.db, table: object.table };
}

/** ER_ILLEGAL_GRANT_FOR_TABLE for a privilege the level does not take. */
export function checkPrivilegesFitLevel(privileges: readonly PrivilegeSpec[], object: ResolvedObject): void {
  for (const p of privileges) {
    if (p.name === 'USAGE' || p.name === 'GRANT OPTION') continue;
    const fits =
      p.columns !== undefined
        ? object.level === 'table' && COLUMN_PRIVILEGES.has(p.name)
        : object.level === 'global'
          ? true
          : object.level === 'database'
            ? DATABASE_PRIVILEGES.has(p.name)
            : object.level === 'table'
              ? TABLE_PRIVILEGES.has(p.name)
              : ROUTINE_PRIVILEGES.has(p.name);
    if (!fits || (object.level !== 'global' && DYNAMIC.has(p.name))) throw ServerErrors.illegalGrantForTable();
  }
}

export class Grants {
  readonly global = new Set<string>();
  globalGrantOption = false;
  /** Dynamic privilege → WITH GRANT OPTION. */
  readonly dynamic = new Map<string, boolean>();
  readonly databases = new Map<string, Level>();
  readonly tables = new Map<string, TableLevel>();
  readonly routines = new Map<string, Level>();
  /** Proxied account key → WITH GRANT OPTION. */
  readonly proxies = new Map<string, boolean>();
  /** Role account key → WITH ADMIN OPTION. */
  readonly roles = new Map<string, boolean>();

  grant(object: ResolvedObject, privileges: readonly PrivilegeSpec[], withGrantOption: boolean): void {
    if (object.level === 'global') {
      for (const p of privileges) {
        if (p.name === 'USAGE') continue;
        if (DYNAMIC.has(p.name)) this.dynamic.set(p.name, (this.dynamic.get(p.name) ?? false) || withGrantOption);
        else if (p.name !== 'GRANT OPTION') this.global.add(p.name);
      }
      if (withGrantOption || privileges.some((p) => p.name === 'GRANT OPTION')) {
        this.globalGrantOption = true;
        for (const name of this.dynamic.keys())
          if (privileges.some((p) => p.name === name)) this.dynamic.set(name, true);
      }
      return;
    }
    const level = this.levelFor(object, true);
    for (const p of privileges) {
      if (p.name === 'USAGE' || p.name === 'GRANT OPTION') continue;
      if (p.columns !== undefined && 'columns' in level) {
        const columns = level.columns.get(p.name) ?? new Set<string>();
        for (const c of p.columns) columns.add(c.toLowerCase());
        level.columns.set(p.name, columns);
      } else {
        level.privileges.add(p.name);
      }
    }
    if (withGrantOption || privileges.some((p) => p.name === 'GRANT OPTION')) level.grantOption = true;
  }

  /** Returns false when the level holds no grant at all (the server's ER_NONEXISTING_GRANT). */
  revoke(object: ResolvedObject, privileges: readonly PrivilegeSpec[], grantOption: boolean): boolean {
    if (object.level === 'global') {
      for (const p of privileges) {
        if (DYNAMIC.has(p.name)) this.dynamic.delete(p.name);
        else this.global.delete(p.name);
      }
      if (grantOption) {
        this.globalGrantOption = false;
        for (const name of this.dynamic.keys()) this.dynamic.set(name, false);
      }
      return true;
    }
    const level = this.levelFor(object, false);
    if (!level) return false;
    for (const p of privileges) {
      if (p.columns !== undefined && 'columns' in level) {
        const columns = level.columns.get(p.name);
        for (const c of p.columns) columns?.delete(c.toLowerCase());
        if (columns?.size === 0) level.columns.delete(p.name);
      } else {
        level.privileges.delete(p.name);
        if ('columns' in level) level.columns.delete(p.name);
      }
    }
    if (grantOption) level.grantOption = false;
    this.dropEmpty(object);
    return true;
  }

  revokeAll(): void {
    this.global.clear();
    this.globalGrantOption = false;
    this.dynamic.clear();
    this.databases.clear();
    this.tables.clear();
    this.routines.clear();
  }

  private levelFor(object: Exclude<ResolvedObject, { level: 'global' }>, create: true): Level | TableLevel;
  private levelFor(object: Exclude<ResolvedObject, { level: 'global' }>, create: false): Level | TableLevel | undefined;
  private levelFor(
    object: Exclude<ResolvedObject, { level: 'global' }>,
    create: boolean,
  ): Level | TableLevel | undefined {
    if (object.level === 'database') {
      let level = this.databases.get(object.db);
      if (!level && create) this.databases.set(object.db, (level = { privileges: new Set(), grantOption: false }));
      return level;
    }
    if (object.level === 'table') {
      const key = tableKey(object.db, object.table);
      let level = this.tables.get(key);
      if (!level && create)
        this.tables.set(key, (level = { privileges: new Set(), grantOption: false, columns: new Map() }));
      return level;
    }
    const key = routineKey(object.type, object.db, object.name);
    let level = this.routines.get(key);
    if (!level && create) this.routines.set(key, (level = { privileges: new Set(), grantOption: false }));
    return level;
  }

  private dropEmpty(object: ResolvedObject): void {
    const empty = (l: Level | TableLevel) =>
      l.privileges.size === 0 && !l.grantOption && (!('columns' in l) || l.columns.size === 0);
    if (object.level === 'database') {
      const l = this.databases.get(object.db);
      if (l && empty(l)) this.databases.delete(object.db);
    } else if (object.level === 'table') {
      const key = tableKey(object.db, object.table);
      const l = this.tables.get(key);
      if (l && empty(l)) this.tables.delete(key);
    } else if (object.level === 'routine') {
      const key = routineKey(object.type, object.db, object.name);
      const l = this.routines.get(key);
      if (l && empty(l)) this.routines.delete(key);
    }
  }

  /** Whether `privilege` is held at `object` or a level above it (own grants only). */
  holds(privilege: string, object: ResolvedObject): boolean {
    if (DYNAMIC.has(privilege)) return this.dynamic.has(privilege);
    if (this.global.has(privilege)) return true;
    if (object.level === 'global') return false;
    if (this.databases.get(object.db)?.privileges.has(privilege)) return true;
    if (object.level === 'table') {
      const level = this.tables.get(tableKey(object.db, object.table));
      return level?.privileges.has(privilege) ?? false;
    }
    if (object.level === 'routine')
      return this.routines.get(routineKey(object.type, object.db, object.name))?.privileges.has(privilege) ?? false;
    return false;
  }

  /** Whether any column of the table carries `privilege`. */
  holdsOnSomeColumn(privilege: string, db: string, table: string): boolean {
    return (this.tables.get(tableKey(db, table))?.columns.get(privilege)?.size ?? 0) > 0;
  }

  /** Whether GRANT OPTION is held at `object` or above. */
  holdsGrantOption(object: ResolvedObject, dynamicPrivilege?: string): boolean {
    if (dynamicPrivilege !== undefined) return this.dynamic.get(dynamicPrivilege) === true;
    if (this.globalGrantOption) return true;
    if (object.level === 'global') return false;
    if (this.databases.get(object.db)?.grantOption) return true;
    if (object.level === 'table') return this.tables.get(tableKey(object.db, object.table))?.grantOption ?? false;
    if (object.level === 'routine')
      return this.routines.get(routineKey(object.type, object.db, object.name))?.grantOption ?? false;
    return false;
  }

  /**
   * SHOW GRANTS as MySQL 8 prints it: the global static privileges (or USAGE) first, the dynamic
   * ones on a line of their own (comma-separated without spaces), then databases, tables (column
   * privileges inside the table's line), routines, PROXY, and the roles granted (WITH ADMIN OPTION
   * on a separate line).
   */
  show(grantee: AccountName): string[] {
    const to = ` TO ${quoteAccountName(grantee)}`;
    const lines: string[] = [];
    const globals = STATIC_PRIVILEGES.filter((p) => this.global.has(p));
    const head = globals.length === 0 ? 'USAGE' : globals.join(', ');
    lines.push(`GRANT ${head} ON *.*${to}${this.globalGrantOption && globals.length > 0 ? ' WITH GRANT OPTION' : ''}`);
    for (const grantable of [false, true]) {
      const names = [...this.dynamic]
        .filter(([, g]) => g === grantable)
        .map(([n]) => n)
        .sort();
      if (names.length > 0) lines.push(`GRANT ${names.join(',')} ON *.*${to}${grantable ? ' WITH GRANT OPTION' : ''}`);
    }
    for (const [db, level] of [...this.databases].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(
        `GRANT ${this.levelText(level, DATABASE_PRIVILEGES)} ON ${quote(db)}.*${to}${level.grantOption ? ' WITH GRANT OPTION' : ''}`,
      );
    }
    for (const [key, level] of [...this.tables].sort(([a], [b]) => a.localeCompare(b))) {
      const [db = '', table = ''] = key.split('\u0000');
      lines.push(
        `GRANT ${this.levelText(level, TABLE_PRIVILEGES)} ON ${quote(db)}.${quote(table)}${to}${level.grantOption ? ' WITH GRANT OPTION' : ''}`,
      );
    }
    for (const [key, level] of [...this.routines].sort(([a], [b]) => a.localeCompare(b))) {
      const [type = '', db = '', name = ''] = key.split('\u0000');
      lines.push(
        `GRANT ${this.levelText(level, ROUTINE_PRIVILEGES)} ON ${type} ${quote(db)}.${quote(name)}${to}${level.grantOption ? ' WITH GRANT OPTION' : ''}`,
      );
    }
    for (const [key, grantable] of this.proxies) {
      lines.push(`GRANT PROXY ON ${quoteAccountName(keyAccount(key))}${to}${grantable ? ' WITH GRANT OPTION' : ''}`);
    }
    for (const admin of [false, true]) {
      const roles = [...this.roles]
        .filter(([, a]) => a === admin)
        .map(([k]) => quoteAccountName(keyAccount(k)))
        .sort();
      if (roles.length > 0) lines.push(`GRANT ${roles.join(',')}${to}${admin ? ' WITH ADMIN OPTION' : ''}`);
    }
    return lines;
  }

  private levelText(level: Level | TableLevel, all: ReadonlySet<string>): string {
    const columns = 'columns' in level ? level.columns : new Map<string, Set<string>>();
    if (columns.size === 0 && level.privileges.size === all.size && [...all].every((p) => level.privileges.has(p))) {
      return 'ALL PRIVILEGES';
    }
    const names = [...new Set([...level.privileges, ...columns.keys()])].sort(
      (a, b) => STATIC_PRIVILEGES.indexOf(a as never) - STATIC_PRIVILEGES.indexOf(b as never),
    );
    const parts = names.map((name) => {
      const cols = columns.get(name);
      if (level.privileges.has(name) || !cols) return name;
      return `${name} (${[...cols].sort().map(quote).join(', ')})`;
    });
    return parts.length === 0 ? 'USAGE' : parts.join(', ');
  }
}
