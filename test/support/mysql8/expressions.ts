import type { Expr } from './ast';
import { ServerErrors } from './errors';
import type { NamedLocks } from './named-locks';
import type { Session, Value } from './session';

/** What an expression can see: the session, the statement's parameters, the current row. */
export interface EvalContext {
  readonly session: Session;
  readonly params: readonly Value[];
  readonly serverVersion: string;
  readonly locks: NamedLocks;
  readonly systemVariable: (name: string, scope: 'SESSION' | 'GLOBAL' | undefined) => Value;
  /** Column lookup in the current row; throws ER_BAD_FIELD_ERROR for an unknown column. */
  readonly column?: (name: string, table: string | undefined) => Value;
  /** COUNT(*) of the rows the statement reads (set when evaluating an aggregate row). */
  readonly rowCount?: number;
}

const accountText = (user: string, host: string) => `${user}@${host}`;

export function isAggregate(expr: Expr): boolean {
  if (expr.kind === 'call') return expr.name === 'COUNT' || expr.args.some(isAggregate);
  if (expr.kind === 'binary') return isAggregate(expr.left) || isAggregate(expr.right);
  if (expr.kind === 'unary') return isAggregate(expr.operand);
  return false;
}

/** A column name as the server would title it, for a select item without an alias. */
export function columnTitle(expr: Expr, sql: string | undefined): string {
  if (expr.kind === 'column') return expr.name;
  if (expr.kind === 'sysvar') return `@@${expr.scope ? `${expr.scope.toLowerCase()}.` : ''}${expr.name}`;
  if (expr.kind === 'literal') return expr.value === null ? 'NULL' : String(expr.value);
  if (expr.kind === 'call') return `${expr.name}(${expr.star ? '*' : ''})`;
  return sql ?? '?';
}

function truthy(value: Value): boolean | null {
  if (value === null) return null;
  if (typeof value === 'number') return value !== 0;
  const n = Number.parseFloat(value);
  return Number.isNaN(n) ? false : n !== 0;
}

const bool = (b: boolean | null): Value => (b === null ? null : b ? 1 : 0);

