import { runInNewContext } from 'node:vm';

/**
 * A policy snippet (TypeScript to paste into the policy file's `entries` or `keys` array, comments included) read
 * as the array element it is: in a fresh context, then copied out as plain JSON. Snippets hold only literals, so
 * TypeScript and JavaScript read them alike.
 */
export function evaluateSnippet(snippet: string): unknown {
  const elements = runInNewContext(`[\n${snippet}\n]`, {}, { timeout: 1000 }) as unknown[];
  return JSON.parse(JSON.stringify(elements[0] ?? null)) as unknown;
}
