import { ServerErrors } from './errors';
import type { Session } from './session';

/**
 * User-level locks (GET_LOCK, RELEASE_LOCK, IS_USED_LOCK, IS_FREE_LOCK, RELEASE_ALL_LOCKS;
 * MySQL 8.0 Reference Manual, "Locking Functions", https://dev.mysql.com/doc/refman/8.0/en/locking-functions.html):
 * server-wide, held by a session until released or the session ends; a session may take the
 * same name again (counted); GET_LOCK waits up to `timeout` seconds and answers 0 when it
 * gives up, NULL when the wait is killed; names longer than 64 characters are refused.
 */
export class NamedLocks {
  private readonly held = new Map<string, { session: Session; count: number }>();
  private readonly waiters = new Map<string, (() => void)[]>();

  async acquire(name: string, session: Session, timeoutSeconds: number): Promise<number | null> {
    const key = this.key(name);
    for (;;) {
      const owner = this.held.get(key);
      if (!owner) {
        this.held.set(key, { session, count: 1 });
        return 1;
      }
      if (owner.session === session) {
        owner.count++;
        return 1;
      }
      const outcome = await new Promise<'released' | 'timeout' | 'killed'>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        let done = false;
        const finish = (value: 'released' | 'timeout' | 'killed') => {
          if (done) return;
          done = true;
          if (timer) clearTimeout(timer);
          session.interrupt = undefined;
          const remaining = (this.waiters.get(key) ?? []).filter((w) => w !== wake);
          if (remaining.length > 0) this.waiters.set(key, remaining);
          else this.waiters.delete(key);
          resolve(value);
        };
        const wake = () => {
          finish('released');
        };
        this.waiters.set(key, [...(this.waiters.get(key) ?? []), wake]);
        if (timeoutSeconds >= 0)
          timer = setTimeout(
            () => {
              finish('timeout');
            },
            Math.round(timeoutSeconds * 1000),
          );
        session.interrupt = () => {
          finish('killed');
        };
      });
      if (outcome === 'timeout') return 0;
      if (outcome === 'killed') return null;
    }
  }

  release(name: string, session: Session): number | null {
    const key = this.key(name);
    const owner = this.held.get(key);
    if (!owner) return null;
    if (owner.session !== session) return 0;
    owner.count--;
    if (owner.count === 0) {
      this.held.delete(key);
      this.waiters.get(key)?.[0]?.();
    }
    return 1;
  }

  releaseAll(session: Session): number {
    let released = 0;
    for (const [key, owner] of [...this.held]) {
      if (owner.session !== session) continue;
      released += owner.count;
      this.held.delete(key);
      this.waiters.get(key)?.[0]?.();
    }
    return released;
  }

  usedBy(name: string): Session | undefined {
    return this.held.get(this.key(name))?.session;
  }

  private key(name: string): string {
    if (name.length > 64) throw ServerErrors.userLockWrongName(name);
    // Lock names are compared case-insensitively.
    return name.toLowerCase();
  }
}
