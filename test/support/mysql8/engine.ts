import { Access } from './access';
import type { Account, AccountStore } from './accounts';
import type { AccountName, AccountRef, Expr, RoleList, SelectStatement, Statement, TableRef } from './ast';
import { ServerErrors } from './errors';
import { columnTitle, evaluate, isAggregate, type EvalContext } from './expressions';
import type { NamedLocks } from './named-locks';
import {
  accountKey,
  allPrivilegesAt,
  checkPrivilegesFitLevel,
  keyAccount,
  resolveObject,
  type ResolvedObject,
} from './privileges';
import type { Session, Value } from './session';
import { readTable, type Catalog, type TableData } from './tables';
import type { Plugin } from './credentials';

export interface Column {
  readonly name: string;
  readonly type: 'string' | 'int' | 'double';
}

export type StatementResult =
  | { readonly kind: 'ok'; readonly affectedRows: number }
  | { readonly kind: 'rows'; readonly columns: readonly Column[]; readonly rows: readonly (readonly Value[])[] };

/** Global system variables the double models (MySQL 8.0 "Server System Variables"). */
export interface GlobalVariables {
  password_history: number;
  password_reuse_interval: number;
  password_require_current: boolean;
  activate_all_roles_on_login: boolean;
}

export interface EngineDeps {
  readonly version: string;
  readonly versionComment: string;
  readonly accounts: AccountStore;
  readonly catalog: Catalog;
  readonly locks: NamedLocks;
  readonly sessions: () => readonly Session[];
  readonly now: () => number;
  readonly globals: GlobalVariables;
  readonly port: () => number;
}

const OK: StatementResult = { kind: 'ok', affectedRows: 0 };
const SESSION_ONLY = new Set([
  'sql_mode',
  'max_execution_time',
  'autocommit',
  'time_zone',
  'transaction_isolation',
  'transaction_read_only',
]);
const GLOBAL_ONLY = new Set([
  'password_history',
  'password_reuse_interval',
  'password_require_current',
  'activate_all_roles_on_login',
]);

/** Runs parsed statements against the account model, as the server's executor would. */
export class Engine {
  readonly access: Access;

  constructor(private readonly deps: EngineDeps) {
    this.access = new Access(deps.accounts);
  }

  async execute(statement: Statement, session: Session, params: readonly Value[]): Promise<StatementResult> {
    switch (statement.type) {
      case 'select':
        return this.select(statement, session, params);
      case 'show-grants':
        return this.showGrants(statement.account, session);
      case 'show-create-user':
        return this.showCreateUser(statement.account, session);
      case 'create-user':
        return this.createUser(statement, session);
      case 'alter-user':
        return this.alterUser(statement, session);
      case 'create-role':
        return this.createRole(statement, session);
      case 'drop-user':
        return this.dropUser(statement, session);
      case 'grant-privileges':
      case 'revoke-privileges':
        return this.privileges(statement, session);
      case 'revoke-all':
        this.requireCredentialAdmin(session);
        for (const ref of statement.from) this.existing(this.resolve(ref, session), 'REVOKE').grants.revokeAll();
        return OK;
      case 'grant-roles':
      case 'revoke-roles':
        return this.roles(statement, session);
      case 'grant-proxy':
      case 'revoke-proxy':
        return this.proxy(statement, session);
      case 'set-default-role':
        for (const ref of statement.to) this.setDefaultRoles(this.resolve(ref, session), statement.roles, session);
        return OK;
      case 'set-role':
        return this.setRole(statement.roles, session);
      case 'set-password':
        return this.setPassword(statement, session);
      case 'set':
        for (const a of statement.assignments) await this.setVariable(a.scope, a.name, a.value, session, params);
        return OK;
      case 'set-transaction':
        session.nextTransactionReadOnly = statement.readOnly;
        return OK;
      case 'kill':
        return this.kill(
          statement.query,
          Number(await evaluate(statement.id, this.evalContext(session, params))),
          session,
        );
      case 'start-transaction':
        session.transaction = { readOnly: statement.readOnly || session.nextTransactionReadOnly };
        session.nextTransactionReadOnly = false;
        return OK;
      case 'commit':
      case 'rollback':
        session.transaction = undefined;
        return OK;
      case 'flush-privileges':
        if (!this.access.hasGlobal(session, 'RELOAD') && !this.access.hasGlobal(session, 'FLUSH_PRIVILEGES')) {
          throw ServerErrors.specificAccessDenied('RELOAD or FLUSH_PRIVILEGES');
        }
        this.deps.accounts.flush();
        return OK;
      case 'create-database':
        if (!this.access.has(session, 'CREATE', { level: 'database', db: statement.name })) {
          throw ServerErrors.dbAccessDenied(session.clientName, statement.name);
        }
        if (this.deps.catalog.databases.has(statement.name)) {
          if (statement.ifNotExists) return OK;
          throw ServerErrors.databaseExists(statement.name);
        }
        this.deps.catalog.databases.add(statement.name);
        return { kind: 'ok', affectedRows: 1 };
      case 'create-table':
        return this.createTable(statement, session);
      case 'create-routine': {
        const db = statement.db ?? session.db;
        if (db === undefined) throw ServerErrors.noDatabaseSelected();
        if (!this.access.has(session, 'CREATE ROUTINE', { level: 'database', db })) {
          throw ServerErrors.dbAccessDenied(session.clientName, db);
        }
        this.deps.catalog.routines.add(this.deps.catalog.routineKey(statement.routine, db, statement.name));
        return OK;
      }
      case 'use':
        if (!this.deps.catalog.databases.has(statement.db)) throw ServerErrors.badDb(statement.db);
        session.db = statement.db;
        return OK;
    }
  }

