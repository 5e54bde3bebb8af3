import { FilterPatternError } from './filter-pattern-error';
import { compileFilterRegex } from './filter-regex';

/**
 * CloudWatch Logs filter patterns, the subset the local CloudWatch Logs honours (FilterLogEvents,
 * metric filters):
 *  - the empty pattern: every event;
 *  - terms: `ERROR "rotation failed"`, every term must appear (case-sensitive), a bare term as a
 *    whole word (letters and digits on neither side), a quoted phrase as written (`\"` is a
 *    double quote in it, `\\` a backslash);
 *  - a regular expression on its own: `%authentication\sfailed%` (filter-regex.ts);
 *  - JSON patterns: `{ $.detail.secretArn = "arn:..." && ($.a != x* || $.n >= 3) }`, with
 *    `=`/`!=` on strings (`*` matches any run of characters) and numbers, `<`, `<=`, `>`, `>=`
 *    on numbers, `=`/`!=` with a regular expression (`$.user = %^app$%`, at most two per
 *    pattern), `IS TRUE`, `IS FALSE`, `IS NULL`, `NOT EXISTS`, `&&`, `||` and parentheses.
 * Everything else (`?term` alternatives, `-term` exclusions, space-delimited `[...]` patterns,
 * a regular expression among terms) is refused with a FilterPatternError naming what is not
 * supported: a pattern this emulator cannot read must never be matched by a guess.
 */

export { FilterPatternError };

/** At most this many regular expressions in one JSON (or space-delimited) pattern. */
export const MAX_REGEX_PER_PATTERN = 2;

export type FilterPattern =
  | { readonly kind: 'all' }
  | { readonly kind: 'terms'; readonly terms: readonly Term[] }
  | { readonly kind: 'regex'; readonly regex: RegExp }
  | { readonly kind: 'json'; readonly expression: JsonExpression };

export interface Term {
  readonly text: string;
  /** A bare word must stand alone; a quoted phrase is matched as written. */
  readonly quoted: boolean;
}

/** A JSON selector: `$.a.b[0]` as its steps. */
export type Selector = readonly (string | number)[];

export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type JsonExpression =
  | { readonly kind: 'and' | 'or'; readonly left: JsonExpression; readonly right: JsonExpression }
  | {
      readonly kind: 'compare';
      readonly selector: Selector;
      readonly operator: ComparisonOperator;
      readonly value:
        | { readonly kind: 'string'; readonly text: string }
        | { readonly kind: 'number'; readonly value: number }
        | { readonly kind: 'regex'; readonly regex: RegExp };
    }
  | { readonly kind: 'is'; readonly selector: Selector; readonly test: 'TRUE' | 'FALSE' | 'NULL' | 'NOT EXISTS' };

export function parseFilterPattern(pattern: string): FilterPattern {
  const text = pattern.trim();
  if (text === '') return { kind: 'all' };
  if (text.startsWith('{')) return { kind: 'json', expression: parseJsonPattern(text) };
  if (text.startsWith('[')) throw unsupported('space-delimited patterns ([...]) are not supported');
  if (/^%[^%]*%$/.test(text)) return { kind: 'regex', regex: compileFilterRegex(text.slice(1, -1)) };
  return { kind: 'terms', terms: parseTerms(text) };
}

/** Whether a pattern has a regular expression (CloudWatch allows five such metric filters per log group). */
export function hasRegex(pattern: FilterPattern): boolean {
  if (pattern.kind === 'regex') return true;
  if (pattern.kind !== 'json') return false;
  const walk = (expression: JsonExpression): boolean =>
    expression.kind === 'and' || expression.kind === 'or'
      ? walk(expression.left) || walk(expression.right)
      : expression.kind === 'compare' && expression.value.kind === 'regex';
  return walk(pattern.expression);
}

/** A JSON selector written on its own (`$.user.name`, `$.items[0]`), as metric values and dimensions name fields. */
export function parseSelector(text: string): Selector | undefined {
  const steps = /^\$((?:\.[A-Za-z0-9_@-]+|\[\d+\])+)$/.exec(text)?.[1];
  return steps === undefined ? undefined : selectorSteps(steps);
}

// ---- terms ----

function parseTerms(text: string): Term[] {
  const terms: Term[] = [];
  let position = 0;
  while (position < text.length) {
    const char = text.charAt(position);
    if (/\s/.test(char)) {
      position += 1;
    } else if (char === '"') {
      const { value, end } = readQuoted(text, position);
      if (value === '') throw new FilterPatternError('an empty quoted term ("") matches nothing useful');
      terms.push({ text: value, quoted: true });
      position = end;
    } else {
      const end = nextWhitespace(text, position);
      terms.push({ text: bareTerm(text.slice(position, end)), quoted: false });
      position = end;
    }
  }
  return terms;
}

