import { createHash } from 'node:crypto';
import { RespProtocolError, type RespValue } from './resp-parser';

/**
 * The form Redis keeps passwords in (ACL GETUSER lists them so): SHA-256 of the UTF-8 bytes,
 * lower-case hex. `ACL SETUSER u #<hash>` adds it and `!<hash>` removes it, so the plaintext
 * never reaches the server's command surface (its error replies, MONITOR, the slow log).
 */
export function redisPasswordHash(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('hex');
}

/** What ACL GETUSER says about a user, as far as rotation needs it. */
export interface RedisAclUser {
  /** `on`/`off`, `nopass`, `allkeys`, ... */
  readonly flags: readonly string[];
  /** SHA-256 hex of every password the user accepts. */
  readonly passwordHashes: readonly string[];
}

/** Parses the RESP2 reply of ACL GETUSER (a flat list of name, value pairs); null means no such user. */
export function parseAclGetUser(reply: RespValue): RedisAclUser | undefined {
  if (reply === null) return undefined;
  if (!Array.isArray(reply)) throw new RespProtocolError('ACL GETUSER did not answer with a list');
  const items = reply as readonly RespValue[];
  const field = (name: string): readonly string[] => {
    for (let i = 0; i + 1 < items.length; i += 2) {
      if (items[i] !== name) continue;
      const value = items[i + 1];
      if (!Array.isArray(value)) throw new RespProtocolError(`ACL GETUSER's "${name}" is not a list`);
      return (value as readonly RespValue[]).filter((v): v is string => typeof v === 'string');
    }
    throw new RespProtocolError(`ACL GETUSER's reply has no "${name}"`);
  };
  return { flags: field('flags'), passwordHashes: field('passwords').map((h) => h.toLowerCase()) };
}

/** One line of CLIENT LIST, as far as rotation needs it. */
export interface RedisClientInfo {
  readonly id: number;
  readonly name: string;
  readonly user: string;
  /** Seconds since the connection was opened (whole seconds, as Redis counts). */
  readonly ageSeconds: number;
}

/**
 * Parses CLIENT LIST: one line per connection of space-separated `key=value` fields. Neither
 * user names nor client names may contain spaces (Redis refuses them), so splitting is exact.
 */
export function parseClientList(reply: RespValue): RedisClientInfo[] {
  if (typeof reply !== 'string') throw new RespProtocolError('CLIENT LIST did not answer with text');
  const clients: RedisClientInfo[] = [];
  for (const line of reply.split('\n')) {
    if (line.trim() === '') continue;
    const fields = new Map<string, string>();
    for (const pair of line.trim().split(' ')) {
      const eq = pair.indexOf('=');
      if (eq > 0) fields.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const id = Number(fields.get('id'));
    const ageSeconds = Number(fields.get('age'));
    const user = fields.get('user');
    if (!Number.isInteger(id) || !Number.isFinite(ageSeconds) || user === undefined) {
      throw new RespProtocolError('CLIENT LIST has a line without id, age or user');
    }
    clients.push({ id, name: fields.get('name') ?? '', user, ageSeconds });
  }
  return clients;
}

/**
 * Whether a connection may have been opened before `since`. Redis counts age in whole seconds
 * from second-granular timestamps, so the true opening lies within a second either side of
 * `now - age`; a connection that may be older than `since` counts (an old password is not
 * missed; a connection opened up to about 2 s after the change may be counted too).
 */
export function mayPredate(client: RedisClientInfo, since: Date, now: number): boolean {
  return now - (client.ageSeconds + 1) * 1000 < since.getTime();
}
