import type { AclLogEntry } from './acl-log';

/**
 * Turns successive reads of `ACL LOG` into the number of new failed authentications since the
 * previous read, per user name. An entry's `count` grows while denials keep coming (Redis groups
 * them), so what is new is the growth: per `entry-id` where Redis has it (7.2+), else per group
 * key (user name, context, object), summing that key's entries. A key whose total shrank was
 * reset (`ACL LOG RESET`, or trimmed past `acllog-max-len`): its whole current total counts as
 * new, which may count a trimmed group's older denials again (the local Redis keeps 1024 entries,
 * so trimming needs that many distinct groups). The first read is the baseline: denials from
 * before the poller started are not counted.
 */
export interface NewAuthFailures {
  readonly total: number;
  /** New failures by the user name that was tried. */
  readonly byUser: Readonly<Record<string, number>>;
}

export class AuthFailureCounter {
  private previous: Map<string, number> | undefined;

  observe(entries: readonly AclLogEntry[]): NewAuthFailures {
    const current = new Map<string, { count: number; username: string }>();
    for (const entry of entries) {
      if (entry.reason !== 'auth') continue;
      const key =
        entry.entryId === undefined
          ? `group\u0000${entry.username}\u0000${entry.context}\u0000${entry.object}`
          : `id\u0000${String(entry.entryId)}`;
      const seen = current.get(key);
      current.set(key, { count: (seen?.count ?? 0) + entry.count, username: entry.username });
    }
    const baseline = this.previous;
    this.previous = new Map([...current].map(([key, { count }]) => [key, count]));
    if (baseline === undefined) return { total: 0, byUser: {} };

    const byUser: Record<string, number> = {};
    let total = 0;
    for (const [key, { count, username }] of current) {
      const before = baseline.get(key) ?? 0;
      const added = count >= before ? count - before : count;
      if (added === 0) continue;
      byUser[username] = (byUser[username] ?? 0) + added;
      total += added;
    }
    return { total, byUser };
  }
}