  // ---- SELECT --------------------------------------------------------------------------------

  evalContext(session: Session, params: readonly Value[], extra: Partial<EvalContext> = {}): EvalContext {
    return {
      session,
      params,
      serverVersion: this.deps.version,
      locks: this.deps.locks,
      systemVariable: (name, scope) => this.readVariable(name, scope, session),
      ...extra,
    };
  }

  async select(statement: SelectStatement, session: Session, params: readonly Value[]): Promise<StatementResult> {
    const source = statement.from ? await this.readSource(statement.from, session, params) : undefined;
    const rows = source?.data.rows ?? [{}];
    const lookup = (row: Readonly<Record<string, Value>>) => (name: string, table: string | undefined) => {
      if (!source) throw ServerErrors.badField(name, 'field list');
      if (table !== undefined && table.toLowerCase() !== source.alias.toLowerCase()) {
        throw ServerErrors.badField(`${table}.${name}`, 'field list');
      }
      const column = source.data.columns.find((c) => c.toLowerCase() === name.toLowerCase());
      if (column === undefined) throw ServerErrors.badField(name, 'field list');
      return row[column] ?? null;
    };
    const matching: Readonly<Record<string, Value>>[] = [];
    for (const row of rows) {
      if (statement.where === undefined) {
        matching.push(row);
        continue;
      }
      const keep = await evaluate(statement.where, this.evalContext(session, params, { column: lookup(row) }));
      if (keep !== null && Number(keep) !== 0) matching.push(row);
    }
    const items = statement.items.flatMap((item): { expr: Expr; alias?: string }[] =>
      item.star
        ? (source?.data.columns ?? []).map((c) => ({ expr: { kind: 'column' as const, name: c }, alias: c }))
        : [item.alias === undefined ? { expr: item.expr } : { expr: item.expr, alias: item.alias }],
    );
    if (statement.items.some((i) => i.star) && !source) throw ServerErrors.parse('*');
    const aggregate = items.some((i) => isAggregate(i.expr));
    const outputRows: Value[][] = [];
    const inputs = aggregate ? [matching[0] ?? {}] : matching;
    for (const row of inputs) {
      const ctx = this.evalContext(session, params, {
        ...(source ? { column: lookup(row) } : {}),
        ...(aggregate ? { rowCount: matching.length } : {}),
      });
      const out: Value[] = [];
      for (const item of items) out.push(await evaluate(item.expr, ctx));
      outputRows.push(out);
      if (statement.limit !== undefined && outputRows.length >= statement.limit) break;
    }
    const columns = items.map((item, i) => ({
      name: item.alias ?? columnTitle(item.expr, undefined),
      type: columnType(outputRows.map((r) => r[i] ?? null)),
    }));
    return { kind: 'rows', columns, rows: statement.limit === 0 ? [] : outputRows };
  }

