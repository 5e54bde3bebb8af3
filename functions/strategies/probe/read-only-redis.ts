/**
 * Whether a probe is one read-only Redis command keyturn may send with the new credential.
 * An allow-list, not a deny-list: only commands that read one key or the server's liveness.
 */
const READ_ONLY_COMMANDS: ReadonlyMap<string, { readonly minArgs: number; readonly maxArgs: number }> = new Map([
  ['PING', { minArgs: 0, maxArgs: 1 }],
  ['GET', { minArgs: 1, maxArgs: 1 }],
  ['MGET', { minArgs: 1, maxArgs: 16 }],
  ['EXISTS', { minArgs: 1, maxArgs: 16 }],
  ['TYPE', { minArgs: 1, maxArgs: 1 }],
  ['TTL', { minArgs: 1, maxArgs: 1 }],
  ['PTTL', { minArgs: 1, maxArgs: 1 }],
  ['STRLEN', { minArgs: 1, maxArgs: 1 }],
  ['HGET', { minArgs: 2, maxArgs: 2 }],
  ['HEXISTS', { minArgs: 2, maxArgs: 2 }],
  ['HLEN', { minArgs: 1, maxArgs: 1 }],
  ['LLEN', { minArgs: 1, maxArgs: 1 }],
  ['LINDEX', { minArgs: 2, maxArgs: 2 }],
  ['SCARD', { minArgs: 1, maxArgs: 1 }],
  ['SISMEMBER', { minArgs: 2, maxArgs: 2 }],
  ['ZCARD', { minArgs: 1, maxArgs: 1 }],
  ['ZSCORE', { minArgs: 2, maxArgs: 2 }],
  ['XLEN', { minArgs: 1, maxArgs: 1 }],
]);

export const READ_ONLY_REDIS_COMMANDS: readonly string[] = [...READ_ONLY_COMMANDS.keys()];

/** The problem with `command` as a probe, or undefined when it is one read-only command. */
export function readOnlyRedisProblem(command: readonly string[]): string | undefined {
  const [name, ...args] = command;
  if (name === undefined || name.trim() === '') return 'is empty: give a command and its arguments';
  const rule = READ_ONLY_COMMANDS.get(name.toUpperCase());
  if (!rule) return `runs ${name.slice(0, 40)}; a probe may run only ${READ_ONLY_REDIS_COMMANDS.join(', ')}`;
  if (args.length < rule.minArgs || args.length > rule.maxArgs) {
    const expected = rule.minArgs === rule.maxArgs ? `${rule.minArgs}` : `${rule.minArgs} to ${rule.maxArgs}`;
    return `gives ${name.toUpperCase()} ${args.length} argument(s); it takes ${expected}`;
  }
  return undefined;
}
