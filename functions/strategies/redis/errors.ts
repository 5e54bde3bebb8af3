import { KeyturnError } from '../../shared/errors';

/** The Redis server refused something for a reason another password would not change. */
export class RedisTargetError extends KeyturnError {
  readonly name = 'RedisTargetError';
}

/** The rotated user does not exist on the server; keyturn never creates it. */
export class RedisUserNotFoundError extends KeyturnError {
  readonly name = 'RedisUserNotFoundError';
}

/**
 * Errors of the ElastiCache / MemoryDB user strategy (`elasticache-user`). Messages name the user id,
 * its status and authentication type and the API's error code: never a password (the API's
 * request parameters are never logged or quoted).
 */

/** DescribeUsers does not know the secret's `userId` (in this account and region); nothing was changed. */
export class ElastiCacheUserNotFoundError extends KeyturnError {
  readonly name = 'ElastiCacheUserNotFoundError';
}

/** The user does not authenticate with passwords (IAM or no-password) or is being deleted: keyturn changes nothing. */
export class ElastiCacheUserNotRotatableError extends KeyturnError {
  readonly name = 'ElastiCacheUserNotRotatableError';
}

/** The user stayed `modifying` longer than keyturn waits, or ElastiCache refused the change for its state. */
export class ElastiCacheUserBusyError extends KeyturnError {
  readonly name = 'ElastiCacheUserBusyError';
}

/** The ElastiCache API failed for another reason (throttling after retries, access denied, a server fault). */
export class ElastiCacheApiError extends KeyturnError {
  readonly name = 'ElastiCacheApiError';

  constructor(
    message: string,
    /** The API's error name (ThrottlingException, AccessDenied, InvalidParameterValueException...). */
    readonly code: string,
  ) {
    super(message);
  }
}
