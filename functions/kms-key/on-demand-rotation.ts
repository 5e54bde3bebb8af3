import { sleepWithin, type Deadline } from '../shared/deadline';
import { KeyStateError, KmsApiError } from './errors';
import type { KmsKeyApi, SealedCanary } from './kms-api';

/**
 * On-demand rotation of a symmetric key's material (RotateKeyOnDemand): the key id and its aliases stay,
 * KMS encrypts with the new material from then on and decrypts old ciphertexts with the old. Each step is
 * idempotent: the state below (ids, counts, a canary ciphertext of random bytes) is all a retry needs.
 */
export interface OnDemandRotationState {
  readonly keyId: string;
  /** Completed rotations in the key's history when the run began: more later means a rotation happened. */
  readonly rotationsBefore: number;
  /** Sealed under the material current before the rotation: after it, it must still decrypt. */
  readonly canary: SealedCanary;
}

export interface OnDemandVerification {
  readonly keyMaterialId?: string;
  readonly previousKeyMaterialId?: string;
  readonly evidence: readonly string[];
}

/** Before the rotation: a canary under the current material, and the history's length. */
export async function prepareOnDemandRotation(kms: KmsKeyApi, keyId: string): Promise<OnDemandRotationState> {
  const rotations = await kms.listRotations(keyId);
  const canary = await kms.sealCanary(keyId);
  return { keyId, rotationsBefore: rotations.length, canary };
}

/**
 * Starts the rotation unless it already happened or runs: a retry after a call that went through (or a
 * twin) finds the rotation in progress or in the history and does not spend another of the key's limited
 * on-demand rotations.
 */
export async function startOnDemandRotation(
  kms: KmsKeyApi,
  state: OnDemandRotationState,
): Promise<'started' | 'in-progress' | 'already-rotated'> {
  if (await kms.onDemandRotationInProgress(state.keyId)) return 'in-progress';
  if ((await kms.listRotations(state.keyId)).length > state.rotationsBefore) return 'already-rotated';
  return kms.rotateOnDemand(state.keyId);
}

/**
 * Waits (within the deadline) for the rotation to complete, then proves it: the canary sealed before still
 * opens (old ciphertexts keep working) and a fresh round trip runs on new material.
 */
export async function verifyOnDemandRotation(
  kms: KmsKeyApi,
  state: OnDemandRotationState,
  deadline: Deadline,
  options: { readonly pollMs?: number; readonly sleep?: (ms: number) => Promise<void> } = {},
): Promise<OnDemandVerification> {
  for (;;) {
    const running = await kms.onDemandRotationInProgress(state.keyId);
    const rotations = await kms.listRotations(state.keyId);
    if (!running && rotations.length > state.rotationsBefore) break;
    if (!running && rotations.length <= state.rotationsBefore) {
      throw new KeyStateError(
        `KMS key ${state.keyId}: no on-demand rotation is running and none completed since the run began`,
      );
    }
    const waitingFor = `the on-demand rotation of KMS key ${state.keyId} to complete`;
    await sleepWithin(deadline, options.pollMs ?? 1_000, waitingFor, options.sleep);
  }
  const opened = await kms.openCanary(state.canary);
  if (!opened.matches) {
    throw new KmsApiError(`KMS key ${state.keyId}: a ciphertext sealed before the rotation no longer decrypts`);
  }
  const fresh = await kms.check(await kms.describeKey(state.keyId));
  if (!fresh.ok) throw new KmsApiError(`KMS key ${state.keyId}: ${fresh.detail} failed after the rotation`);
  const previous = state.canary.keyMaterialId;
  if (previous && fresh.keyMaterialId === previous) {
    throw new KeyStateError(`KMS key ${state.keyId} still encrypts with the material it had before the rotation`);
  }
  return {
    ...(fresh.keyMaterialId ? { keyMaterialId: fresh.keyMaterialId } : {}),
    ...(previous ? { previousKeyMaterialId: previous } : {}),
    evidence: [
      'a ciphertext sealed before the rotation still decrypts',
      `${fresh.detail} on ${fresh.keyMaterialId ? `material ${fresh.keyMaterialId}` : 'the current material'}`,
    ],
  };
}
