import { InvalidSecretValueError } from '../errors';
import { parseRedisSecret, sameRedisUser, type RedisSecret } from './secret';

/** ElastiCache user ids: a letter, then letters, digits and hyphens (the API's pattern). */
const USER_ID_PATTERN = /^[a-zA-Z][a-zA-Z0-9-]*$/;

/** A Redis user secret of an ElastiCache / MemoryDB RBAC user: `userId` names it for the API. */
export interface ElastiCacheUserSecret extends RedisSecret {
  /** The ElastiCache user id (ModifyUser's UserId); `username` is the name clients log in with. */
  readonly userId: string;
}

/** Parses `{ engine: 'redis', host, port, username, password, ssl, userId }`; errors never quote values. */
export function parseElastiCacheUserSecret(value: string, versionLabel: string): ElastiCacheUserSecret {
  const secret = parseRedisSecret(value, versionLabel);
  const userId = secret.fields.userId;
  if (typeof userId !== 'string' || !USER_ID_PATTERN.test(userId)) {
    throw new InvalidSecretValueError(
      `the ${versionLabel} value needs "userId": the ElastiCache user id (a letter, then letters, digits or hyphens), ` +
        'which ModifyUser changes ("username" is the Redis user name clients log in with); ' +
        'for a self-managed Redis, give "masterarn" instead: its master user changes the passwords',
    );
  }
  return { ...secret, userId };
}

/** Same server, TLS setting, user name and user id: a new version may change only the password. */
export function sameElastiCacheUser(a: ElastiCacheUserSecret, b: ElastiCacheUserSecret): boolean {
  return sameRedisUser(a, b) && a.userId === b.userId;
}
