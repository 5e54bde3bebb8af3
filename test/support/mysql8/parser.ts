import type {
  AccountName,
  AccountOptions,
  AccountRef,
  AuthOption,
  Expr,
  GrantObject,
  PrivilegeSpec,
  RoleList,
  SelectStatement,
  Statement,
  TableRef,
  UserSpec,
} from './ast';
import { MysqlServerError, ServerErrors } from './errors';
import { tokenize, type LexOptions, type Token } from './lexer';

/**
 * A recursive-descent parser for the statements keyturn sends a MySQL 8 server, after the
 * grammar in the MySQL 8.0 Reference Manual (CREATE USER, ALTER USER, SET PASSWORD, GRANT,
 * REVOKE, SET DEFAULT ROLE, SET ROLE, SHOW GRANTS, SHOW CREATE USER, SELECT, SET, KILL,
 * START TRANSACTION: https://dev.mysql.com/doc/refman/8.0/en/sql-statements.html). What the
 * grammar does not allow is ER_PARSE_ERROR, "near" the first token the server could not take,
 * as the server words it; statements outside this subset are ER_PARSE_ERROR too, except the
 * recognised-but-unmodelled ones, which are ER_NOT_SUPPORTED_YET.
 */
export function parseStatement(sql: string, options: LexOptions): { statement: Statement; params: number } {
  const tokens = tokenize(sql, options);
  const parser = new Parser(sql, tokens, options.versionNumber);
  const statement = parser.statement();
  parser.finish();
  return { statement, params: tokens.filter((t) => t.kind === 'param').length };
}

const RESERVED_AS_ALIAS = new Set([
  'FROM',
  'WHERE',
  'LIMIT',
  'ORDER',
  'GROUP',
  'HAVING',
  'UNION',
  'FOR',
  'INTO',
  'ON',
  'JOIN',
]);

/** Privilege names MySQL 8.0 knows (static ones, several words each, and the dynamic ones keyturn's tests use). */
export const STATIC_PRIVILEGES = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'DROP',
  'RELOAD',
  'SHUTDOWN',
  'PROCESS',
  'FILE',
  'REFERENCES',
  'INDEX',
  'ALTER',
  'SHOW DATABASES',
  'SUPER',
  'CREATE TEMPORARY TABLES',
  'LOCK TABLES',
  'EXECUTE',
  'REPLICATION SLAVE',
  'REPLICATION CLIENT',
  'CREATE VIEW',
  'SHOW VIEW',
  'CREATE ROUTINE',
  'ALTER ROUTINE',
  'CREATE USER',
  'EVENT',
  'TRIGGER',
  'CREATE TABLESPACE',
  'CREATE ROLE',
  'DROP ROLE',
] as const;
export const DYNAMIC_PRIVILEGES = [
  'APPLICATION_PASSWORD_ADMIN',
  'AUDIT_ADMIN',
  'BACKUP_ADMIN',
  'CONNECTION_ADMIN',
  'ENCRYPTION_KEY_ADMIN',
  'FLUSH_PRIVILEGES',
  'PASSWORDLESS_USER_ADMIN',
  'PERSIST_RO_VARIABLES_ADMIN',
  'REPLICATION_APPLIER',
  'REPLICATION_SLAVE_ADMIN',
  'RESOURCE_GROUP_ADMIN',
  'ROLE_ADMIN',
  'SESSION_VARIABLES_ADMIN',
  'SET_USER_ID',
  'SHOW_ROUTINE',
  'SYSTEM_USER',
  'SYSTEM_VARIABLES_ADMIN',
  'XA_RECOVER_ADMIN',
] as const;
const KNOWN_PRIVILEGES = new Set<string>([
  ...STATIC_PRIVILEGES,
  ...DYNAMIC_PRIVILEGES,
  'USAGE',
  'GRANT OPTION',
  'PROXY',
]);

class Parser {
  private at = 0;

  constructor(
    private readonly sql: string,
    private readonly tokens: readonly Token[],
    /** 8.0.36 → 80036: clauses newer than the server are parse errors, as on that server. */
    private readonly versionNumber: number,
  ) {}

  /** A clause the server's version does not have yet: the parse error that server would give. */
  private requireVersion(minimum: number): void {
    if (this.versionNumber < minimum) this.fail(this.tokens[this.at - 1]);
  }

