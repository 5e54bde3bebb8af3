import { AliasMismatchError, KeyStateError, KmsAccessDeniedError, KmsApiError, KmsKeyNotFoundError } from './errors';
import type { KeyFacts } from './key-facts';
import type { KmsKeyApi } from './kms-api';
import { isReplacementMadeBy, replacementKeyRequest, type Tag } from './replacement-key';

/**
 * Replacement of a key KMS cannot rotate: a new key of the same spec, usage, key policy and tags takes over
 * the alias; the old key stays enabled through grace and drain, is disabled as a reversible canary, and only
 * then scheduled for deletion. Every step is idempotent and leaves its mark on the OLD key's tags first, so a
 * retry after a crash at any point continues instead of making a second key.
 */

/** Tags on the old key: the rotation replacing it, and the key that replaced it. */
export const OLD_KEY_TAGS = {
  /** `<rotation id>`: written before CreateKey, so a retry knows a key may exist without its id. */
  replacing: 'keyturn:replacing',
  /** `<rotation id> <new key id>`: written right after CreateKey. */
  replacedBy: 'keyturn:replaced-by',
  /** `<rotation id> <ISO time>` the rotation disabled the old key (its canary watch starts there). */
  disabledAt: 'keyturn:disabled-at',
} as const;

/** Days a stray replacement key (a twin's, never aliased, never used) waits before KMS deletes it: the minimum. */
const STRAY_KEY_DELETION_DAYS = 7;

export interface ReplacementState {
  readonly rotationId: string;
  readonly aliasName: string;
  readonly oldKeyId: string;
  readonly oldKeyArn: string;
  readonly newKeyId?: string;
  readonly newKeyArn?: string;
}

const tagValue = (tags: readonly Tag[], key: string): string | undefined => tags.find((tag) => tag.key === key)?.value;

/** The alias must point at the key the entry names (or at its replacement, when a retry finds the switch done). */
export async function checkAlias(kms: KmsKeyApi, aliasName: string, expectedKeyIds: readonly string[]): Promise<void> {
  const target = await kms.aliasTarget(aliasName);
  if (target === undefined) throw new AliasMismatchError(`alias ${aliasName} does not exist`);
  if (!expectedKeyIds.includes(target)) {
    throw new AliasMismatchError(
      `alias ${aliasName} points at KMS key ${target}, not at ${expectedKeyIds.join(' or ')} as the policy says: someone moved it`,
    );
  }
}

/** Finds the key this rotation already made, or makes it: one replacement per rotation, whatever crashed. */
export async function createReplacementKey(
  kms: KmsKeyApi,
  old: KeyFacts,
  rotationId: string,
  entryId: string,
): Promise<{ readonly key: KeyFacts; readonly created: boolean; readonly straysScheduledForDeletion: number }> {
  const oldTags = await kms.tags(old.keyId);
  const recorded = recordedReplacement(oldTags, rotationId);
  if (recorded) return { key: await kms.describeKey(recorded), created: false, straysScheduledForDeletion: 0 };
  if (tagValue(oldTags, OLD_KEY_TAGS.replacing) === rotationId) {
    // A crash (or a twin) may have made the key without recording it: look for it by its tags.
    const made = await keysMadeBy(kms, old.keyId, rotationId);
    const [keep, ...strays] = made;
    if (keep) {
      for (const stray of strays) await kms.scheduleDeletion(stray.keyId, STRAY_KEY_DELETION_DAYS);
      await kms.tag(old.keyId, [{ key: OLD_KEY_TAGS.replacedBy, value: `${rotationId} ${keep.keyId}` }]);
      return { key: keep, created: false, straysScheduledForDeletion: strays.length };
    }
  }
  const request = replacementKeyRequest({
    entryId,
    old,
    oldPolicy: await kms.keyPolicy(old.keyId),
    oldTags: oldTags.filter((tag) => !Object.values(OLD_KEY_TAGS).includes(tag.key as never)),
    rotationId,
  });
  await kms.tag(old.keyId, [{ key: OLD_KEY_TAGS.replacing, value: rotationId }]);
  const key = await kms.createKey(request);
  await kms.tag(old.keyId, [{ key: OLD_KEY_TAGS.replacedBy, value: `${rotationId} ${key.keyId}` }]);
  return { key, created: true, straysScheduledForDeletion: 0 };
}

/**
 * Twins of CreateReplacement running at the same moment can each make a key before either records one; the run
 * goes on with one of them (the task result Step Functions kept). Once that key is known (the alias moved to it,
 * or the run rolls back), every other key this rotation made is a stray: never aliased, never used. Its deletion
 * is scheduled, unless an alias points at it. Returns how many were scheduled.
 */
export async function retireStrayReplacements(
  kms: KmsKeyApi,
  state: { readonly oldKeyId: string; readonly rotationId: string; readonly aliasName: string },
  keepKeyId: string | undefined,
): Promise<number> {
  const made = await keysMadeBy(kms, state.oldKeyId, state.rotationId);
  const keep = keepKeyId ?? recordedReplacement(await kms.tags(state.oldKeyId), state.rotationId) ?? made[0]?.keyId;
  const aliased = await kms.aliasTarget(state.aliasName);
  let retired = 0;
  for (const stray of made) {
    if (stray.keyId === keep || stray.keyId === aliased) continue;
    await kms.scheduleDeletion(stray.keyId, STRAY_KEY_DELETION_DAYS);
    retired += 1;
  }
  return retired;
}

/** The key id the old key's `replaced-by` tag records for this rotation. */
function recordedReplacement(oldTags: readonly Tag[], rotationId: string): string | undefined {
  const [recordedRotation, keyId] = tagValue(oldTags, OLD_KEY_TAGS.replacedBy)?.split(' ') ?? [];
  return recordedRotation === rotationId && keyId ? keyId : undefined;
}

