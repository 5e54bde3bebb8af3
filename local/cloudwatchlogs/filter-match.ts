import type { FilterPattern, JsonExpression, Selector, Term } from './filter-pattern';

/**
 * Whether a log event's message matches a parsed filter pattern (filter-pattern.ts). A JSON
 * pattern matches only messages that are JSON objects; a comparison on a field the event does not
 * have, or has with another type, is false, `!=` included (`NOT EXISTS` asks for absence).
 */
export function matchesFilterPattern(pattern: FilterPattern, message: string): boolean {
  switch (pattern.kind) {
    case 'all':
      return true;
    case 'terms':
      return pattern.terms.every((term) => containsTerm(message, term));
    case 'regex':
      return pattern.regex.test(message);
    case 'json': {
      const document = parseJsonObject(message);
      return document !== undefined && evaluate(pattern.expression, document);
    }
  }
}

function containsTerm(message: string, term: Term): boolean {
  if (term.quoted) return message.includes(term.text);
  const isWordChar = (char: string | undefined) => char !== undefined && /[A-Za-z0-9_]/.test(char);
  for (let at = message.indexOf(term.text); at !== -1; at = message.indexOf(term.text, at + 1)) {
    if (!isWordChar(message[at - 1]) && !isWordChar(message[at + term.text.length])) return true;
  }
  return false;
}

/** The message as a JSON object, or undefined when it is not one. */
export function parseJsonObject(message: string): object | undefined {
  try {
    const parsed: unknown = JSON.parse(message);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

const MISSING = Symbol('missing');

/** The value a selector names in a document, or undefined when it names nothing. */
export function selectJsonValue(document: object, selector: Selector): unknown {
  const value = select(document, selector);
  return value === MISSING ? undefined : value;
}

function select(document: object, selector: Selector): unknown {
  let value: unknown = document;
  for (const step of selector) {
    if (typeof step === 'number') {
      if (!Array.isArray(value) || step >= value.length) return MISSING;
      value = (value as unknown[])[step];
    } else {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, step)) {
        return MISSING;
      }
      value = (value as Record<string, unknown>)[step];
    }
  }
  return value;
}

function evaluate(expression: JsonExpression, document: object): boolean {
  switch (expression.kind) {
    case 'and':
      return evaluate(expression.left, document) && evaluate(expression.right, document);
    case 'or':
      return evaluate(expression.left, document) || evaluate(expression.right, document);
    case 'is': {
      const value = select(document, expression.selector);
      if (expression.test === 'NOT EXISTS') return value === MISSING;
      if (expression.test === 'NULL') return value === null;
      return value === (expression.test === 'TRUE');
    }
    case 'compare': {
      const value = select(document, expression.selector);
      const { operator, value: expected } = expression;
      if (expected.kind === 'string') {
        if (typeof value !== 'string') return false;
        return globMatches(expected.text, value) === (operator === '=');
      }
      if (expected.kind === 'regex') {
        if (typeof value !== 'string') return false;
        return expected.regex.test(value) === (operator === '=');
      }
      if (typeof value !== 'number') return false;
      return compareNumbers(value, operator, expected.value);
    }
  }
}

function compareNumbers(actual: number, operator: string, expected: number): boolean {
  switch (operator) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    default:
      return actual >= expected;
  }
}

/** The whole value must match; `*` stands for any run of characters. */
function globMatches(glob: string, value: string): boolean {
  if (!glob.includes('*')) return glob === value;
  const source = glob
    .split('*')
    .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's').test(value);
}