  // ---- token helpers -------------------------------------------------------------------------

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (this.at < this.tokens.length - 1) this.at++;
    return token;
  }

  /** ER_PARSE_ERROR near the current token (or near '' at the end, as the server says). */
  fail(token: Token = this.peek()): never {
    throw ServerErrors.parse(token.kind === 'end' ? '' : this.sql.slice(token.at));
  }

  private isWord(token: Token, ...words: string[]): boolean {
    return token.kind === 'word' && words.includes(token.value.toUpperCase());
  }

  private atWord(...words: string[]): boolean {
    return this.isWord(this.peek(), ...words);
  }

  private acceptWord(...words: string[]): boolean {
    if (!this.atWord(...words)) return false;
    this.next();
    return true;
  }

  private expectWord(...words: string[]): string {
    const token = this.peek();
    if (!this.isWord(token, ...words)) this.fail(token);
    this.next();
    return (token as { value: string }).value.toUpperCase();
  }

  private atPunct(value: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.value === value;
  }

  private acceptPunct(value: string): boolean {
    if (!this.atPunct(value)) return false;
    this.next();
    return true;
  }

  private expectPunct(value: string): void {
    if (!this.acceptPunct(value)) this.fail();
  }

  private string(): string {
    const token = this.peek();
    if (token.kind !== 'string') this.fail(token);
    this.next();
    return token.value;
  }

  private integer(): number {
    const token = this.peek();
    if (token.kind !== 'number' || !/^\d+$/.test(token.value)) this.fail(token);
    this.next();
    return Number(token.value);
  }

  /** An identifier: a backtick-quoted name or an unquoted word. */
  private identifier(): string {
    const token = this.peek();
    if (token.kind === 'ident' || token.kind === 'word') {
      this.next();
      return token.value;
    }
    return this.fail(token);
  }

  finish(): void {
    this.acceptPunct(';');
    if (this.peek().kind !== 'end') this.fail();
  }

  // ---- statements ----------------------------------------------------------------------------

  statement(): Statement {
    const first = this.peek();
    if (first.kind === 'punct' && first.value === '(') return this.select(true);
    if (first.kind !== 'word') return this.fail(first);
    switch (first.value.toUpperCase()) {
      case 'SELECT':
        return this.select(false);
      case 'SHOW':
        return this.show();
      case 'CREATE':
        return this.create();
      case 'ALTER':
        return this.alterUser();
      case 'DROP':
        return this.drop();
      case 'GRANT':
        return this.grant();
      case 'REVOKE':
        return this.revoke();
      case 'SET':
        return this.set();
      case 'KILL':
        return this.kill();
      case 'START':
        this.next();
        this.expectWord('TRANSACTION');
        return { type: 'start-transaction', readOnly: this.transactionAccessMode() ?? false };
      case 'BEGIN':
        this.next();
        this.acceptWord('WORK');
        return { type: 'start-transaction', readOnly: false };
      case 'COMMIT':
        this.next();
        this.acceptWord('WORK');
        return { type: 'commit' };
      case 'ROLLBACK':
        this.next();
        this.acceptWord('WORK');
        return { type: 'rollback' };
      case 'FLUSH':
        this.next();
        this.expectWord('PRIVILEGES');
        return { type: 'flush-privileges' };
      case 'USE':
        this.next();
        return { type: 'use', db: this.identifier() };
      case 'INSERT':
      case 'UPDATE':
      case 'DELETE':
      case 'REPLACE':
      case 'TRUNCATE':
      case 'RENAME':
      case 'CALL':
      case 'DO':
      case 'HANDLER':
      case 'LOAD':
      case 'LOCK':
      case 'UNLOCK':
      case 'PREPARE':
      case 'EXECUTE':
      case 'DEALLOCATE':
        // Real statements the double does not model: a named refusal, not a silent success.
        throw ServerErrors.notSupportedYet(first.value.toUpperCase());
      default:
        return this.fail(first);
    }
  }

  private transactionAccessMode(): boolean | undefined {
    if (this.acceptWord('READ')) return this.expectWord('ONLY', 'WRITE') === 'ONLY';
    if (this.acceptWord('WITH')) {
      this.expectWord('CONSISTENT');
      this.expectWord('SNAPSHOT');
      return undefined;
    }
    return undefined;
  }

  // SELECT [/*+ MAX_EXECUTION_TIME(n) */] expr [[AS] alias], ... [FROM ref] [WHERE cond] [LIMIT n]
  private select(parenthesised: boolean): SelectStatement {
    if (parenthesised) {
      this.expectPunct('(');
      const inner = this.select(false);
      this.expectPunct(')');
      return inner;
    }
    this.expectWord('SELECT');
    let maxExecutionTimeMs: number | undefined;
    const hint = this.peek();
    if (hint.kind === 'hint') {
      this.next();
      const limit = /MAX_EXECUTION_TIME\s*\(\s*(\d+)\s*\)/i.exec(hint.value);
      if (limit) maxExecutionTimeMs = Number(limit[1]);
    }
    const items: { expr: Expr; alias?: string; star?: boolean }[] = [];
    do {
      if (this.atPunct('*')) {
        this.next();
        items.push({ expr: { kind: 'literal', value: null }, star: true });
        continue;
      }
      const expr = this.expression();
      let alias: string | undefined;
      if (this.acceptWord('AS')) alias = this.aliasName();
      else if (this.peek().kind === 'ident' || this.peek().kind === 'string') alias = this.aliasName();
      else if (
        this.peek().kind === 'word' &&
        !RESERVED_AS_ALIAS.has((this.peek() as { value: string }).value.toUpperCase())
      )
        alias = this.aliasName();
      items.push(alias === undefined ? { expr } : { expr, alias });
    } while (this.acceptPunct(','));
    let from: TableRef | undefined;
    if (this.acceptWord('FROM')) from = this.tableRef();
    let where: Expr | undefined;
    if (this.acceptWord('WHERE')) where = this.expression();
    let limit: number | undefined;
    if (this.acceptWord('LIMIT')) limit = this.integer();
    if (this.atWord('FOR', 'LOCK', 'INTO', 'UNION', 'GROUP', 'ORDER', 'HAVING', 'JOIN') || this.atPunct(',')) {
      throw ServerErrors.notSupportedYet(
        `${(this.peek() as { value: string }).value.toUpperCase()} in the test double`,
      );
    }
    return {
      type: 'select',
      items,
      ...(maxExecutionTimeMs === undefined ? {} : { maxExecutionTimeMs }),
      ...(from === undefined ? {} : { from }),
      ...(where === undefined ? {} : { where }),
      ...(limit === undefined ? {} : { limit }),
    };
  }

  private aliasName(): string {
    const token = this.peek();
    if (token.kind === 'string') return this.string();
    return this.identifier();
  }

  private tableRef(): TableRef {
    if (this.atPunct('(')) {
      this.next();
      const select = this.select(false);
      this.expectPunct(')');
      this.acceptWord('AS');
      const aliasToken = this.peek();
      if (aliasToken.kind !== 'word' && aliasToken.kind !== 'ident') throw ServerErrors.derivedNeedsAlias();
      return { kind: 'derived', select, alias: this.identifier() };
    }
    const first = this.identifier();
    let db: string | undefined;
    let name = first;
    if (this.acceptPunct('.')) {
      db = first;
      name = this.identifier();
    }
    let alias: string | undefined;
    if (this.acceptWord('AS')) alias = this.identifier();
    else if (
      this.peek().kind === 'ident' ||
      (this.peek().kind === 'word' && !RESERVED_AS_ALIAS.has((this.peek() as { value: string }).value.toUpperCase()))
    )
      alias = this.identifier();
    return { kind: 'table', ...(db === undefined ? {} : { db }), name, ...(alias === undefined ? {} : { alias }) };
  }

  // ---- expressions (precedence: OR < AND < NOT < comparison < +,- < *,/ < unary) ---------------

  private expression(): Expr {
    let left = this.andExpression();
    while (this.acceptWord('OR') || this.acceptPunct('||')) {
      left = { kind: 'binary', op: 'OR', left, right: this.andExpression() };
    }
    return left;
  }

  private andExpression(): Expr {
    let left = this.notExpression();
    while (this.acceptWord('AND') || this.acceptPunct('&&')) {
      left = { kind: 'binary', op: 'AND', left, right: this.notExpression() };
    }
    return left;
  }

  private notExpression(): Expr {
    if (this.acceptWord('NOT')) return { kind: 'unary', op: 'NOT', operand: this.notExpression() };
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.additive();
    const token = this.peek();
    if (token.kind === 'punct' && ['=', '<>', '!=', '<', '>', '<=', '>='].includes(token.value)) {
      this.next();
      return { kind: 'binary', op: token.value === '!=' ? '<>' : token.value, left, right: this.additive() };
    }
    if (this.atWord('IS')) {
      this.next();
      const negated = this.acceptWord('NOT');
      this.expectWord('NULL');
      return { kind: 'isnull', negated, operand: left };
    }
    const negated = this.atWord('NOT') && this.isWord(this.peek(1), 'IN', 'LIKE');
    if (negated) this.next();
    if (this.acceptWord('IN')) {
      this.expectPunct('(');
      const list: Expr[] = [];
      do list.push(this.expression());
      while (this.acceptPunct(','));
      this.expectPunct(')');
      return { kind: 'in', negated, operand: left, list };
    }
    if (this.acceptWord('LIKE')) {
      const like: Expr = { kind: 'binary', op: 'LIKE', left, right: this.additive() };
      return negated ? { kind: 'unary', op: 'NOT', operand: like } : like;
    }
    if (negated) this.fail();
    return left;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      if (this.acceptPunct('+')) left = { kind: 'binary', op: '+', left, right: this.multiplicative() };
      else if (this.acceptPunct('-')) left = { kind: 'binary', op: '-', left, right: this.multiplicative() };
      else return left;
    }
  }

  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      if (this.acceptPunct('*')) left = { kind: 'binary', op: '*', left, right: this.unary() };
      else if (this.acceptPunct('/')) left = { kind: 'binary', op: '/', left, right: this.unary() };
      else return left;
    }
  }

  private unary(): Expr {
    if (this.acceptPunct('-')) return { kind: 'unary', op: '-', operand: this.unary() };
    if (this.acceptPunct('+')) return this.unary();
    return this.primary();
  }

  private primary(): Expr {
    const token = this.peek();
    switch (token.kind) {
      case 'string':
        this.next();
        return { kind: 'literal', value: token.value };
      case 'number':
        this.next();
        return { kind: 'literal', value: Number(token.value) };
      case 'param':
        this.next();
        return { kind: 'param', index: token.index };
      case 'sysvar':
        this.next();
        return { kind: 'sysvar', scope: token.scope, name: token.value };
      case 'uservar':
        this.next();
        return { kind: 'uservar', name: token.value };
      case 'punct':
        if (token.value === '(') {
          this.next();
          if (this.atWord('SELECT')) throw ServerErrors.notSupportedYet('scalar subqueries in the test double');
          const inner = this.expression();
          this.expectPunct(')');
          return inner;
        }
        return this.fail(token);
      case 'ident':
      case 'word':
        return this.nameOrCall();
      default:
        return this.fail(token);
    }
  }

  private nameOrCall(): Expr {
    const token = this.next() as { kind: 'word' | 'ident'; value: string };
    const upper = token.value.toUpperCase();
    if (token.kind === 'word') {
      if (upper === 'NULL') return { kind: 'literal', value: null };
      if (upper === 'TRUE') return { kind: 'literal', value: 1 };
      if (upper === 'FALSE') return { kind: 'literal', value: 0 };
      if (upper === 'CURRENT_USER' && !this.atPunct('(')) return { kind: 'call', name: 'CURRENT_USER', args: [] };
    }
    if (this.atPunct('(') && token.kind === 'word') {
      this.next();
      if (upper === 'TRIM') return this.trimCall();
      if (upper === 'COUNT' && this.acceptPunct('*')) {
        this.expectPunct(')');
        return { kind: 'call', name: 'COUNT', args: [], star: true };
      }
      const args: Expr[] = [];
      if (!this.atPunct(')')) {
        do args.push(this.expression());
        while (this.acceptPunct(','));
      }
      this.expectPunct(')');
      return { kind: 'call', name: upper, args };
    }
    if (this.acceptPunct('.')) {
      const column = this.identifier();
      return { kind: 'column', table: token.value, name: column };
    }
    return { kind: 'column', name: token.value };
  }

  // TRIM([{BOTH | LEADING | TRAILING} [remstr] FROM] str) | TRIM([remstr FROM] str)
  private trimCall(): Expr {
    let side: 'BOTH' | 'LEADING' | 'TRAILING' = 'BOTH';
    if (this.atWord('BOTH', 'LEADING', 'TRAILING'))
      side = this.expectWord('BOTH', 'LEADING', 'TRAILING') as typeof side;
    let remove: Expr | undefined;
    let from: Expr;
    if (this.acceptWord('FROM')) {
      from = this.expression();
    } else {
      const first = this.expression();
      if (this.acceptWord('FROM')) {
        remove = first;
        from = this.expression();
      } else {
        from = first;
      }
    }
    this.expectPunct(')');
    return { kind: 'trim', side, ...(remove === undefined ? {} : { remove }), from };
  }

  // ---- accounts ------------------------------------------------------------------------------

  /** user, 'user'@'host', `user`@`host`, user@host; the host defaults to '%'. */
  private accountName(): AccountName {
    const token = this.peek();
    let user: string;
    if (token.kind === 'string' || token.kind === 'ident' || token.kind === 'word') {
      this.next();
      user = token.value;
    } else {
      return this.fail(token);
    }
    const at = this.peek();
    if (at.kind === 'uservar') {
      // The lexer reads an unquoted @host as a user variable.
      this.next();
      return { user, host: at.value };
    }
    if (this.acceptPunct('@')) {
      const host = this.peek();
      if (host.kind === 'string' || host.kind === 'ident' || host.kind === 'word' || host.kind === 'number') {
        this.next();
        return { user, host: host.value };
      }
      this.fail(host);
    }
    return { user, host: '%' };
  }

  private accountRef(allowUserFunction = false): AccountRef {
    if (this.atWord('CURRENT_USER') || (allowUserFunction && this.atWord('USER') && this.isPunctAt(1, '('))) {
      this.next();
      if (this.acceptPunct('(')) this.expectPunct(')');
      return { current: true };
    }
    return this.accountName();
  }

  private isPunctAt(offset: number, value: string): boolean {
    const token = this.peek(offset);
    return token.kind === 'punct' && token.value === value;
  }

  private accountNames(): AccountName[] {
    const list: AccountName[] = [];
    do list.push(this.accountName());
    while (this.acceptPunct(','));
    return list;
  }

  private accountRefs(): AccountRef[] {
    const list: AccountRef[] = [];
    do list.push(this.accountRef());
    while (this.acceptPunct(','));
    return list;
  }

  // ---- SHOW ----------------------------------------------------------------------------------

  private show(): Statement {
    this.expectWord('SHOW');
    if (this.acceptWord('GRANTS')) {
      if (!this.acceptWord('FOR')) return { type: 'show-grants' };
      const account = this.accountRef();
      if (this.acceptWord('USING')) return { type: 'show-grants', account, using: this.accountNames() };
      return { type: 'show-grants', account };
    }
    if (this.acceptWord('CREATE')) {
      this.expectWord('USER');
      return { type: 'show-create-user', account: this.accountRef() };
    }
    throw ServerErrors.notSupportedYet(
      `SHOW ${this.sql.slice(this.peek().at, this.peek().at + 30)} in the test double`,
    );
  }

  // ---- CREATE --------------------------------------------------------------------------------

  private create(): Statement {
    this.expectWord('CREATE');
    if (this.acceptWord('USER')) return this.createUser();
    if (this.acceptWord('ROLE')) {
      const ifNotExists = this.ifNotExists();
      return { type: 'create-role', ifNotExists, roles: this.accountNames() };
    }
    if (this.acceptWord('DATABASE', 'SCHEMA')) {
      const ifNotExists = this.ifNotExists();
      return { type: 'create-database', ifNotExists, name: this.identifier() };
    }
    if (this.acceptWord('TABLE')) return this.createTable();
    if (this.atWord('PROCEDURE', 'FUNCTION')) {
      const routine = this.expectWord('PROCEDURE', 'FUNCTION') as 'PROCEDURE' | 'FUNCTION';
      const first = this.identifier();
      const dotted = this.acceptPunct('.') ? this.identifier() : undefined;
      // The body is not modelled: the routine exists, so that routine privileges can name it.
      this.at = this.tokens.length - 1;
      return dotted === undefined
        ? { type: 'create-routine', routine, name: first }
        : { type: 'create-routine', routine, db: first, name: dotted };
    }
    throw ServerErrors.notSupportedYet(
      `CREATE ${this.sql.slice(this.peek().at, this.peek().at + 30)} in the test double`,
    );
  }

  private ifNotExists(): boolean {
    if (!this.acceptWord('IF')) return false;
    this.expectWord('NOT');
    this.expectWord('EXISTS');
    return true;
  }

  private ifExists(): boolean {
    if (!this.acceptWord('IF')) return false;
    this.expectWord('EXISTS');
    return true;
  }

  // CREATE TABLE [db.]t (col type [...], ...): only the column names matter to the double.
  private createTable(): Statement {
    const first = this.identifier();
    const second = this.acceptPunct('.') ? this.identifier() : undefined;
    this.expectPunct('(');
    const columns: string[] = [];
    for (;;) {
      columns.push(this.identifier());
      let depth = 0;
      while (!(depth === 0 && (this.atPunct(',') || this.atPunct(')')))) {
        if (this.peek().kind === 'end') this.fail();
        if (this.atPunct('(')) depth++;
        if (this.atPunct(')')) depth--;
        this.next();
      }
      if (this.acceptPunct(')')) break;
      this.expectPunct(',');
    }
    return second === undefined
      ? { type: 'create-table', name: first, columns }
      : { type: 'create-table', db: first, name: second, columns };
  }

  private createUser(): Statement {
    const ifNotExists = this.ifNotExists();
    const users: UserSpec[] = [];
    do {
      const account = this.accountName();
      const auth = this.authOption(false);
      users.push(auth === undefined ? { account } : { account, auth });
    } while (this.acceptPunct(','));
    let defaultRoles: AccountName[] | undefined;
    if (this.atWord('DEFAULT') && this.isWord(this.peek(1), 'ROLE')) {
      this.next();
      this.next();
      defaultRoles = this.accountNames();
    }
    const options = this.accountOptions();
    return { type: 'create-user', ifNotExists, users, ...(defaultRoles ? { defaultRoles } : {}), options };
  }

  /** IDENTIFIED …, with REPLACE / RETAIN where the statement allows them (ALTER USER). */
  private authOption(alter: boolean): AuthOption | undefined {
    if (!this.acceptWord('IDENTIFIED')) return undefined;
    let plugin: string | undefined;
    if (this.acceptWord('WITH')) {
      const token = this.peek();
      if (token.kind === 'string' || token.kind === 'word' || token.kind === 'ident') {
        this.next();
        plugin = token.value.toLowerCase();
      } else {
        this.fail(token);
      }
      if (this.acceptWord('AS')) {
        const hash = this.string();
        const retainCurrent = alter && this.retainClause();
        return { plugin, hash, ...(retainCurrent ? { retainCurrent } : {}) };
      }
      if (!this.atWord('BY')) return { plugin };
    }
    this.expectWord('BY');
    if (this.atWord('RANDOM')) throw ServerErrors.notSupportedYet('RANDOM PASSWORD in the test double');
    const password = this.string();
    let replace: string | undefined;
    if (alter && this.acceptWord('REPLACE')) {
      this.requireVersion(80013);
      replace = this.string();
    }
    const retainCurrent = alter && this.retainClause();
    return {
      ...(plugin === undefined ? {} : { plugin }),
      password,
      ...(replace === undefined ? {} : { replace }),
      ...(retainCurrent ? { retainCurrent } : {}),
    };
  }

  private retainClause(): boolean {
    if (!this.acceptWord('RETAIN')) return false;
    this.requireVersion(80014);
    this.expectWord('CURRENT');
    this.expectWord('PASSWORD');
    return true;
  }

  /** REQUIRE …, WITH resource limits, password and lock options, in any order after the users. */
  private accountOptions(): AccountOptions {
    const options: {
      -readonly [K in keyof AccountOptions]: AccountOptions[K];
    } = {};
    for (;;) {
      if (this.acceptWord('REQUIRE')) {
        options.require = this.requireClause();
      } else if (this.acceptWord('WITH')) {
        const limits: Record<string, number> = {};
        while (
          this.atWord(
            'MAX_QUERIES_PER_HOUR',
            'MAX_UPDATES_PER_HOUR',
            'MAX_CONNECTIONS_PER_HOUR',
            'MAX_USER_CONNECTIONS',
          )
        ) {
          const name = this.expectWord(
            'MAX_QUERIES_PER_HOUR',
            'MAX_UPDATES_PER_HOUR',
            'MAX_CONNECTIONS_PER_HOUR',
            'MAX_USER_CONNECTIONS',
          );
          limits[name] = this.integer();
        }
        if (Object.keys(limits).length === 0) this.fail();
        options.limits = { ...options.limits, ...limits };
      } else if (this.acceptWord('ACCOUNT')) {
        options.lock = this.expectWord('LOCK', 'UNLOCK') === 'LOCK';
      } else if (this.acceptWord('FAILED_LOGIN_ATTEMPTS')) {
        this.requireVersion(80019);
        options.failedLoginAttempts = this.boundedInteger('FAILED_LOGIN_ATTEMPTS', 32767);
      } else if (this.acceptWord('PASSWORD_LOCK_TIME')) {
        this.requireVersion(80019);
        options.passwordLockTime = this.acceptWord('UNBOUNDED')
          ? 'UNBOUNDED'
          : this.boundedInteger('PASSWORD_LOCK_TIME', 32767);
      } else if (this.atWord('PASSWORD') && !this.isPunctAt(1, '=')) {
        this.next();
        this.passwordOption(options);
      } else if (this.acceptWord('COMMENT', 'ATTRIBUTE')) {
        this.string();
      } else {
        return options;
      }
    }
  }

  /** ER_WRONG_VALUE above the option's limit (FAILED_LOGIN_ATTEMPTS and PASSWORD_LOCK_TIME: 32767). */
  private boundedInteger(option: string, max: number): number {
    const value = this.integer();
    if (value > max) throw new MysqlServerError(1525, 'HY000', `Incorrect ${option} value: '${value}'`);
    return value;
  }

  private passwordOption(options: { -readonly [K in keyof AccountOptions]: AccountOptions[K] }): void {
    const what = this.expectWord('EXPIRE', 'HISTORY', 'REUSE', 'REQUIRE');
    if (what === 'EXPIRE') {
      if (this.acceptWord('INTERVAL')) {
        options.passwordExpire = `INTERVAL ${this.integer()} DAY`;
        this.expectWord('DAY');
      } else {
        options.passwordExpire = this.acceptWord('DEFAULT') ? 'DEFAULT' : this.acceptWord('NEVER') ? 'NEVER' : '';
      }
    } else if (what === 'HISTORY') {
      options.passwordHistory = this.acceptWord('DEFAULT') ? {} : { value: this.integer() };
    } else if (what === 'REUSE') {
      this.expectWord('INTERVAL');
      if (this.acceptWord('DEFAULT')) options.passwordReuseInterval = {};
      else {
        options.passwordReuseInterval = { value: this.integer() };
        this.expectWord('DAY');
      }
    } else {
      this.requireVersion(80013);
      this.expectWord('CURRENT');
      options.requireCurrent = this.acceptWord('DEFAULT') ? 'DEFAULT' : this.acceptWord('OPTIONAL') ? 'N' : 'Y';
    }
  }

  private requireClause(): NonNullable<AccountOptions['require']> {
    if (this.acceptWord('NONE')) return { type: 'NONE' };
    if (this.acceptWord('SSL')) return { type: 'SSL' };
    if (this.acceptWord('X509')) return { type: 'X509' };
    const parts: Record<string, string> = {};
    do {
      const name = this.expectWord('ISSUER', 'SUBJECT', 'CIPHER').toLowerCase();
      parts[name] = this.string();
    } while (this.acceptWord('AND') || this.atWord('ISSUER', 'SUBJECT', 'CIPHER'));
    return { type: 'SPECIFIED', ...parts };
  }

  // ---- ALTER USER ----------------------------------------------------------------------------

  private alterUser(): Statement {
    this.expectWord('ALTER');
    if (!this.acceptWord('USER')) {
      throw ServerErrors.notSupportedYet(
        `ALTER ${this.sql.slice(this.peek().at, this.peek().at + 30)} in the test double`,
      );
    }
    const ifExists = this.ifExists();
    const users: UserSpec[] = [];
    do {
      const account = this.accountRef(true);
      if (this.atWord('DISCARD')) {
        this.next();
        this.requireVersion(80014);
        this.expectWord('OLD');
        this.expectWord('PASSWORD');
        users.push({ account, discardOldPassword: true });
        continue;
      }
      const auth = this.authOption(true);
      users.push(auth === undefined ? { account } : { account, auth });
    } while (this.acceptPunct(','));
    if (users.length === 1 && this.atWord('DEFAULT') && this.isWord(this.peek(1), 'ROLE')) {
      this.next();
      this.next();
      return { type: 'alter-user', ifExists, users, defaultRole: this.roleList(), options: {} };
    }
    return { type: 'alter-user', ifExists, users, options: this.accountOptions() };
  }

  private roleList(): RoleList {
    if (this.acceptWord('NONE')) return 'NONE';
    if (this.acceptWord('ALL')) return 'ALL';
    return this.accountNames();
  }

  private drop(): Statement {
    this.expectWord('DROP');
    const what = this.expectWord('USER', 'ROLE');
    const ifExists = this.ifExists();
    return { type: 'drop-user', ifExists, accounts: this.accountNames(), role: what === 'ROLE' };
  }

  // ---- GRANT / REVOKE ------------------------------------------------------------------------

  /** Whether ON comes before TO/FROM at the top level: privileges, not roles. */
  private privilegeForm(until: 'TO' | 'FROM'): boolean {
    for (let i = this.at; i < this.tokens.length; i++) {
      const token = this.tokens[i] as Token;
      if (this.isWord(token, 'ON')) return true;
      if (this.isWord(token, until)) return false;
    }
    return false;
  }

  private privileges(): { privileges: PrivilegeSpec[]; all: boolean } {
    const privileges: PrivilegeSpec[] = [];
    let all = false;
    do {
      const words: string[] = [];
      while (this.peek().kind === 'word' && !this.atWord('ON', 'FROM', 'TO'))
        words.push(this.expectWord(...this.wordAsList()));
      const name = words.join(' ');
      if (name === 'ALL' || name === 'ALL PRIVILEGES') {
        all = true;
        continue;
      }
      if (!KNOWN_PRIVILEGES.has(name)) this.fail();
      if (this.acceptPunct('(')) {
        const columns: string[] = [];
        do columns.push(this.identifier());
        while (this.acceptPunct(','));
        this.expectPunct(')');
        privileges.push({ name, columns });
      } else {
        privileges.push({ name });
      }
    } while (this.acceptPunct(','));
    return { privileges, all };
  }

  private wordAsList(): string[] {
    const token = this.peek();
    return token.kind === 'word' ? [token.value.toUpperCase()] : [];
  }

  private grantObject(): GrantObject {
    let type: GrantObject['type'] = '';
    if (this.atWord('PROCEDURE', 'FUNCTION'))
      type = this.expectWord('PROCEDURE', 'FUNCTION') as 'PROCEDURE' | 'FUNCTION';
    else this.acceptWord('TABLE');
    const part = (): string => (this.acceptPunct('*') ? '*' : this.identifier());
    const first = part();
    if (!this.acceptPunct('.')) return { type, db: '', table: first };
    return { type, db: first, table: part() };
  }

  private grant(): Statement {
    this.expectWord('GRANT');
    if (this.atWord('PROXY') && this.isWord(this.peek(1), 'ON')) {
      this.next();
      this.next();
      const proxied = this.accountName();
      this.expectWord('TO');
      const to = this.accountRefs();
      const withGrantOption = this.withOption('GRANT');
      return { type: 'grant-proxy', proxied, to, withGrantOption };
    }
    if (!this.privilegeForm('TO')) {
      const roles = this.accountNames();
      this.expectWord('TO');
      const to = this.accountRefs();
      return { type: 'grant-roles', roles, to, withAdminOption: this.withOption('ADMIN') };
    }
    const { privileges, all } = this.privileges();
    this.expectWord('ON');
    const object = this.grantObject();
    this.expectWord('TO');
    const to = this.accountRefs();
    const withGrantOption = this.withOption('GRANT');
    return { type: 'grant-privileges', privileges, all, object, to, withGrantOption };
  }

  private withOption(kind: 'GRANT' | 'ADMIN'): boolean {
    if (!this.acceptWord('WITH')) return false;
    this.expectWord(kind);
    this.expectWord('OPTION');
    return true;
  }

  private revoke(): Statement {
    this.expectWord('REVOKE');
    this.ifExists();
    if (this.atWord('PROXY') && this.isWord(this.peek(1), 'ON')) {
      this.next();
      this.next();
      const proxied = this.accountName();
      this.expectWord('FROM');
      return { type: 'revoke-proxy', proxied, from: this.accountRefs() };
    }
    // REVOKE ALL [PRIVILEGES], GRANT OPTION FROM …
    if (this.atWord('ALL') && !this.privilegeForm('FROM')) {
      this.next();
      this.acceptWord('PRIVILEGES');
      this.expectPunct(',');
      this.expectWord('GRANT');
      this.expectWord('OPTION');
      this.expectWord('FROM');
      return { type: 'revoke-all', from: this.accountRefs() };
    }
    if (!this.privilegeForm('FROM')) {
      // MySQL has no REVOKE ADMIN OPTION FOR (MariaDB's syntax): that is a parse error here.
      const roles = this.accountNames();
      this.expectWord('FROM');
      return { type: 'revoke-roles', roles, from: this.accountRefs() };
    }
    const { privileges, all } = this.privileges();
    this.expectWord('ON');
    const object = this.grantObject();
    this.expectWord('FROM');
    const from = this.accountRefs();
    const grantOption = privileges.some((p) => p.name === 'GRANT OPTION');
    return {
      type: 'revoke-privileges',
      privileges: privileges.filter((p) => p.name !== 'GRANT OPTION'),
      all,
      grantOption,
      object,
      from,
    };
  }

  // ---- SET, KILL -----------------------------------------------------------------------------

  private set(): Statement {
    this.expectWord('SET');
    if (this.atWord('DEFAULT') && this.isWord(this.peek(1), 'ROLE')) {
      this.next();
      this.next();
      const roles = this.roleList();
      // MySQL's form is TO (MariaDB's FOR is a parse error here).
      this.expectWord('TO');
      return { type: 'set-default-role', roles, to: this.accountRefs() };
    }
    if (this.atWord('ROLE')) {
      this.next();
      if (this.acceptWord('DEFAULT')) return { type: 'set-role', roles: 'DEFAULT' };
      return { type: 'set-role', roles: this.roleList() };
    }
    if (this.atWord('PASSWORD') && (this.isPunctAt(1, '=') || this.isWord(this.peek(1), 'FOR'))) {
      this.next();
      let account: AccountRef | undefined;
      if (this.acceptWord('FOR')) account = this.accountRef();
      this.expectPunct('=');
      if (this.atWord('PASSWORD') && this.isPunctAt(1, '(')) this.fail(); // PASSWORD() was removed in 8.0
      const password = this.string();
      let replace: string | undefined;
      if (this.acceptWord('REPLACE')) {
        this.requireVersion(80013);
        replace = this.string();
      }
      const retainCurrent = this.retainClause();
      return {
        type: 'set-password',
        ...(account === undefined ? {} : { account }),
        password,
        ...(replace === undefined ? {} : { replace }),
        retainCurrent,
      };
    }
    if (this.atWord('NAMES')) {
      this.next();
      this.aliasName();
      if (this.acceptWord('COLLATE')) this.aliasName();
      return { type: 'set', assignments: [] };
    }
    if (this.atWord('TRANSACTION') || (this.atWord('SESSION') && this.isWord(this.peek(1), 'TRANSACTION'))) {
      this.acceptWord('SESSION');
      this.next();
      const readOnly = this.transactionAccessMode();
      if (readOnly === undefined) this.fail();
      return { type: 'set-transaction', readOnly };
    }
    const assignments: { scope: 'SESSION' | 'GLOBAL' | 'USER'; name: string; value: Expr }[] = [];
    do {
      let scope: 'SESSION' | 'GLOBAL' | 'USER' = 'SESSION';
      let name: string;
      const token = this.peek();
      if (token.kind === 'uservar') {
        this.next();
        scope = 'USER';
        name = token.value;
      } else if (token.kind === 'sysvar') {
        this.next();
        scope = token.scope ?? 'SESSION';
        name = token.value;
      } else {
        if (this.acceptWord('GLOBAL', 'PERSIST')) scope = 'GLOBAL';
        else this.acceptWord('SESSION', 'LOCAL');
        name = this.identifier().toLowerCase();
      }
      if (!this.acceptPunct('=') && !this.acceptPunct(':=')) this.fail();
      // A lone word is a keyword value (ON, OFF, DEFAULT, a character set name), not a column.
      const lone =
        this.peek().kind === 'word' &&
        (this.isPunctAt(1, ',') || this.peek(1).kind === 'end' || this.isPunctAt(1, ';'));
      const value: Expr = lone ? { kind: 'literal', value: this.identifier().toUpperCase() } : this.expression();
      assignments.push({ scope, name, value });
    } while (this.acceptPunct(','));
    return { type: 'set', assignments };
  }

  private kill(): Statement {
    this.expectWord('KILL');
    let query = false;
    if (this.acceptWord('QUERY')) query = true;
    else this.acceptWord('CONNECTION');
    return { type: 'kill', query, id: this.expression() };
  }
}
