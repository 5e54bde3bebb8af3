/**
 * A deliberately small reading of CloudWatch Logs' JSON filter patterns, for tests only: `{ $.a = v && $.b = "w" }`,
 * where each value is a bare token or a quoted string in which `*` stands for any run of characters and the whole
 * field value must match (CloudWatch's documented equality with wildcards: `{ $.sourceIPAddress != 123.123.* }`).
 * Anything else (other operators, `||`, parentheses, arrays, numbers) is refused rather than guessed, so a changed
 * pattern fails its test loudly. It is not CloudWatch's matcher: it shows which log events the pattern's own
 * conditions accept.
 */
const CONDITION = /^\$\.([A-Za-z0-9_.]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s"=&|()]+)$/;

interface Condition {
  readonly path: readonly string[];
  readonly glob: RegExp;
}

function parse(pattern: string): Condition[] {
  const body = /^\{\s*(.*?)\s*\}$/s.exec(pattern.trim())?.[1];
  if (body === undefined) throw new Error(`not a JSON filter pattern: ${pattern}`);
  return body.split('&&').map((part) => {
    const match = CONDITION.exec(part.trim());
    if (!match?.[1] || match[2] === undefined) throw new Error(`unsupported condition: ${part.trim()}`);
    const raw = match[2].startsWith('"') ? (JSON.parse(match[2]) as string) : match[2];
    const source = raw
      .split('*')
      .map((piece) => piece.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    return { path: match[1].split('.'), glob: new RegExp(`^${source}$`, 's') };
  });
}

/** Whether every condition of `pattern` holds for the JSON log event `event`. */
export function matchesJsonFilterPattern(pattern: string, event: unknown): boolean {
  return parse(pattern).every(({ path, glob }) => {
    let value: unknown = event;
    for (const key of path) {
      value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
    }
    return typeof value === 'string' && glob.test(value);
  });
}