function compare(a: Value, b: Value): number | null {
  if (a === null || b === null) return null;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = Number(a);
    const y = Number(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  // Strings compare as their bytes (the double does not model collations).
  return a === b ? 0 : a < b ? -1 : 1;
}

function likeToRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && i + 1 < pattern.length) out += pattern.charAt(++i).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`, 'is');
}

export async function evaluate(expr: Expr, ctx: EvalContext): Promise<Value> {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'param': {
      if (expr.index >= ctx.params.length) throw ServerErrors.wrongArguments();
      return ctx.params[expr.index] ?? null;
    }
    case 'sysvar':
      return ctx.systemVariable(expr.name, expr.scope);
    case 'uservar':
      return ctx.session.userVariables.get(expr.name.toLowerCase()) ?? null;
    case 'column':
      if (!ctx.column) throw ServerErrors.badField(expr.table ? `${expr.table}.${expr.name}` : expr.name, 'field list');
      return ctx.column(expr.name, expr.table);
    case 'unary': {
      const v = await evaluate(expr.operand, ctx);
      if (expr.op === 'NOT') {
        const t = truthy(v);
        return t === null ? null : bool(!t);
      }
      return v === null ? null : -Number(v);
    }
    case 'isnull': {
      const isNull = (await evaluate(expr.operand, ctx)) === null;
      return bool(expr.negated ? !isNull : isNull);
    }
    case 'in': {
      const v = await evaluate(expr.operand, ctx);
      if (v === null) return null;
      let sawNull = false;
      for (const item of expr.list) {
        const w = await evaluate(item, ctx);
        const c = compare(v, w);
        if (c === null) sawNull = true;
        else if (c === 0) return bool(!expr.negated);
      }
      return sawNull ? null : bool(expr.negated);
    }
    case 'trim': {
      const value = await evaluate(expr.from, ctx);
      const remove = expr.remove ? await evaluate(expr.remove, ctx) : ' ';
      if (value === null || remove === null) return null;
      let text = String(value);
      const r = String(remove);
      if (r === '') return text;
      if (expr.side !== 'TRAILING') while (text.startsWith(r)) text = text.slice(r.length);
      if (expr.side !== 'LEADING') while (text.endsWith(r)) text = text.slice(0, -r.length);
      return text;
    }
    case 'binary':
      return binary(expr.op, expr.left, expr.right, ctx);
    case 'call':
      return call(expr, ctx);
  }
}

async function binary(op: string, leftExpr: Expr, rightExpr: Expr, ctx: EvalContext): Promise<Value> {
  const left = await evaluate(leftExpr, ctx);
  if (op === 'AND') {
    const l = truthy(left);
    if (l === false) return 0;
    const r = truthy(await evaluate(rightExpr, ctx));
    if (r === false) return 0;
    return l === null || r === null ? null : 1;
  }
  if (op === 'OR') {
    const l = truthy(left);
    if (l === true) return 1;
    const r = truthy(await evaluate(rightExpr, ctx));
    if (r === true) return 1;
    return l === null || r === null ? null : 0;
  }
  const right = await evaluate(rightExpr, ctx);
  if (op === 'LIKE')
    return left === null || right === null ? null : bool(likeToRegex(String(right)).test(String(left)));
  if (['=', '<>', '<', '>', '<=', '>='].includes(op)) {
    const c = compare(left, right);
    if (c === null) return null;
    return bool(
      op === '='
        ? c === 0
        : op === '<>'
          ? c !== 0
          : op === '<'
            ? c < 0
            : op === '>'
              ? c > 0
              : op === '<='
                ? c <= 0
                : c >= 0,
    );
  }
  if (left === null || right === null) return null;
  const x = Number(left);
  const y = Number(right);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return y === 0 ? null : x / y;
    default:
      throw ServerErrors.parse(op);
  }
}

function arity(name: string, args: readonly Expr[], count: number): void {
  if (args.length !== count) throw ServerErrors.wrongParamCount(name);
}

async function call(expr: Extract<Expr, { kind: 'call' }>, ctx: EvalContext): Promise<Value> {
  const { name, args } = expr;
  const values = async () => Promise.all(args.map((a) => evaluate(a, ctx)));
  const session = ctx.session;
  switch (name) {
    case 'VERSION':
      arity(name, args, 0);
      return ctx.serverVersion;
    case 'CURRENT_USER':
      arity(name, args, 0);
      return accountText(session.account.user, session.account.host);
    case 'USER':
    case 'SESSION_USER':
    case 'SYSTEM_USER':
      arity(name, args, 0);
      return accountText(session.clientUser, session.clientHost);
    case 'CONNECTION_ID':
      arity(name, args, 0);
      return session.id;
    case 'DATABASE':
    case 'SCHEMA':
      arity(name, args, 0);
      return session.db ?? null;
    case 'COUNT':
      return ctx.rowCount ?? 0;
    case 'CONCAT': {
      const v = await values();
      return v.some((x) => x === null) ? null : v.map(String).join('');
    }
    case 'REPLACE': {
      arity(name, args, 3);
      const [s, from, to] = await values();
      if (s === null || s === undefined || from === null || from === undefined || to === null || to === undefined)
        return null;
      return String(from) === '' ? String(s) : String(s).split(String(from)).join(String(to));
    }
    case 'UPPER':
    case 'UCASE':
    case 'LOWER':
    case 'LCASE': {
      arity(name, args, 1);
      const [s] = await values();
      if (s === null || s === undefined) return null;
      return name === 'UPPER' || name === 'UCASE' ? String(s).toUpperCase() : String(s).toLowerCase();
    }
    case 'IFNULL': {
      arity(name, args, 2);
      const [a, b] = await values();
      return a ?? b ?? null;
    }
    case 'COALESCE':
      return (await values()).find((v) => v !== null) ?? null;
    case 'GET_LOCK': {
      arity(name, args, 2);
      const [lock, timeout] = await values();
      if (lock === null || lock === undefined) return null;
      return ctx.locks.acquire(String(lock), session, Number(timeout ?? 0));
    }
    case 'RELEASE_LOCK': {
      arity(name, args, 1);
      const [lock] = await values();
      return lock === null || lock === undefined ? null : ctx.locks.release(String(lock), session);
    }
    case 'RELEASE_ALL_LOCKS':
      arity(name, args, 0);
      return ctx.locks.releaseAll(session);
    case 'IS_USED_LOCK': {
      arity(name, args, 1);
      const [lock] = await values();
      return lock === null || lock === undefined ? null : (ctx.locks.usedBy(String(lock))?.id ?? null);
    }
    case 'IS_FREE_LOCK': {
      arity(name, args, 1);
      const [lock] = await values();
      return lock === null || lock === undefined ? null : ctx.locks.usedBy(String(lock)) ? 0 : 1;
    }
    default:
      throw ServerErrors.unknownFunction(name.toLowerCase());
  }
}