  private async readSource(
    from: TableRef,
    session: Session,
    params: readonly Value[],
  ): Promise<{ data: TableData; alias: string }> {
    if (from.kind === 'derived') {
      const result = await this.select(from.select, session, params);
      if (result.kind !== 'rows') throw ServerErrors.parse('(');
      const columns = result.columns.map((c) => c.name);
      return {
        alias: from.alias,
        data: { columns, rows: result.rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null]))) },
      };
    }
    const db = from.db ?? session.db;
    if (db === undefined) throw ServerErrors.noDatabaseSelected();
    const data = readTable(db, from.name, {
      session,
      accounts: this.deps.accounts,
      access: this.access,
      catalog: this.deps.catalog,
      sessions: this.deps.sessions,
      now: this.deps.now,
    });
    return { data, alias: from.alias ?? from.name };
  }

  // ---- variables -----------------------------------------------------------------------------

  /** Every modelled variable reads the same at both scopes: `_scope` is accepted and not needed. */
  readVariable(name: string, _scope: 'SESSION' | 'GLOBAL' | undefined, session: Session): Value {
    const g = this.deps.globals;
    switch (name) {
      case 'version':
        return this.deps.version;
      case 'version_comment':
        return this.deps.versionComment;
      case 'sql_mode':
        return session.sqlMode;
      case 'max_execution_time':
        return session.maxExecutionTimeMs;
      case 'autocommit':
        return session.autocommit;
      case 'transaction_read_only':
        return session.transaction?.readOnly ? 1 : 0;
      case 'password_history':
        return g.password_history;
      case 'password_reuse_interval':
        return g.password_reuse_interval;
      case 'password_require_current':
        return g.password_require_current ? 1 : 0;
      case 'activate_all_roles_on_login':
        return g.activate_all_roles_on_login ? 1 : 0;
      case 'default_authentication_plugin':
        return this.deps.accounts.defaultPlugin;
      case 'port':
        return this.deps.port();
      case 'time_zone':
        return 'SYSTEM';
      case 'transaction_isolation':
        return 'REPEATABLE-READ';
      case 'max_allowed_packet':
        return 67108864;
      case 'lower_case_table_names':
        return 0;
      case 'character_set_client':
      case 'character_set_connection':
      case 'character_set_results':
        return 'utf8mb4';
      default:
        throw ServerErrors.unknownSystemVariable(name);
    }
  }

  private async setVariable(
    scope: 'SESSION' | 'GLOBAL' | 'USER',
    name: string,
    valueExpr: Parameters<typeof evaluate>[0],
    session: Session,
    params: readonly Value[],
  ): Promise<void> {
    const value = await evaluate(valueExpr, this.evalContext(session, params));
    if (scope === 'USER') {
      session.userVariables.set(name.toLowerCase(), value);
      return;
    }
    const lower = name.toLowerCase();
    this.readVariable(lower, undefined, session); // unknown → ER_UNKNOWN_SYSTEM_VARIABLE
    if (scope === 'SESSION' && GLOBAL_ONLY.has(lower)) throw ServerErrors.globalVariable(lower);
    if (scope === 'GLOBAL') {
      if (!this.access.hasGlobal(session, 'SYSTEM_VARIABLES_ADMIN') && !this.access.hasGlobal(session, 'SUPER')) {
        throw ServerErrors.specificAccessDenied('SUPER or SYSTEM_VARIABLES_ADMIN');
      }
      const g = this.deps.globals;
      const on = (v: Value) => v === 'ON' || v === 1 || v === '1';
      if (lower === 'password_history') g.password_history = Number(value);
      else if (lower === 'password_reuse_interval') g.password_reuse_interval = Number(value);
      else if (lower === 'password_require_current') g.password_require_current = on(value);
      else if (lower === 'activate_all_roles_on_login') g.activate_all_roles_on_login = on(value);
      this.deps.accounts.policy.passwordHistory = g.password_history;
      this.deps.accounts.policy.passwordReuseInterval = g.password_reuse_interval;
      this.deps.accounts.policy.passwordRequireCurrent = g.password_require_current;
      return;
    }
    if (!SESSION_ONLY.has(lower) && !lower.startsWith('character_set'))
      throw ServerErrors.wrongValueForVariable(lower, String(value));
    if (lower === 'sql_mode') session.sqlMode = String(value ?? '').toUpperCase();
    else if (lower === 'max_execution_time') session.maxExecutionTimeMs = Number(value);
    else if (lower === 'autocommit') session.autocommit = value === 'ON' || Number(value) === 1 ? 1 : 0;
  }

  // ---- accounts ------------------------------------------------------------------------------

  resolve(ref: AccountRef, session: Session): AccountName {
    return 'current' in ref ? session.accountName : ref;
  }

  private existing(name: AccountName, operation: string): Account {
    return this.deps.accounts.require(name, operation);
  }

  private requireCredentialAdmin(session: Session): void {
    if (!this.access.maySetCredentials(session)) throw ServerErrors.specificAccessDenied('CREATE USER');
  }

  private showGrants(ref: AccountRef | undefined, session: Session): StatementResult {
    const name = ref ? this.resolve(ref, session) : session.accountName;
    if (!this.access.isSelf(session, name) && !this.access.has(session, 'SELECT', { level: 'database', db: 'mysql' })) {
      throw ServerErrors.dbAccessDenied(session.clientName, 'mysql');
    }
    const account = this.deps.accounts.get(name);
    if (!account) throw ServerErrors.noSuchGrant(name);
    return {
      kind: 'rows',
      columns: [{ name: `Grants for ${name.user}@${name.host}`, type: 'string' }],
      rows: account.grants.show(name).map((line) => [line]),
    };
  }

  private showCreateUser(ref: AccountRef, session: Session): StatementResult {
    const name = this.resolve(ref, session);
    const self = this.access.isSelf(session, name);
    if (!self && !this.access.mayReadUserTable(session)) throw ServerErrors.dbAccessDenied(session.clientName, 'mysql');
    const account = this.existing(name, 'SHOW CREATE USER');
    return {
      kind: 'rows',
      columns: [{ name: `CREATE USER for ${name.user}@${name.host}`, type: 'string' }],
      rows: [[this.deps.accounts.showCreateUser(account, this.access.mayReadUserTable(session))]],
    };
  }

  private createUser(statement: Extract<Statement, { type: 'create-user' }>, session: Session): StatementResult {
    if (
      !this.access.hasGlobal(session, 'CREATE USER') &&
      !this.access.has(session, 'INSERT', { level: 'database', db: 'mysql' })
    ) {
      throw ServerErrors.specificAccessDenied('CREATE USER');
    }
    const accounts = this.deps.accounts;
    const failed = statement.users.filter((u) => accounts.get(u.account as AccountName) !== undefined);
    if (failed.length > 0 && !statement.ifNotExists) {
      throw ServerErrors.cannotUser(
        'CREATE USER',
        failed.map((u) => quoteForError(u.account as AccountName)).join(','),
      );
    }
    for (const role of statement.defaultRoles ?? []) if (!accounts.get(role)) throw ServerErrors.unknownAuthId(role);
    for (const spec of statement.users) {
      const name = spec.account as AccountName;
      if (accounts.get(name)) continue;
      const auth = spec.auth ?? {};
      const created = accounts.create(name, {
        ...(auth.plugin === undefined ? {} : { plugin: auth.plugin as Plugin }),
        ...(auth.password === undefined ? {} : { password: auth.password }),
        ...(auth.hash === undefined ? {} : { hash: auth.hash }),
        accountOptions: statement.options,
      });
      if (statement.defaultRoles) created.defaultRoles = [...statement.defaultRoles];
    }
    return OK;
  }

  private createRole(statement: Extract<Statement, { type: 'create-role' }>, session: Session): StatementResult {
    if (!this.access.hasGlobal(session, 'CREATE ROLE') && !this.access.hasGlobal(session, 'CREATE USER')) {
      throw ServerErrors.specificAccessDenied('CREATE USER or CREATE ROLE');
    }
    const existing = statement.roles.filter((r) => this.deps.accounts.get(r));
    if (existing.length > 0 && !statement.ifNotExists) {
      throw ServerErrors.cannotUser('CREATE ROLE', existing.map(quoteForError).join(','));
    }
    for (const role of statement.roles)
      if (!this.deps.accounts.get(role)) this.deps.accounts.create(role, { isRole: true });
    return OK;
  }

  private dropUser(statement: Extract<Statement, { type: 'drop-user' }>, session: Session): StatementResult {
    const allowed = statement.role
      ? this.access.hasGlobal(session, 'DROP ROLE') || this.access.hasGlobal(session, 'CREATE USER')
      : this.access.hasGlobal(session, 'CREATE USER');
    if (!allowed) throw ServerErrors.specificAccessDenied(statement.role ? 'CREATE USER or DROP ROLE' : 'CREATE USER');
    const missing = statement.accounts.filter((a) => !this.deps.accounts.get(a));
    if (missing.length > 0 && !statement.ifExists) {
      throw ServerErrors.cannotUser(statement.role ? 'DROP ROLE' : 'DROP USER', missing.map(quoteForError).join(','));
    }
    for (const a of statement.accounts) this.deps.accounts.drop(a);
    return OK;
  }

  /**
   * ALTER USER. Privileges first, as the server checks them before anything else (sql_parse.cc):
   * changing only one's own password needs none; RETAIN CURRENT PASSWORD or DISCARD OLD
   * PASSWORD on one's own account needs APPLICATION_PASSWORD_ADMIN or CREATE USER (or UPDATE on
   * mysql.*); anything else, CREATE USER (or UPDATE on mysql.*).
   */
  private alterUser(statement: Extract<Statement, { type: 'alter-user' }>, session: Session): StatementResult {
    const accounts = this.deps.accounts;
    const options = statement.options;
    const optionsGiven = Object.keys(options).length > 0 || statement.defaultRole !== undefined;
    for (const spec of statement.users) {
      const name = this.resolve(spec.account, session);
      const self = this.access.isSelf(session, name);
      const passwordOnly = spec.auth?.password !== undefined && spec.auth.plugin === undefined && !optionsGiven;
      const secondPassword = spec.discardOldPassword === true || spec.auth?.retainCurrent === true;
      if ((passwordOnly || (spec.discardOldPassword && !optionsGiven)) && self) {
        if (
          secondPassword &&
          !this.access.maySetCredentials(session) &&
          !this.access.hasGlobal(session, 'APPLICATION_PASSWORD_ADMIN')
        ) {
          throw ServerErrors.specificAccessDenied('CREATE USER or APPLICATION_PASSWORD_ADMIN');
        }
      } else if (!this.access.maySetCredentials(session)) {
        throw ServerErrors.specificAccessDenied('CREATE USER');
      }
    }
    const privileged = this.access.maySetCredentials(session);
    for (const spec of statement.users) {
      const name = this.resolve(spec.account, session);
      const account = accounts.get(name);
      if (!account) {
        if (statement.ifExists) continue;
        throw ServerErrors.cannotUser('ALTER USER', quoteForError(name));
      }
      if (spec.auth) {
        const auth = spec.auth;
        accounts.changePassword(
          account,
          {
            ...(auth.plugin === undefined ? {} : { plugin: auth.plugin as Plugin }),
            ...(auth.password === undefined ? {} : { password: auth.password }),
            ...(auth.hash === undefined ? {} : { hash: auth.hash }),
            ...(auth.replace === undefined ? {} : { replace: auth.replace }),
            ...(auth.retainCurrent ? { retainCurrent: true } : {}),
          },
          { isSelf: this.access.isSelf(session, name), privileged },
        );
      }
      if (spec.discardOldPassword) accounts.discardOldPassword(account);
      accounts.applyOptions(account, options);
      if (statement.defaultRole !== undefined) this.setDefaultRoles(name, statement.defaultRole, session);
    }
    return OK;
  }

  /** SET PASSWORD (check_change_password): another account needs UPDATE on mysql.*; RETAIN as for ALTER USER. */
  private setPassword(statement: Extract<Statement, { type: 'set-password' }>, session: Session): StatementResult {
    const name = statement.account ? this.resolve(statement.account, session) : session.accountName;
    const self = this.access.isSelf(session, name);
    if (!self && !this.access.has(session, 'UPDATE', { level: 'database', db: 'mysql' })) {
      throw ServerErrors.dbAccessDenied(session.clientName, 'mysql');
    }
    if (
      statement.retainCurrent &&
      !this.access.maySetCredentials(session) &&
      !this.access.hasGlobal(session, 'APPLICATION_PASSWORD_ADMIN')
    ) {
      throw ServerErrors.specificAccessDenied('CREATE USER or APPLICATION_PASSWORD_ADMIN');
    }
    const account = this.deps.accounts.get(name);
    if (!account) throw ServerErrors.cannotUser('SET PASSWORD', quoteForError(name));
    this.deps.accounts.changePassword(
      account,
      {
        password: statement.password,
        ...(statement.replace === undefined ? {} : { replace: statement.replace }),
        ...(statement.retainCurrent ? { retainCurrent: true } : {}),
      },
      { isSelf: self, privileged: this.access.maySetCredentials(session) },
    );
    return OK;
  }

  // ---- grants --------------------------------------------------------------------------------

  private privileges(
    statement: Extract<Statement, { type: 'grant-privileges' | 'revoke-privileges' }>,
    session: Session,
  ): StatementResult {
    const object = resolveObject(statement.object, session.db);
    const privileges = statement.all ? allPrivilegesAt(object).map((name) => ({ name })) : statement.privileges;
    checkPrivilegesFitLevel(privileges, object);
    this.checkObjectExists(object);
    this.checkGrantor(
      session,
      object,
      privileges.map((p) => p.name),
    );
    const targets = (statement.type === 'grant-privileges' ? statement.to : statement.from).map((r) =>
      this.resolve(r, session),
    );
    for (const name of targets) {
      const account = this.deps.accounts.get(name);
      if (!account) {
        if (statement.type === 'grant-privileges') throw ServerErrors.grantWithoutUser();
        throw ServerErrors.noSuchGrant(name);
      }
      if (statement.type === 'grant-privileges') {
        account.grants.grant(object, privileges, statement.withGrantOption);
      } else if (!account.grants.revoke(object, privileges, statement.grantOption)) {
        throw ServerErrors.noSuchGrant(name);
      }
    }
    return OK;
  }

  private checkObjectExists(object: ResolvedObject): void {
    const catalog = this.deps.catalog;
    if (
      object.level === 'table' &&
      object.db !== 'mysql' &&
      !catalog.tables.has(catalog.tableKey(object.db, object.table))
    ) {
      throw ServerErrors.noSuchTable(object.db, object.table);
    }
    if (object.level === 'routine' && !catalog.routines.has(catalog.routineKey(object.type, object.db, object.name))) {
      throw ServerErrors.routineDoesNotExist(object.type, `${object.db}.${object.name}`);
    }
  }

  /** The grantor must hold GRANT OPTION and every privilege it hands out, at that level or above. */
  private checkGrantor(session: Session, object: ResolvedObject, privileges: readonly string[]): void {
    const missing = privileges.filter(
      (p) => p !== 'USAGE' && p !== 'GRANT OPTION' && !this.access.has(session, p, object),
    );
    const dynamic = privileges.find(
      (p) => /_/.test(p) && p === p.toUpperCase() && !this.access.hasGrantOption(session, object, p),
    );
    if (missing.length === 0 && this.access.hasGrantOption(session, object) && dynamic === undefined) return;
    const user = session.clientName;
    if (object.level === 'global') throw ServerErrors.accessDenied(user, true);
    if (object.level === 'database' || object.level === 'routine') throw ServerErrors.dbAccessDenied(user, object.db);
    throw ServerErrors.tableAccessDenied('GRANT', user, object.table);
  }

  private mayAdminRole(session: Session, role: AccountName): boolean {
    if (this.access.hasGlobal(session, 'ROLE_ADMIN') || this.access.hasGlobal(session, 'SUPER')) return true;
    return this.access.effectiveGrants(session).some((g) => g.roles.get(accountKey(role)) === true);
  }

  private roles(
    statement: Extract<Statement, { type: 'grant-roles' | 'revoke-roles' }>,
    session: Session,
  ): StatementResult {
    for (const role of statement.roles) {
      if (!this.deps.accounts.get(role)) throw ServerErrors.unknownAuthId(role);
      if (!this.mayAdminRole(session, role)) throw ServerErrors.specificAccessDenied('WITH ADMIN, ROLE_ADMIN, SUPER');
    }
    const targets = (statement.type === 'grant-roles' ? statement.to : statement.from).map((r) =>
      this.resolve(r, session),
    );
    for (const name of targets) {
      const account = this.deps.accounts.get(name);
      if (!account) throw ServerErrors.unknownAuthId(name);
      for (const role of statement.roles) {
        const key = accountKey(role);
        if (statement.type === 'grant-roles') {
          account.grants.roles.set(key, (account.grants.roles.get(key) ?? false) || statement.withAdminOption);
        } else {
          account.grants.roles.delete(key);
          account.defaultRoles = account.defaultRoles.filter((r) => accountKey(r) !== key);
        }
      }
    }
    return OK;
  }

  private proxy(
    statement: Extract<Statement, { type: 'grant-proxy' | 'revoke-proxy' }>,
    session: Session,
  ): StatementResult {
    const key = accountKey(statement.proxied);
    const mayGrant =
      this.access.isSelf(session, statement.proxied) ||
      this.access.effectiveGrants(session).some((g) => g.proxies.get(key) === true);
    if (!mayGrant) throw ServerErrors.accessDenied(session.clientName, true);
    const targets = (statement.type === 'grant-proxy' ? statement.to : statement.from).map((r) =>
      this.resolve(r, session),
    );
    for (const name of targets) {
      const account = this.existing(name, statement.type === 'grant-proxy' ? 'GRANT' : 'REVOKE');
      if (statement.type === 'grant-proxy') account.grants.proxies.set(key, statement.withGrantOption);
      else account.grants.proxies.delete(key);
    }
    return OK;
  }

  /** SET DEFAULT ROLE / ALTER USER … DEFAULT ROLE: only roles granted to the account. */
  private setDefaultRoles(name: AccountName, roles: RoleList, session: Session): void {
    if (!this.access.isSelf(session, name) && !this.access.maySetCredentials(session)) {
      throw ServerErrors.specificAccessDenied('CREATE USER');
    }
    const account = this.existing(name, 'SET DEFAULT ROLE');
    if (roles === 'NONE') account.defaultRoles = [];
    else if (roles === 'ALL') account.defaultRoles = [...account.grants.roles.keys()].map(keyAccount);
    else {
      for (const role of roles) {
        if (!account.grants.roles.has(accountKey(role))) throw ServerErrors.roleNotGranted(role, name);
      }
      account.defaultRoles = [...roles];
    }
  }

  private setRole(roles: RoleList | 'DEFAULT', session: Session): StatementResult {
    const granted = session.account.grants.roles;
    if (roles === 'DEFAULT') session.activeRoles = [...session.account.defaultRoles];
    else if (roles === 'NONE') session.activeRoles = [];
    else if (roles === 'ALL') session.activeRoles = [...granted.keys()].map(keyAccount);
    else {
      for (const role of roles)
        if (!granted.has(accountKey(role))) throw ServerErrors.roleNotGranted(role, session.accountName);
      session.activeRoles = [...roles];
    }
    return OK;
  }

  // ---- sessions ------------------------------------------------------------------------------

  private kill(query: boolean, id: number, session: Session): StatementResult {
    const target = this.deps.sessions().find((s) => s.id === id);
    if (!target) throw ServerErrors.noSuchThread(id);
    const own = target.clientUser === session.clientUser;
    if (!own && !this.access.hasGlobal(session, 'CONNECTION_ADMIN') && !this.access.hasGlobal(session, 'SUPER')) {
      throw ServerErrors.killDenied(id);
    }
    if (query) target.interrupt?.();
    else {
      target.command = 'Killed';
      target.interrupt?.();
      target.disconnect();
    }
    return OK;
  }

  private createTable(statement: Extract<Statement, { type: 'create-table' }>, session: Session): StatementResult {
    const db = statement.db ?? session.db;
    if (db === undefined) throw ServerErrors.noDatabaseSelected();
    if (!this.deps.catalog.databases.has(db)) throw ServerErrors.badDb(db);
    if (!this.access.has(session, 'CREATE', { level: 'database', db })) {
      throw ServerErrors.tableAccessDenied('CREATE', session.clientName, statement.name);
    }
    const key = this.deps.catalog.tableKey(db, statement.name);
    if (this.deps.catalog.tables.has(key)) throw ServerErrors.tableExists(statement.name);
    this.deps.catalog.tables.set(key, { columns: [...statement.columns], rows: [] });
    return OK;
  }
}

function quoteForError(a: AccountName): string {
  return `'${a.user}'@'${a.host}'`;
}

function columnType(values: readonly Value[]): Column['type'] {
  const present = values.filter((v) => v !== null);
  if (present.length > 0 && present.every((v) => typeof v === 'number' && Number.isInteger(v))) return 'int';
  if (present.length > 0 && present.every((v) => typeof v === 'number')) return 'double';
  return 'string';
}
