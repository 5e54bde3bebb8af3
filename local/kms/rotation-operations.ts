import { z } from 'zod';
import { compact, epochSeconds } from '../http/aws-json-values';
import type { KmsContext } from './context';
import {
  conflict,
  disabled,
  limitExceeded,
  outOfRange,
  pendingDeletion,
  pendingImport,
  unsupported,
  validation,
} from './errors';
import { markerFields } from './key-operations';
import { familyOf, isRotatable, type KmsKey } from './keys';
import { pageOf } from './paging';
import { keyIdentifier, limit, marker, parseRequest } from './requests';
import {
  AUTOMATIC_ROTATION_CONFLICT_WINDOW_MS,
  DEFAULT_ROTATION_PERIOD_DAYS,
  MAX_ROTATION_PERIOD_DAYS,
  MIN_ROTATION_PERIOD_DAYS,
  disableAutomaticRotation,
  enableAutomaticRotation,
  settleRotations,
} from './rotation';

/**
 * EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, RotateKeyOnDemand and
 * ListKeyRotations. Only symmetric encryption keys with KMS-made material rotate; asymmetric and
 * HMAC keys are refused with UnsupportedOperationException, and so are imported-material keys
 * for automatic rotation (the key-state table's "[6]"). RotateKeyOnDemand on an imported-material
 * key needs new material imported first, which the local KMS cannot do: such keys stay
 * PendingImport, and it answers KMSInvalidStateException.
 */

const keyRequest = z.object({ KeyId: keyIdentifier });
const enableRequest = z.object({ KeyId: keyIdentifier, RotationPeriodInDays: z.number().int().optional() });
const listRequest = z.object({
  KeyId: keyIdentifier,
  IncludeKeyMaterial: z.string().optional(),
  Limit: limit,
  Marker: marker,
});

/** Automatic rotation needs a symmetric key with KMS-made material, in a state that allows changes. */
function assertAutomaticRotationAllowed(key: KmsKey): void {
  if (key.origin === 'EXTERNAL') {
    throw unsupported(`${key.arn} origin is EXTERNAL which is not valid for this operation.`);
  }
  if (!isRotatable(key)) throw unsupported(`${key.arn} key spec ${key.spec} does not support automatic rotation.`);
  if (key.state === 'Disabled') throw disabled(key.arn);
  if (key.state === 'PendingDeletion') throw pendingDeletion(key.arn);
}

export function enableKeyRotation(body: unknown, { state, now }: KmsContext): object {
  const request = parseRequest(enableRequest, body);
  const key = state.find(request.KeyId, { allowAlias: false });
  const period = request.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
  if (period < MIN_ROTATION_PERIOD_DAYS || period > MAX_ROTATION_PERIOD_DAYS) {
    throw outOfRange('rotationPeriodInDays', period, MIN_ROTATION_PERIOD_DAYS, MAX_ROTATION_PERIOD_DAYS);
  }
  assertAutomaticRotationAllowed(key);
  enableAutomaticRotation(key, period, now());
  return {};
}

export function disableKeyRotation(body: unknown, { state }: KmsContext): object {
  const key = state.find(parseRequest(keyRequest, body).KeyId, { allowAlias: false });
  assertAutomaticRotationAllowed(key);
  disableAutomaticRotation(key);
  return {};
}

export function getKeyRotationStatus(body: unknown, { state }: KmsContext): object {
  const key = state.find(parseRequest(keyRequest, body).KeyId, { allowAlias: false });
  if (key.state === 'PendingImport') {
    throw unsupported(`${key.arn} origin is EXTERNAL which is not valid for this operation.`);
  }
  // While a key is pending deletion its rotation status reads false; cancelling restores it.
  const enabled = key.rotation.enabled && key.state !== 'PendingDeletion';
  const since = key.onDemand.inProgressSince;
  return compact({
    KeyRotationEnabled: enabled,
    KeyId: key.arn,
    RotationPeriodInDays: enabled ? key.rotation.periodInDays : undefined,
    NextRotationDate:
      enabled && key.rotation.nextRotationDate !== undefined ? epochSeconds(key.rotation.nextRotationDate) : undefined,
    OnDemandRotationStartDate: since === undefined ? undefined : epochSeconds(since),
  });
}

export function rotateKeyOnDemand(body: unknown, { state, now, settings }: KmsContext): object {
  const key = state.find(parseRequest(keyRequest, body).KeyId, { allowAlias: false });
  if (familyOf(key) !== 'symmetric') {
    throw unsupported(`${key.arn} key spec ${key.spec} does not support on-demand rotation.`);
  }
  if (key.state === 'Disabled') throw disabled(key.arn);
  if (key.state === 'PendingDeletion') throw pendingDeletion(key.arn);
  if (key.state === 'PendingImport') throw pendingImport(key.arn);
  const at = now();
  if (key.onDemand.inProgressSince !== undefined) {
    throw conflict(`An on-demand rotation of ${key.arn} is already in progress.`);
  }
  const next = key.rotation.nextRotationDate;
  if (
    key.rotation.enabled &&
    next !== undefined &&
    next.getTime() - at.getTime() <= AUTOMATIC_ROTATION_CONFLICT_WINDOW_MS
  ) {
    throw conflict(`An automatic rotation of ${key.arn} is in progress or begins within the next 20 minutes.`);
  }
  if (key.onDemand.started >= settings.onDemandRotationLimit) {
    throw limitExceeded(`${key.arn} has used all ${settings.onDemandRotationLimit} of its on-demand rotations.`);
  }
  key.onDemand.started += 1;
  key.onDemand.inProgressSince = at;
  // With no in-progress window the rotation completes before the answer.
  settleRotations(key, at, settings.onDemandRotationDurationMs);
  return { KeyId: key.keyId };
}

export function listKeyRotations(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(listRequest, body);
  const key = state.find(request.KeyId, { allowAlias: false });
  if (familyOf(key) !== 'symmetric') {
    throw unsupported(`${key.arn} key spec ${key.spec} does not support key rotation.`);
  }
  const include = request.IncludeKeyMaterial ?? 'ROTATIONS_ONLY';
  if (include !== 'ROTATIONS_ONLY' && include !== 'ALL_KEY_MATERIAL') {
    throw validation(
      `1 validation error detected: Value '${include}' at 'includeKeyMaterial' failed to satisfy constraint: Member must satisfy enum value set: [ALL_KEY_MATERIAL, ROTATIONS_ONLY]`,
    );
  }
  const last = key.materials.length - 1;
  const entries = key.materials
    .map((material, index) => ({ material, index }))
    // ROTATIONS_ONLY leaves out the key's first material, which no rotation made.
    .filter(({ material }) => include === 'ALL_KEY_MATERIAL' || material.rotationType !== undefined)
    .map(({ material, index }) =>
      compact({
        KeyId: key.keyId,
        KeyMaterialId: material.id,
        KeyMaterialState: index === last ? 'CURRENT' : 'NON_CURRENT',
        RotationDate: material.rotationDate === undefined ? undefined : epochSeconds(material.rotationDate),
        RotationType: material.rotationType,
      }),
    );
  const page = pageOf(
    entries,
    request,
    { max: 1000, fallback: 100 },
    { op: 'ListKeyRotations', key: key.keyId, include },
  );
  return { Rotations: page.items, ...markerFields(page) };
}
