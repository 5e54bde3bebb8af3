import * as path from 'node:path';
import type { z } from 'zod';
import { resolvePolicy, type ResolvedPolicy } from './defaults';
import { policySchema } from './schema';

/** The policy file is wrong; `problems` name the entry and the field, one per line. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid keyturn policy ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Validates a policy object and applies defaults. */
export function parsePolicy(input: unknown, source = 'policy'): ResolvedPolicy {
  const result = policySchema.safeParse(input);
  if (!result.success)
    throw new PolicyError(
      source,
      result.error.issues.map((issue) => describe(issue, input)),
    );
  return resolvePolicy(result.data);
}

/**
 * Loads a TypeScript or JavaScript policy module (its default export, or an export named
 * `policy`) relative to the working directory. The CDK app runs under tsx, so `.ts` loads.
 */
export function loadPolicy(file: string): ResolvedPolicy {
  const absolute = path.resolve(file);
  let loaded: { default?: unknown; policy?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the file is chosen at synth time
    loaded = require(absolute) as { default?: unknown; policy?: unknown };
  } catch (error) {
    throw new PolicyError(file, [`cannot load the file: ${(error as Error).message}`]);
  }
  const policy = loaded.default ?? loaded.policy;
  if (policy === undefined)
    throw new PolicyError(file, ['the module exports no policy (export default definePolicy({...}))']);
  return parsePolicy(policy, file);
}

/** `entry "orders-db" (entries[3]) schedule.expression: ...` — the entry by id when it has one. */
function describe(issue: z.core.$ZodIssue, input: unknown): string {
  // A record key that fails its schema comes wrapped; the inner message is the one that explains.
  if (issue.code === 'invalid_key' && issue.issues[0]) issue = { ...issue, message: issue.issues[0].message };
  const [first, index, ...rest] = issue.path;
  if ((first === 'entries' || first === 'keys') && typeof index === 'number') {
    const id = itemId(input, first, index);
    const what = first === 'entries' ? 'entry' : 'key';
    const where = id === undefined ? `${first}[${index}]` : `${what} "${id}" (${first}[${index}])`;
    return `${where}${rest.length > 0 ? ` ${rest.join('.')}` : ''}: ${issue.message}`;
  }
  return `${issue.path.length > 0 ? issue.path.join('.') : 'policy'}: ${issue.message}`;
}

function itemId(input: unknown, list: 'entries' | 'keys', index: number): string | undefined {
  const items = (input as Record<string, unknown> | null)?.[list];
  if (!Array.isArray(items)) return undefined;
  const id = (items[index] as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}
