import { FilterPatternError } from './filter-pattern-error';

/**
 * Regular expressions in filter patterns (`%...%`), the subset CloudWatch Logs documents
 * ("Supported regular expressions (regex) syntax"): letters and digits; the symbols
 * `: _ # = @ / ; , -`; the operators `^ $ ? [ ] { } | \ * + .`; the classes `\d \D \s \S \w \W`;
 * any ASCII character as a hexadecimal code `\xHH` (a space is `\x20` or `\s`, a double quote
 * `\x22`). Parentheses, other characters (a space, `!`, quotes, `%`) and multi-byte characters
 * are refused, as CloudWatch refuses them. Matching is case-sensitive and finds the expression
 * anywhere in the text unless `^`/`$` anchor it.
 */

const PLAIN = /[A-Za-z0-9:_#=@/;,\-^$?[\]{}|*+.]/;
const CLASS_ESCAPES = 'dDsSwW';
/** What may follow a backslash to stand for itself. */
const LITERAL_ESCAPES = ':_#=@/;,-^$?[]{}|\\*+.';

export function compileFilterRegex(source: string): RegExp {
  if (source === '') throw new FilterPatternError('an empty regular expression (%%) matches nothing useful');
  for (let position = 0; position < source.length; position += 1) {
    const char = source.charAt(position);
    if (char.charCodeAt(0) > 0x7f) {
      throw new FilterPatternError('multi-byte characters are not supported in regular expressions');
    }
    if (char === '(' || char === ')') {
      throw new FilterPatternError('( and ) are not supported in regular expressions: they cannot group a subpattern');
    }
    if (char === '\\') {
      const next = source.charAt(position + 1);
      if (next === 'x') {
        if (!/^[0-9A-Fa-f]{2}$/.test(source.slice(position + 2, position + 4))) {
          throw new FilterPatternError(
            `\\x must be followed by two hexadecimal digits (character ${position + 1} of the expression)`,
          );
        }
        position += 3;
      } else if (next !== '' && (CLASS_ESCAPES.includes(next) || LITERAL_ESCAPES.includes(next))) {
        position += 1;
      } else {
        throw new FilterPatternError(`the escape \\${next} is not supported in regular expressions`);
      }
    } else if (!PLAIN.test(char)) {
      const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
      throw new FilterPatternError(
        `the character ${JSON.stringify(char)} is not supported in regular expressions (write it as \\x${hex})`,
      );
    }
  }
  try {
    return new RegExp(source);
  } catch (error) {
    throw new FilterPatternError(`invalid regular expression %${source}%: ${(error as Error).message}`);
  }
}
