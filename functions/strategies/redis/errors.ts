import { KeyturnError } from '../../shared/errors';

/** The Redis server refused something for a reason another password would not change. */
export class RedisTargetError extends KeyturnError {
  readonly name = 'RedisTargetError';
}

/** The rotated user does not exist on the server; keyturn never creates it. */
export class RedisUserNotFoundError extends KeyturnError {
  readonly name = 'RedisUserNotFoundError';
}
