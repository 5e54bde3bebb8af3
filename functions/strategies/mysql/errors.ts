import { KeyturnError } from '../../shared/errors';

/** The server answered but refused the session or a statement for a reason other than the password. */
export class MysqlTargetError extends KeyturnError {
  readonly name = 'MysqlTargetError';

  /** The server's error code name (ER_…), when it gave one. */
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The server's version string could not be read: keyturn does not guess which statements it accepts. */
export class UnrecognizedServerVersionError extends KeyturnError {
  readonly name = 'UnrecognizedServerVersionError';
}

/** The account authenticates with a plugin that has no password keyturn can set (unix_socket, PAM, IAM...). */
export class UnsupportedAuthPluginError extends KeyturnError {
  readonly name = 'UnsupportedAuthPluginError';
}

/** The clone's grants cannot be made equal to the original's (a grant the master may not give, an unknown form). */
export class CloneGrantsError extends KeyturnError {
  readonly name = 'CloneGrantsError';
}

/** The login resolved to another account than the secret names (anonymous or proxied user). */
export class UnexpectedAccountError extends KeyturnError {
  readonly name = 'UnexpectedAccountError';
}

/**
 * The server refuses the account itself: locked after too many failed logins (MySQL's
 * FAILED_LOGIN_ATTEMPTS, MariaDB's max_password_errors) or by ACCOUNT LOCK. keyturn stops at the
 * first such answer: trying more passwords would only keep it locked.
 */
export class AccountLockedError extends KeyturnError {
  readonly name = 'AccountLockedError';
}