/** Keys whose tags say this rotation made them to replace the old key, oldest id order (stable for twins). */
async function keysMadeBy(kms: KmsKeyApi, oldKeyId: string, rotationId: string): Promise<KeyFacts[]> {
  const found: KeyFacts[] = [];
  for (const keyId of await kms.listKeyIds()) {
    if (keyId === oldKeyId) continue;
    // The function may read only its entries' keys (IAM, by their keyturn:entry tag): the others are not its.
    const tags = await readableTags(kms, keyId);
    if (!tags || !isReplacementMadeBy(tags, oldKeyId, rotationId)) continue;
    const facts = await kms.describeKey(keyId);
    if (facts.keyManager === 'CUSTOMER' && facts.keyState !== 'PendingDeletion') found.push(facts);
  }
  return found.sort((a, b) => a.keyId.localeCompare(b.keyId));
}

async function readableTags(kms: KmsKeyApi, keyId: string): Promise<readonly Tag[] | undefined> {
  try {
    return await kms.tags(keyId);
  } catch (error) {
    if (error instanceof KmsAccessDeniedError || error instanceof KmsKeyNotFoundError) return undefined;
    throw error;
  }
}

/** The new key must do its job before any consumer is sent to it. */
export async function verifyKey(kms: KmsKeyApi, key: KeyFacts): Promise<string> {
  if (key.keyState !== 'Enabled') throw new KeyStateError(`KMS key ${key.keyId} is ${key.keyState}, not Enabled`);
  const result = await kms.check(key);
  if (!result.ok) throw new KmsApiError(`KMS key ${key.keyId}: ${result.detail} failed`);
  return result.detail;
}

/** Moves the alias to the new key and reads it back. Idempotent. */
export async function switchAlias(kms: KmsKeyApi, aliasName: string, keyId: string): Promise<void> {
  if ((await kms.aliasTarget(aliasName)) !== keyId) await kms.pointAlias(aliasName, keyId);
  const target = await kms.aliasTarget(aliasName);
  if (target !== keyId) {
    throw new AliasMismatchError(`alias ${aliasName} points at ${target ?? 'nothing'} after moving it to ${keyId}`);
  }
}

/**
 * Disables the old key (reversible), recording when first: a retry of the same rotation keeps the first time.
 * A time another rotation recorded (the key was enabled again by hand, not by a rollback, and is now replaced
 * anew) is not this rotation's: its canary watch would count the consumers' uses from before this switch.
 */
export async function disableOldKey(kms: KmsKeyApi, oldKeyId: string, rotationId: string, now: Date): Promise<Date> {
  const [recordedBy, recordedAt] = tagValue(await kms.tags(oldKeyId), OLD_KEY_TAGS.disabledAt)?.split(' ') ?? [];
  const recorded = recordedBy === rotationId && recordedAt ? new Date(recordedAt) : undefined;
  const at = recorded && !Number.isNaN(recorded.getTime()) ? recorded : now;
  if (at === now)
    await kms.tag(oldKeyId, [{ key: OLD_KEY_TAGS.disabledAt, value: `${rotationId} ${at.toISOString()}` }]);
  const facts = await kms.describeKey(oldKeyId);
  if (facts.keyState === 'Enabled') await kms.disableKey(oldKeyId);
  else if (facts.keyState !== 'Disabled') {
    throw new KeyStateError(`KMS key ${oldKeyId} is ${facts.keyState}: it cannot be disabled as a canary`);
  }
  return at;
}

/** Schedules the old key's deletion (idempotent: a key already pending deletion keeps its date). */
export async function scheduleOldKeyDeletion(kms: KmsKeyApi, oldKeyId: string, windowDays: number): Promise<Date> {
  const facts = await kms.describeKey(oldKeyId);
  if (facts.keyState === 'PendingDeletion' && facts.deletionDate) return facts.deletionDate;
  if (facts.keyState !== 'Disabled') {
    throw new KeyStateError(
      `KMS key ${oldKeyId} is ${facts.keyState}: only a key disabled by the canary step is scheduled for deletion`,
    );
  }
  return kms.scheduleDeletion(oldKeyId, windowDays);
}

/**
 * Undoes a replacement at any point before the deletion: the old key enabled again (its deletion cancelled),
 * the alias back on it. The new key is left as it is (enabled, unaliased) for the operator to look at; other keys
 * this rotation made (a twin's strays) are scheduled for deletion.
 */
export async function rollBackReplacement(kms: KmsKeyApi, state: ReplacementState): Promise<readonly string[]> {
  const done: string[] = [];
  const old = await kms.describeKey(state.oldKeyId);
  if (old.keyState === 'PendingDeletion') {
    await kms.cancelDeletion(state.oldKeyId);
    done.push('deletion cancelled');
  }
  if (old.keyState !== 'Enabled') {
    await kms.enableKey(state.oldKeyId);
    done.push('old key enabled');
  }
  await kms.untag(state.oldKeyId, [OLD_KEY_TAGS.disabledAt]);
  if ((await kms.aliasTarget(state.aliasName)) !== state.oldKeyId) {
    await kms.pointAlias(state.aliasName, state.oldKeyId);
    done.push(`alias ${state.aliasName} back on the old key`);
  }
  // The replacement the run chose stays for the operator to look at; a twin's stray key does not.
  const retired = await retireStrayReplacements(kms, state, state.newKeyId);
  if (retired > 0) done.push(`${retired} stray replacement key(s) scheduled for deletion`);
  return done;
}
