import { KeyturnError } from '../shared/errors';

/** The invocation is not a Secrets Manager rotation event. */
export class InvalidRotationEventError extends KeyturnError {
  readonly name = 'InvalidRotationEventError';
}

/** `Step` is not one of the four rotation steps. */
export class UnknownRotationStepError extends KeyturnError {
  readonly name = 'UnknownRotationStepError';
}

/** The secret does not have rotation turned on: Secrets Manager is not the caller, or it was cancelled. */
export class RotationNotEnabledError extends KeyturnError {
  readonly name = 'RotationNotEnabledError';
}

/** The rotation token is not a version of the secret. */
export class UnknownRotationTokenError extends KeyturnError {
  readonly name = 'UnknownRotationTokenError';
}

/** The token's version is neither AWSCURRENT (done) nor AWSPENDING (in progress). */
export class VersionNotPendingError extends KeyturnError {
  readonly name = 'VersionNotPendingError';
}
