import { ServerErrors } from './errors';

/**
 * MySQL's lexical rules, as far as the statements the double parses need them (MySQL 8.0
 * Reference Manual, "Schema Object Names", "String Literals", "Comments",
 * https://dev.mysql.com/doc/refman/8.0/en/identifiers.html, /string-literals.html, /comments.html):
 * - unquoted words (keywords and identifiers), backtick-quoted identifiers (`` `a``b` ``);
 * - strings in single or double quotes (ANSI_QUOTES is not modelled), doubled quotes, and
 *   backslash escapes unless the session's sql_mode has NO_BACKSLASH_ESCAPES; adjacent strings
 *   concatenate;
 * - `-- ` (dash dash space), `#` and `/* *\/` comments; `/*! … *\/` and `/*!80000 … *\/`
 *   executable comments, whose text is part of the statement; `/*+ … *\/` optimizer hints;
 * - `?` placeholders, `@user_var`, `@@[session.|global.]system_var`.
 */
export type Token =
  | { readonly kind: 'word'; readonly value: string; readonly at: number }
  | { readonly kind: 'ident'; readonly value: string; readonly at: number }
  | { readonly kind: 'string'; readonly value: string; readonly at: number }
  | { readonly kind: 'number'; readonly value: string; readonly at: number }
  | { readonly kind: 'param'; readonly index: number; readonly at: number }
  | { readonly kind: 'uservar'; readonly value: string; readonly at: number }
  | {
      readonly kind: 'sysvar';
      readonly scope: 'SESSION' | 'GLOBAL' | undefined;
      readonly value: string;
      readonly at: number;
    }
  | { readonly kind: 'hint'; readonly value: string; readonly at: number }
  | { readonly kind: 'punct'; readonly value: string; readonly at: number }
  | { readonly kind: 'end'; readonly at: number };

export interface LexOptions {
  readonly noBackslashEscapes: boolean;
  /** The server version as a number (8.0.36 → 80036), for versioned executable comments. */
  readonly versionNumber: number;
}

const WORD_START = /[A-Za-z_$\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const TWO_CHAR_OPERATORS = ['<>', '!=', '<=', '>=', ':=', '||', '&&'];

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  "'": "'",
  '"': '"',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  '\\': '\\',
  // \% and \_ keep their backslash (they matter only to LIKE).
  '%': '\\%',
  _: '\\_',
};

export function tokenize(sql: string, options: LexOptions): Token[] {
  const tokens: Token[] = [];
  let params = 0;
  let i = 0;
  const fail = (at: number): never => {
    throw ServerErrors.parse(sql.slice(at));
  };
  while (i < sql.length) {
    const c = sql.charAt(i);
    const next = sql.charAt(i + 1);
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#' || (c === '-' && next === '-' && /[\s]|^$/.test(sql.charAt(i + 2)))) {
      while (i < sql.length && sql.charAt(i) !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) fail(i);
      const body = sql.slice(i + 2, end);
      if (body.startsWith('!')) {
        // Executable comment: its text is part of the statement (a versioned one only on a server that new).
        const versioned = /^!(\d{5,6})/.exec(body);
        const include = !versioned || Number(versioned[1]) <= options.versionNumber;
        const inner = body.slice(versioned ? versioned[0].length : 1);
        if (include) {
          for (const t of tokenize(inner, options)) {
            if (t.kind === 'end') continue;
            if (t.kind === 'param') tokens.push({ ...t, index: params++ });
            else tokens.push({ ...t, at: t.at + i });
          }
        }
      } else if (body.startsWith('+')) {
        tokens.push({ kind: 'hint', value: body.slice(1).trim(), at: i });
      }
      i = end + 2;
    } else if (c === '`') {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) fail(i);
        if (sql.charAt(j) === '`') {
          if (sql.charAt(j + 1) === '`') {
            value += '`';
            j += 2;
            continue;
          }
          break;
        }
        value += sql.charAt(j++);
      }
      tokens.push({ kind: 'ident', value, at: i });
      i = j + 1;
    } else if (c === "'" || c === '"') {
      let value = '';
      let j = i;
      // Adjacent quoted strings are one string ('a' 'b' = 'ab').
      do {
        const quote = sql.charAt(j);
        j++;
        for (;;) {
          if (j >= sql.length) fail(i);
          const d = sql.charAt(j);
          if (d === '\\' && !options.noBackslashEscapes) {
            const e = sql.charAt(j + 1);
            value += ESCAPES[e] ?? e;
            j += 2;
          } else if (d === quote) {
            if (sql.charAt(j + 1) === quote) {
              value += quote;
              j += 2;
            } else {
              j++;
              break;
            }
          } else {
            value += d;
            j++;
          }
        }
        while (j < sql.length && /\s/.test(sql.charAt(j))) j++;
      } while (sql.charAt(j) === "'" || sql.charAt(j) === '"');
      tokens.push({ kind: 'string', value, at: i });
      i = j;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next))) {
      let j = i;
      while (j < sql.length && /[0-9.]/.test(sql.charAt(j))) j++;
      if (j < sql.length && WORD_PART.test(sql.charAt(j)) && !/[eE]/.test(sql.charAt(j))) {
        // 1abc is an identifier in MySQL.
        while (j < sql.length && WORD_PART.test(sql.charAt(j))) j++;
        tokens.push({ kind: 'word', value: sql.slice(i, j), at: i });
      } else {
        tokens.push({ kind: 'number', value: sql.slice(i, j), at: i });
      }
      i = j;
    } else if (WORD_START.test(c)) {
      let j = i;
      while (j < sql.length && WORD_PART.test(sql.charAt(j))) j++;
      tokens.push({ kind: 'word', value: sql.slice(i, j), at: i });
      i = j;
    } else if (c === '?') {
      tokens.push({ kind: 'param', index: params++, at: i });
      i++;
    } else if (c === '@' && next === '@') {
      let j = i + 2;
      while (j < sql.length && /[A-Za-z0-9_.$]/.test(sql.charAt(j))) j++;
      const name = sql.slice(i + 2, j);
      const scoped = /^(session|global|local)\.(.+)$/i.exec(name);
      if (name === '') fail(i);
      const scope = scoped ? ((scoped[1] ?? '').toUpperCase() === 'GLOBAL' ? 'GLOBAL' : 'SESSION') : undefined;
      tokens.push({ kind: 'sysvar', scope, value: (scoped ? (scoped[2] ?? '') : name).toLowerCase(), at: i });
      i = j;
    } else if (c === '@' && WORD_PART.test(next)) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_.$]/.test(sql.charAt(j))) j++;
      tokens.push({ kind: 'uservar', value: sql.slice(i + 1, j), at: i });
      i = j;
    } else {
      const two = sql.slice(i, i + 2);
      if (TWO_CHAR_OPERATORS.includes(two)) {
        tokens.push({ kind: 'punct', value: two, at: i });
        i += 2;
      } else if ('(),.;=<>*+-/@%!~^&|'.includes(c)) {
        tokens.push({ kind: 'punct', value: c, at: i });
        i++;
      } else {
        fail(i);
      }
    }
  }
  tokens.push({ kind: 'end', at: sql.length });
  return tokens;
}
