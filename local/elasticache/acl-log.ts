import type { RespValue } from '../../functions/strategies/redis/resp-parser';

/**
 * Redis's `ACL LOG` reply, read: one entry per group of similar denials (same reason, context,
 * object and user name within 60 s are counted in one entry, `count`). Redis 7.2 and later add
 * `entry-id`; 7.0 has none. A failed AUTH / HELLO AUTH is `reason auth`, `object AUTH`, and
 * `username` the name that was tried (a user that exists or not). No field carries a password.
 */
export interface AclLogEntry {
  readonly count: number;
  readonly reason: string;
  readonly context: string;
  readonly object: string;
  readonly username: string;
  readonly ageSeconds: number;
  /** Redis 7.2+. */
  readonly entryId?: number;
}

function fields(entry: RespValue): Map<string, RespValue> {
  const map = new Map<string, RespValue>();
  if (!Array.isArray(entry)) return map;
  const items = entry as readonly RespValue[];
  for (let i = 0; i + 1 < items.length; i += 2) {
    const key = items[i];
    if (typeof key === 'string') map.set(key, items[i + 1] ?? null);
  }
  return map;
}

const text = (value: RespValue | undefined): string =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
const num = (value: RespValue | undefined): number => (typeof value === 'number' ? value : Number(value));

/** Parses `ACL LOG`'s reply (RESP2: an array of flat key/value arrays); throws on another shape. */
export function parseAclLog(reply: RespValue): AclLogEntry[] {
  if (!Array.isArray(reply)) throw new TypeError('ACL LOG did not answer with an array');
  return (reply as readonly RespValue[]).map((raw) => {
    const entry = fields(raw);
    const count = num(entry.get('count'));
    if (!Number.isInteger(count) || count < 1) throw new TypeError('an ACL LOG entry has no count');
    const id = entry.get('entry-id');
    return {
      count,
      reason: text(entry.get('reason')),
      context: text(entry.get('context')),
      object: text(entry.get('object')),
      username: text(entry.get('username')),
      ageSeconds: num(entry.get('age-seconds')),
      ...(id === undefined ? {} : { entryId: num(id) }),
    };
  });
}