function bareTerm(token: string): string {
  if (token.startsWith('?')) throw unsupported(`alternative terms (${token}: "?term") are not supported`);
  if (token.startsWith('-')) throw unsupported(`excluded terms (${token}: "-term") are not supported`);
  if (token.startsWith('%')) {
    throw unsupported(`a regular expression among terms (${token}: use it as the whole pattern) is not supported`);
  }
  if (!/^[A-Za-z0-9_]+$/.test(token)) {
    throw new FilterPatternError(
      `the term ${token} has characters other than letters, digits and _: quote it ("...") to match it as a phrase`,
    );
  }
  return token;
}

function nextWhitespace(text: string, from: number): number {
  let end = from;
  while (end < text.length && !/\s/.test(text.charAt(end))) end += 1;
  return end;
}

/** A double-quoted string starting at `start`, with `\"` and `\\` escapes. */
function readQuoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let position = start + 1;
  while (position < text.length) {
    const char = text.charAt(position);
    if (char === '\\' && position + 1 < text.length) {
      value += text.charAt(position + 1);
      position += 2;
    } else if (char === '"') {
      return { value, end: position + 1 };
    } else {
      value += char;
      position += 1;
    }
  }
  throw new FilterPatternError(`unterminated quoted string starting at character ${start + 1}`);
}

// ---- JSON patterns ----

type Token =
  | { readonly kind: 'selector'; readonly selector: Selector; readonly at: number }
  | { readonly kind: 'operator'; readonly operator: ComparisonOperator; readonly at: number }
  | { readonly kind: 'and' | 'or' | 'open' | 'close'; readonly at: number }
  | { readonly kind: 'is'; readonly test: 'TRUE' | 'FALSE' | 'NULL' | 'NOT EXISTS'; readonly at: number }
  | { readonly kind: 'string'; readonly text: string; readonly at: number }
  | { readonly kind: 'word'; readonly text: string; readonly at: number };

function parseJsonPattern(text: string): JsonExpression {
  if (!text.endsWith('}')) throw new FilterPatternError('a JSON filter pattern must end with }');
  const tokens = tokenize(text.slice(1, -1));
  if (tokens.length === 0) throw new FilterPatternError('a JSON filter pattern needs a condition between { and }');
  const parser = new JsonParser(tokens);
  const expression = parser.expression();
  parser.expectEnd();
  const regexCount = tokens.filter((token) => token.kind === 'word' && token.text.startsWith('%')).length;
  if (regexCount > MAX_REGEX_PER_PATTERN) {
    throw new FilterPatternError(
      `a JSON filter pattern can have at most ${MAX_REGEX_PER_PATTERN} regular expressions; this one has ${regexCount}`,
    );
  }
  return expression;
}

const OPERATORS: readonly ComparisonOperator[] = ['!=', '<=', '>=', '=', '<', '>'];

function tokenize(body: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  while (position < body.length) {
    const rest = body.slice(position);
    const char = rest.charAt(0);
    if (/\s/.test(char)) {
      position += 1;
      continue;
    }
    const at = position + 2; // 1-based, counting the opening brace
    const { token, length } = readToken(body, position, at);
    tokens.push(token);
    position += length;
  }
  return tokens;
}

