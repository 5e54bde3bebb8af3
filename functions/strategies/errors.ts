import { KeyturnError } from '../shared/errors';

/** The secret's value does not have the shape its strategy needs (names fields, never values). */
export class InvalidSecretValueError extends KeyturnError {
  readonly name = 'InvalidSecretValueError';
}

/** A `keyturn:*` tag holds an option the strategy cannot use. */
export class InvalidStrategyOptionError extends KeyturnError {
  readonly name = 'InvalidStrategyOptionError';
}

/** Nothing on the secret says how to rotate it, or what it says is unknown. */
export class UnknownStrategyError extends KeyturnError {
  readonly name = 'UnknownStrategyError';
}

/** The target system could not be reached (network, DNS, timeout): nothing was changed. */
export class TargetUnreachableError extends KeyturnError {
  readonly name = 'TargetUnreachableError';
}

/** TLS was required and could not be established or verified; keyturn never falls back to plaintext. */
export class TlsRequiredError extends KeyturnError {
  readonly name = 'TlsRequiredError';
}

/** None of the credentials keyturn holds are accepted by the target. */
export class AuthenticationFailedError extends KeyturnError {
  readonly name = 'AuthenticationFailedError';
}

/** The pending credential does not work against the target (testSecret). */
export class PendingCredentialRejectedError extends KeyturnError {
  readonly name = 'PendingCredentialRejectedError';
}

/** The master secret is missing, malformed, or does not belong to the same target. */
export class MasterSecretError extends KeyturnError {
  readonly name = 'MasterSecretError';
}

/** A revoke that would touch the credential now in use. */
export class RevokeRefusedError extends KeyturnError {
  readonly name = 'RevokeRefusedError';
}
