import { KeyturnError } from '../shared/errors';

/**
 * The lifecycle state machine's named failures. Step Functions Retry/Catch match on `name`,
 * so it is set explicitly; messages name versions and reasons, never secret values.
 */

/** The task's input is not what the state machine should send (names fields, never values). */
export class InvalidTaskInputError extends KeyturnError {
  readonly name = 'InvalidTaskInputError';
}

/** Rotation is turned off for the secret: the lifecycle does not rotate it behind the owner's back. */
export class RotationNotEnabledError extends KeyturnError {
  readonly name = 'RotationNotEnabledError';
}

/**
 * A rotation is unfinished: AWSPENDING sits on a version that is not AWSCURRENT. Secrets Manager
 * refuses every new rotation until it is finished or cleaned up; keyturn never tramples it.
 */
export class RotationInProgressError extends KeyturnError {
  readonly name = 'RotationInProgressError';
  constructor(
    message: string,
    /** The version that holds AWSPENDING. */
    readonly stuckVersionId: string,
  ) {
    super(message);
  }
}

/** The credential in AWSCURRENT does not authenticate before anything was changed: rotating would hide it. */
export class CurrentCredentialBrokenError extends KeyturnError {
  readonly name = 'CurrentCredentialBrokenError';
}

/** The rotation function failed a step of this rotation (its own record on the secret says which, and why). */
export class RotationFunctionFailedError extends KeyturnError {
  readonly name = 'RotationFunctionFailedError';
}

/** After the rotation, AWSCURRENT is still on the version pre-flight saw. */
export class RotationDidNotHappenError extends KeyturnError {
  readonly name = 'RotationDidNotHappenError';
}

/** The new AWSCURRENT does not authenticate against its target. */
export class NewCredentialRejectedError extends KeyturnError {
  readonly name = 'NewCredentialRejectedError';
}

/** The version named as previous is AWSCURRENT again: there is no old credential to drain. */
export class PreviousVersionIsCurrentError extends KeyturnError {
  readonly name = 'PreviousVersionIsCurrentError';
}

/** Revoking the version named as previous would revoke the credential now in AWSCURRENT. */
export class RevokeWouldCutCurrentError extends KeyturnError {
  readonly name = 'RevokeWouldCutCurrentError';
}

/** Moving AWSCURRENT back would hand clients a credential that no longer authenticates. */
export class RollbackUnsafeError extends KeyturnError {
  readonly name = 'RollbackUnsafeError';
}

/** The execution's input is not a lifecycle request (names fields, never values). */
export class InvalidRequestError extends KeyturnError {
  readonly name = 'InvalidRequestError';
}

/** The secret is not one keyturn manages, or has no rotation function to run the lifecycle's tasks. */
export class NotRotatableError extends KeyturnError {
  readonly name = 'NotRotatableError';
}

/**
 * A policy rule kept a rotation from starting. Not a failure: nothing changed. The subclass names
 * the rule, so the state machine and the report see which one without parsing messages.
 */
export abstract class RotationSkippedError extends KeyturnError {}

/** A scheduled rotation started after its rotation window closed (the Scheduler retried late, say). */
export class RotationWindowClosedError extends RotationSkippedError {
  readonly name = 'RotationWindowClosedError';
}

/** A policy blackout (change freeze) is in force. */
export class BlackoutPeriodError extends RotationSkippedError {
  readonly name = 'BlackoutPeriodError';
}

/** The secret rotated more recently than its minimum interval allows. */
export class MinimumIntervalError extends RotationSkippedError {
  readonly name = 'MinimumIntervalError';
}

/** The error names a skipped rotation fails its pre-flight with (the state machines catch these). */
export const SKIP_ERROR_NAMES = ['RotationWindowClosedError', 'BlackoutPeriodError', 'MinimumIntervalError'] as const;

/** A lifecycle setting tag (or the blackout list) holds something keyturn cannot use. */
export class InvalidLifecycleSettingError extends KeyturnError {
  readonly name = 'InvalidLifecycleSettingError';
}

/** An emergency rotation never restores the suspected-leaked credential. */
export class RollbackRefusedError extends KeyturnError {
  readonly name = 'RollbackRefusedError';
}

/** The strategy reported the old credential revoked, yet it still authenticates. */
export class RevocationIneffectiveError extends KeyturnError {
  readonly name = 'RevocationIneffectiveError';
}

// Canary cohorts (docs/canary.md).

/** The canary failed during its hold (the candidate, the probe or the auth-failure signal): it is aborted. */
export class CanaryFailedError extends KeyturnError {
  readonly name = 'CanaryFailedError';
}

/** The entry asks for a canary its kind cannot have (or the canary tags are missing): nothing was changed. */
export class CanaryNotSupportedError extends KeyturnError {
  readonly name = 'CanaryNotSupportedError';
}

// Issue 14 §1: the auth-failure watch windows.

/** More failed logins than the policy tolerates in the watch window after the switch: the lifecycle rolls back where safe. */
export class AuthFailuresAfterSwitchError extends KeyturnError {
  readonly name = 'AuthFailuresAfterSwitchError';
}

/** More failed logins than the policy tolerates in the watch window after revoke: the old credential is reinstated where the kind can. */
export class AuthFailuresAfterRevokeError extends KeyturnError {
  readonly name = 'AuthFailuresAfterRevokeError';
}

export { ReinstateRefusedError } from '../strategies/errors';

/** The strategy reinstated the old credential, and the target still rejects it. */
export class ReinstateFailedError extends KeyturnError {
  readonly name = 'ReinstateFailedError';
}
