import { KeyturnError } from '../../shared/errors';

/** The IAM user the secret names does not exist (in the account keyturn reaches it in). Nothing changed. */
export class IamUserNotFoundError extends KeyturnError {
  readonly name = 'IamUserNotFoundError';
}

/** IAM or STS refused keyturn a call (its role, or the assumed role, lacks a permission). Nothing changed. */
export class IamAccessDeniedError extends KeyturnError {
  readonly name = 'IamAccessDeniedError';
}

/**
 * The user has an active key that no version of the secret holds: someone may be using it, so
 * keyturn does not delete it to make room unless the entry allows it (`allowReplacingUnknownKey`).
 */
export class UnknownActiveKeyError extends KeyturnError {
  readonly name = 'UnknownActiveKeyError';
}

/**
 * Both of the user's key slots hold active keys of this secret: the previous rotation's key was
 * never revoked (its lifecycle left it in use, or only Secrets Manager's own rotation ran).
 */
export class TwoActiveKeysError extends KeyturnError {
  readonly name = 'TwoActiveKeysError';
}

/** The key in AWSCURRENT is inactive: clients reading the secret are already failing. Nothing changed. */
export class CurrentKeyInactiveError extends KeyturnError {
  readonly name = 'CurrentKeyInactiveError';
}

/** The key in AWSCURRENT is not one of the user's keys (deleted, or the secret names another user). */
export class CurrentKeyNotFoundError extends KeyturnError {
  readonly name = 'CurrentKeyNotFoundError';
}

/**
 * The other key slot holds a key keyturn deactivated whose quarantine has not ended (or that was
 * used after it was deactivated): it is kept for a rollback, so no new key can be made yet.
 */
export class KeyInQuarantineError extends KeyturnError {
  readonly name = 'KeyInQuarantineError';
}

/** The pending version's key is not an active key of the user (setSecret). */
export class PendingKeyMissingError extends KeyturnError {
  readonly name = 'PendingKeyMissingError';
}

/** A key authenticated, but as another identity than the secret's IAM user. */
export class KeyIdentityMismatchError extends KeyturnError {
  readonly name = 'KeyIdentityMismatchError';
}

/** createSecret asked for a value this kind only gets from IAM (issuePendingValue is the way). */
export class ValueIssuedByTargetError extends KeyturnError {
  readonly name = 'ValueIssuedByTargetError';
}

/** An IAM or STS call failed for another reason than the ones above (throttling, a 5xx). Retryable. */
export class IamApiError extends KeyturnError {
  readonly name = 'IamApiError';
}
