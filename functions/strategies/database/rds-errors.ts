import { KeyturnError } from '../../shared/errors';

/**
 * Named errors of RDS discovery (Step Functions and callers match on `name`). Messages name
 * identifiers, ARNs, engines and statuses: never a secret value.
 */

/** The secret names a DB instance or cluster that RDS does not know (in this account and region). */
export class RdsDatabaseNotFoundError extends KeyturnError {
  readonly name = 'RdsDatabaseNotFoundError';
}

/** The DB instance or cluster exists but is in a status that does not accept logins now. */
export class RdsDatabaseNotAvailableError extends KeyturnError {
  readonly name = 'RdsDatabaseNotAvailableError';

  constructor(
    message: string,
    /** The status RDS reports (`stopped`, `starting`, `failed`, ...). */
    readonly status: string,
    /** True when the status passes by itself (starting, rebooting, failing-over...): a later retry may work. */
    readonly transient: boolean,
  ) {
    super(message);
  }
}

/** The secret's engine and the database's engine are not of the same family (postgres vs mysql). */
export class RdsEngineMismatchError extends KeyturnError {
  readonly name = 'RdsEngineMismatchError';
}

/** RDS refused the Describe call: the rotation function's role lacks the permission. */
export class RdsAccessDeniedError extends KeyturnError {
  readonly name = 'RdsAccessDeniedError';
}

/** The RDS API failed for another reason (network, throttling after the SDK's retries, a server fault). */
export class RdsLookupError extends KeyturnError {
  readonly name = 'RdsLookupError';
}

/** The secret is managed by Amazon RDS (`rds!...`, OwningService rds): RDS rotates it, keyturn must not. */
export class RdsManagedSecretError extends KeyturnError {
  readonly name = 'RdsManagedSecretError';
}

/** The secret is managed by another AWS service (OwningService other than rds): that service rotates it. */
export class ServiceManagedSecretError extends KeyturnError {
  readonly name = 'ServiceManagedSecretError';
}
