import { readFileSync } from 'node:fs';
import { UsageError } from '../output/errors';

/** The secrets of a `--file LIST`: one name or ARN a line; blank lines and `#` comments skipped. */
export function readSecretList(
  file: string,
  read: (file: string) => string = (f) => readFileSync(f, 'utf8'),
): string[] {
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    throw new UsageError(
      `cannot read --file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  const ids = text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.length > 0);
  if (ids.length === 0) throw new UsageError(`--file ${file} lists no secret (one name or ARN a line)`);
  return [...new Set(ids)];
}

/** `--tag K=V` values as a tag map; a value may be empty (`K=`), a key may not. */
export function parseTags(pairs: readonly string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--tag ${pair}: write it as KEY=VALUE`);
    const key = pair.slice(0, at);
    if (key in tags && tags[key] !== pair.slice(at + 1))
      throw new UsageError(`--tag ${key} given twice with different values`);
    tags[key] = pair.slice(at + 1);
  }
  return tags;
}