/** The token at `position` and how many characters it takes. */
function readToken(body: string, position: number, at: number): { token: Token; length: number } {
  const rest = body.slice(position);
  const char = rest.charAt(0);
  if (rest.startsWith('&&')) return { token: { kind: 'and', at }, length: 2 };
  if (rest.startsWith('||')) return { token: { kind: 'or', at }, length: 2 };
  if (char === '(') return { token: { kind: 'open', at }, length: 1 };
  if (char === ')') return { token: { kind: 'close', at }, length: 1 };
  if (char === '$') {
    const steps = /^\$((?:\.[A-Za-z0-9_@-]+|\[\d+\])*)/.exec(rest)?.[1] ?? '';
    if (steps === '') throw new FilterPatternError(`a selector must name a field ($.field) at character ${at}`);
    if (/^[[.]/.test(rest.slice(1 + steps.length))) {
      throw unsupported(
        `the selector at character ${at} uses a form other than .field and [index], which is not supported`,
      );
    }
    return { token: { kind: 'selector', selector: selectorSteps(steps), at }, length: 1 + steps.length };
  }
  if (char === '"') {
    const { value, end } = readQuoted(body, position);
    return { token: { kind: 'string', text: value, at }, length: end - position };
  }
  if (char === '%') {
    // A regular expression may hold characters that are operators here (|, =).
    const end = body.indexOf('%', position + 1);
    if (end === -1) throw new FilterPatternError(`a regular expression must be enclosed in % (character ${at})`);
    return { token: { kind: 'word', text: body.slice(position, end + 1), at }, length: end + 1 - position };
  }
  const operator = OPERATORS.find((candidate) => rest.startsWith(candidate));
  if (operator) return { token: { kind: 'operator', operator, at }, length: operator.length };
  const test = /^(IS\s+(TRUE|FALSE|NULL)|NOT\s+EXISTS)(?![A-Za-z0-9_])/.exec(rest);
  if (test) {
    const kind = test[2] === undefined ? 'NOT EXISTS' : (test[2] as 'TRUE' | 'FALSE' | 'NULL');
    return { token: { kind: 'is', test: kind, at }, length: test[0].length };
  }
  const word = /^[^\s()&|=!<>"]+/.exec(rest)?.[0];
  if (word === undefined) throw new FilterPatternError(`unexpected ${JSON.stringify(char)} at character ${at}`);
  return { token: { kind: 'word', text: word, at }, length: word.length };
}

function selectorSteps(steps: string): Selector {
  return [...steps.matchAll(/\.([A-Za-z0-9_@-]+)|\[(\d+)\]/g)].map((step) =>
    step[1] !== undefined ? step[1] : Number(step[2]),
  );
}

class JsonParser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  expression(): JsonExpression {
    let left = this.conjunction();
    while (this.peek()?.kind === 'or') {
      this.index += 1;
      left = { kind: 'or', left, right: this.conjunction() };
    }
    return left;
  }

  expectEnd(): void {
    const extra = this.peek();
    if (extra) throw new FilterPatternError(`unexpected ${describe(extra)} at character ${extra.at}`);
  }

  private conjunction(): JsonExpression {
    let left = this.primary();
    while (this.peek()?.kind === 'and') {
      this.index += 1;
      left = { kind: 'and', left, right: this.primary() };
    }
    return left;
  }

  private primary(): JsonExpression {
    const token = this.next('a condition');
    if (token.kind === 'open') {
      const inner = this.expression();
      const close = this.next(')');
      if (close.kind !== 'close') throw new FilterPatternError(`expected ) at character ${close.at}`);
      return inner;
    }
    if (token.kind !== 'selector') {
      throw new FilterPatternError(`expected a selector ($.field) at character ${token.at}, found ${describe(token)}`);
    }
    const operation = this.next('an operator');
    if (operation.kind === 'is') return { kind: 'is', selector: token.selector, test: operation.test };
    if (operation.kind !== 'operator') {
      throw new FilterPatternError(`expected an operator at character ${operation.at}, found ${describe(operation)}`);
    }
    const value = this.next('a value');
    return {
      kind: 'compare',
      selector: token.selector,
      operator: operation.operator,
      value: comparedValue(operation.operator, value),
    };
  }

  private peek(): Token | undefined {
    return this.tokens[this.index];
  }

  private next(expected: string): Token {
    const token = this.tokens[this.index];
    if (!token) throw new FilterPatternError(`the pattern ends where ${expected} was expected`);
    this.index += 1;
    return token;
  }
}

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

function comparedValue(operator: ComparisonOperator, token: Token) {
  if (token.kind !== 'string' && token.kind !== 'word') {
    throw new FilterPatternError(`expected a value at character ${token.at}, found ${describe(token)}`);
  }
  if (token.kind === 'word' && token.text.startsWith('%')) {
    if (!/^%[^%]*%$/.test(token.text)) {
      throw new FilterPatternError(`a regular expression must be enclosed in % (character ${token.at})`);
    }
    if (operator !== '=' && operator !== '!=') {
      throw new FilterPatternError(
        `${operator} compares numbers only, found a regular expression at character ${token.at}`,
      );
    }
    return { kind: 'regex' as const, regex: compileFilterRegex(token.text.slice(1, -1)) };
  }
  const numeric = token.kind === 'word' && NUMBER.test(token.text);
  if (numeric) return { kind: 'number' as const, value: Number(token.text) };
  if (operator !== '=' && operator !== '!=') {
    throw new FilterPatternError(
      `${operator} compares numbers only, found ${JSON.stringify(token.text)} at character ${token.at}`,
    );
  }
  return { kind: 'string' as const, text: token.text };
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'selector':
      return 'a selector';
    case 'operator':
      return token.operator;
    case 'and':
      return '&&';
    case 'or':
      return '||';
    case 'open':
      return '(';
    case 'close':
      return ')';
    case 'is':
      return token.test;
    default:
      return JSON.stringify(token.text);
  }
}

function unsupported(what: string): FilterPatternError {
  return new FilterPatternError(`${what} by the local CloudWatch Logs`);
}
