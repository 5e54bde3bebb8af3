/**
 * A tokenizer for the statements the server itself prints (SHOW GRANTS, SHOW CREATE USER):
 * enough to read them back into parts, so keyturn re-quotes every name itself instead of
 * executing server text.
 */

export type SqlToken =
  | { readonly kind: 'word'; readonly value: string }
  /** A backtick-quoted name, unquoted. */
  | { readonly kind: 'identifier'; readonly value: string }
  /** A single- or double-quoted string, unquoted. */
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'punct'; readonly value: string };

export function tokenize(text: string): SqlToken[] {
  return [...sqlTokens(text)];
}

/** Tokens one by one: a reader can stop before a part it does not need (a binary hash). */
export function* sqlTokens(text: string): Generator<SqlToken> {
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === '`') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new SyntaxError('unterminated quoted name');
        if (text.charAt(i) === '`') {
          if (text.charAt(i + 1) === '`') {
            value += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text.charAt(i++);
      }
      yield { kind: 'identifier', value };
    } else if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new SyntaxError('unterminated string');
        const d = text.charAt(i);
        if (d === '\\') {
          value += text.charAt(i + 1);
          i += 2;
          continue;
        }
        if (d === c) {
          if (text.charAt(i + 1) === c) {
            value += c;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += d;
        i++;
      }
      yield { kind: 'string', value };
    } else if (/[A-Za-z0-9_$]/.test(c)) {
      let value = '';
      while (i < text.length && /[A-Za-z0-9_$]/.test(text.charAt(i))) value += text.charAt(i++);
      yield { kind: 'word', value };
    } else {
      yield { kind: 'punct', value: c };
      i++;
    }
  }
}

export function isWord(token: SqlToken | undefined, ...words: string[]): boolean {
  return token?.kind === 'word' && words.includes(token.value.toUpperCase());
}

export function isPunct(token: SqlToken | undefined, value: string): boolean {
  return token?.kind === 'punct' && token.value === value;
}

/** A name token: backtick-quoted or quoted as a string (account parts are printed both ways). */
export function isName(token: SqlToken | undefined): token is { kind: 'identifier' | 'string'; value: string } {
  return token?.kind === 'identifier' || token?.kind === 'string';
}
