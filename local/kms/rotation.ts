import { newSymmetricMaterial } from './key-material';
import { currentMaterial, type KmsKey } from './keys';

/**
 * Key material rotation, as the KMS reference describes it. Automatic rotation (symmetric keys
 * with KMS-made material only) adds new material every RotationPeriodInDays (90-2560, default
 * 365) from the day it was enabled, but not while the key is disabled or pending deletion; a key
 * re-enabled after its rotation date rotates at once. On-demand rotation adds new material when
 * the background rotation completes (the emulator's in-progress window, 0 by default). Old
 * material stays usable for decryption forever; new encryption uses the newest.
 */

export const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_ROTATION_PERIOD_DAYS = 365;
export const MIN_ROTATION_PERIOD_DAYS = 90;
export const MAX_ROTATION_PERIOD_DAYS = 2560;
/** RotateKeyOnDemand answers ConflictException while an automatic rotation begins within this window. */
export const AUTOMATIC_ROTATION_CONFLICT_WINDOW_MS = 20 * 60 * 1000;
/**
 * On-demand rotations allowed per key over its life. Sources disagree: the RotateKeyOnDemand API
 * reference and the resource-quotas page say 10, the developer guide's on-demand page (and the
 * API model in recent SDKs) say 25. The emulator defaults to the stricter 10; it is an option.
 */
export const DEFAULT_ON_DEMAND_ROTATION_LIMIT = 10;

/** One completed rotation of one key's material. */
export interface RotationRecord {
  readonly keyId: string;
  readonly keyMaterialId: string;
  readonly rotationType: 'AUTOMATIC' | 'ON_DEMAND';
  readonly rotationDate: Date;
}

export function rotateMaterial(key: KmsKey, rotationType: 'AUTOMATIC' | 'ON_DEMAND', date: Date): RotationRecord {
  const material = newSymmetricMaterial(date, { type: rotationType, date });
  key.materials.push(material);
  return { keyId: key.keyId, keyMaterialId: material.id, rotationType, rotationDate: date };
}

export function enableAutomaticRotation(key: KmsKey, periodInDays: number, now: Date): void {
  key.rotation.enabled = true;
  key.rotation.periodInDays = periodInDays;
  key.rotation.nextRotationDate = new Date(now.getTime() + periodInDays * DAY_MS);
}

export function disableAutomaticRotation(key: KmsKey): void {
  key.rotation.enabled = false;
  delete key.rotation.nextRotationDate;
}

/** A key enabled again after its rotation date passed rotates at once, then on its period from then. */
export function resumeAutomaticRotation(key: KmsKey, now: Date): void {
  const next = key.rotation.nextRotationDate;
  if (key.rotation.enabled && next !== undefined && next.getTime() < now.getTime()) {
    key.rotation.nextRotationDate = now;
  }
}

/**
 * Completes what is due by `now`: an on-demand rotation whose in-progress window has passed, and
 * every automatic rotation whose date has come (several, if the clock jumped several periods).
 */
export function settleRotations(key: KmsKey, now: Date, onDemandDurationMs: number): RotationRecord[] {
  const due: { readonly type: 'AUTOMATIC' | 'ON_DEMAND'; readonly date: Date }[] = [];
  const since = key.onDemand.inProgressSince;
  if (since !== undefined && since.getTime() + onDemandDurationMs <= now.getTime()) {
    delete key.onDemand.inProgressSince;
    due.push({ type: 'ON_DEMAND', date: new Date(since.getTime() + onDemandDurationMs) });
  }
  if (key.state === 'Enabled' && key.rotation.enabled) {
    for (;;) {
      const next = key.rotation.nextRotationDate;
      if (next === undefined || next.getTime() > now.getTime()) break;
      due.push({ type: 'AUTOMATIC', date: next });
      key.rotation.nextRotationDate = new Date(next.getTime() + key.rotation.periodInDays * DAY_MS);
    }
  }
  // Applied in date order, so the newest rotation's material is the current one.
  return due
    .sort((a, b) => a.date.getTime() - b.date.getTime())
    .map((rotation) => rotateMaterial(key, rotation.type, rotation.date));
}

/** The current material's id (symmetric keys with material). */
export function currentKeyMaterialId(key: KmsKey): string | undefined {
  return currentMaterial(key)?.id;
}
