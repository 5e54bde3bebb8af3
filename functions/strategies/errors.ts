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

/**
 * Bringing an old credential back is not safe any more: AWSCURRENT moved on, another rotation is under way (its
 * setSecret may be giving that same user its next password), or the run is an emergency.
 */
export class ReinstateRefusedError extends KeyturnError {
  readonly name = 'ReinstateRefusedError';
}

/** A revoke that would touch the credential now in use. */
export class RevokeRefusedError extends KeyturnError {
  readonly name = 'RevokeRefusedError';
}

/**
 * The new credential logs in but cannot do something the one it replaces can: the alternate
 * user lacks a privilege, membership or setting the current user has. The message lists what
 * is missing (objects and privilege names, never a value); nothing moved.
 */
export class PrivilegeParityError extends KeyturnError {
  readonly name = 'PrivilegeParityError';
}

/** The entry's read-only probe failed with the new credential (or is not one keyturn may run). */
export class ProbeFailedError extends KeyturnError {
  readonly name = 'ProbeFailedError';
}

/**
 * Another invocation changed the same account at the same moment (Lambda retries overlap):
 * nothing is lost, and the step succeeds when repeated. Retryable.
 */
export class ConcurrentChangeError extends KeyturnError {
  readonly name = 'ConcurrentChangeError';
}
