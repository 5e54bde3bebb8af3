import { KeyturnError } from '../shared/errors';

/**
 * The re-wrap job's named failures. Step Functions Retry/Catch match on `name`; messages name tables,
 * attributes, keys of items and KMS key ids, never a ciphertext or a plaintext.
 *
 * Job-level errors stop the job (the state machine reports them). Item-level ones are never thrown out
 * of a slice: the item is left as it is, counted as `refused`, and its key and the error's name go into
 * the checkpoint's sample.
 */

// ---- job level ----

/** The request (or the checkpoint carried with it) is malformed: names the field, never a value. */
export class InvalidRewrapRequestError extends KeyturnError {
  readonly name = 'InvalidRewrapRequestError';
}

/** The table does not exist in the function's account and Region (or it cannot see it). */
export class RewrapTableNotFoundError extends KeyturnError {
  readonly name = 'RewrapTableNotFoundError';
}

/** The request's key attribute names are not the table's key schema: the job would address the wrong items. */
export class KeySchemaMismatchError extends KeyturnError {
  readonly name = 'KeySchemaMismatchError';
}

/**
 * Job level: the first page of the table holds items, and none has the ciphertext attribute (as binary
 * or a string): almost certainly the wrong attribute name. Item level: one item lacks it.
 */
export class CiphertextAttributeMissingError extends KeyturnError {
  readonly name = 'CiphertextAttributeMissingError';
}

/** The target key cannot take ciphertexts: missing, disabled, pending deletion, not a symmetric encryption key. */
export class TargetKeyUnusableError extends KeyturnError {
  readonly name = 'TargetKeyUnusableError';
}

/** The checkpoint belongs to another job (another table or target key) than the request. */
export class RewrapCheckpointMismatchError extends KeyturnError {
  readonly name = 'RewrapCheckpointMismatchError';
}

/** The scan is complete and some items were refused: the job's verdict (the counts and a sample name them). */
export class RewrapItemsRefusedError extends KeyturnError {
  readonly name = 'RewrapItemsRefusedError';
}

// ---- item level ----

/** The ciphertext was made under a KMS key outside the allowed set: nothing was written. */
export class SourceKeyNotAllowedError extends KeyturnError {
  readonly name = 'SourceKeyNotAllowedError';
}

/** KMS cannot read the ciphertext (InvalidCiphertextException: not a KMS ciphertext, or another encryption context), or a string attribute is not base64. */
export class UnreadableCiphertextError extends KeyturnError {
  readonly name = 'UnreadableCiphertextError';
}

/** The ciphertext's own key cannot decrypt now (disabled, pending deletion, gone, or not permitted). */
export class SourceKeyUnusableError extends KeyturnError {
  readonly name = 'SourceKeyUnusableError';
}

/** An attribute the encryption context is built from is missing, or neither a string nor a number. */
export class EncryptionContextAttributeError extends KeyturnError {
  readonly name = 'EncryptionContextAttributeError';
}

/** Applications kept writing the item between the job's read and its write, more than MAX_CONFLICT_RETRIES times. */
export class ConcurrentWritesError extends KeyturnError {
  readonly name = 'ConcurrentWritesError';
}
