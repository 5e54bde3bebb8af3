import type { Finding } from './finding';

/**
 * The proposed entry as TypeScript to paste into the policy file's `entries` or `keys` array: comment lines with
 * the finding and what to check, then the object literal as the policy files are written (unquoted keys, single
 * quotes, trailing commas), ending with a comma. Without an entry, only comments.
 */

const INDENT = '  ';
/** Objects and arrays this short stay on one line, as prettier keeps them at the project's print width. */
const INLINE_WIDTH = 100;

export function snippetOf(finding: Finding): string {
  const { proposal } = finding;
  const header = [`${finding.name}: ${finding.reason}`, ...proposal.notes].map((line) => `// ${line}`);
  if (proposal.entry === null) return header.join('\n');
  const fieldNotes = ('fieldNotes' in proposal ? proposal.fieldNotes : undefined) ?? {};
  const fields = Object.entries(proposal.entry as Record<string, unknown>)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      const note = fieldNotes[key];
      return `${INDENT}${propertyKey(key)}: ${literal(value, INDENT)},${note ? ` // ${note}` : ''}`;
    });
  return [...header, '{', ...fields, '},'].join('\n');
}

/** A value as a TypeScript literal, indented from `indent`. */
function literal(value: unknown, indent: string): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const items = value.map((item) => literal(item, indent + INDENT));
    const inline = `[${items.join(', ')}]`;
    if (fitsInline(inline, indent)) return inline;
    return `[\n${items.map((item) => `${indent}${INDENT}${item},`).join('\n')}\n${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const parts = entries.map(([key, v]) => `${propertyKey(key)}: ${literal(v, indent + INDENT)}`);
    const inline = `{ ${parts.join(', ')} }`;
    if (fitsInline(inline, indent)) return inline;
    return `{\n${parts.map((part) => `${indent}${INDENT}${part},`).join('\n')}\n${indent}}`;
  }
  throw new TypeError(`a policy entry holds only JSON values, got ${typeof value}`);
}

function fitsInline(text: string, indent: string): boolean {
  return !text.includes('\n') && indent.length + text.length <= INLINE_WIDTH;
}

function propertyKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : quote(key);
}

/** A single-quoted string literal: backslashes, quotes and control characters escaped. */
function quote(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'");
  return `'${escaped}'`;
}
