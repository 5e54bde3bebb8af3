import { KeyturnError } from '../shared/errors';

/** The key (id, ARN or alias) does not exist in the account and Region keyturn reaches. Nothing changed. */
export class KmsKeyNotFoundError extends KeyturnError {
  readonly name = 'KmsKeyNotFoundError';
}

/** The key is AWS managed (`alias/aws/...`): AWS rotates it, nobody else may. Nothing changed. */
export class AwsManagedKeyError extends KeyturnError {
  readonly name = 'AwsManagedKeyError';
}

/**
 * The key is in a state no rotation may start from: pending deletion, disabled (outside a rollback),
 * pending import, unavailable. The message names the state and what to do. Nothing changed.
 */
export class KeyStateError extends KeyturnError {
  readonly name = 'KeyStateError';
}

/** The policy's alias points at another key than the one the entry names (someone moved it). Nothing changed. */
export class AliasMismatchError extends KeyturnError {
  readonly name = 'AliasMismatchError';
}

/**
 * Another on-demand rotation would pass KMS's lifetime limit on on-demand rotations of this key (counted
 * from its rotation history before calling AWS). Nothing changed: replace the key instead.
 */
export class OnDemandRotationLimitError extends KeyturnError {
  readonly name = 'OnDemandRotationLimitError';
}

/** This kind of key cannot rotate the way the entry asks (for example an HMAC key asked to rotate on demand). */
export class UnsupportedKeyRotationError extends KeyturnError {
  readonly name = 'UnsupportedKeyRotationError';
}

/**
 * A key with imported material rotates on demand only to material already imported for it
 * (`ImportKeyMaterial` with `ImportType NEW_KEY_MATERIAL`, state `PENDING_ROTATION`): keyturn cannot make
 * material that lives outside AWS. Nothing changed.
 */
export class ImportedMaterialRequiredError extends KeyturnError {
  readonly name = 'ImportedMaterialRequiredError';
}

/** KMS refused keyturn a call (its role, or the key policy, lacks a permission). The message names the call. */
export class KmsAccessDeniedError extends KeyturnError {
  readonly name = 'KmsAccessDeniedError';
}

/** KMS failed otherwise (throttled past the retries, 5xx, unreachable): retryable, nothing was assumed. */
export class KmsApiError extends KeyturnError {
  readonly name = 'KmsApiError';
}

/**
 * The old key was used (or someone tried to) after keyturn disabled it as a canary: a consumer still depends
 * on it. The run rolls back (old key enabled, alias back) and alerts; nothing is scheduled for deletion.
 */
export class OldKeyStillUsedError extends KeyturnError {
  readonly name = 'OldKeyStillUsedError';
}
