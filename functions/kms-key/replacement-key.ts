import { UnsupportedKeyRotationError } from './errors';
import type { KeyFacts } from './key-facts';

/**
 * Tags keyturn puts on a replacement key: the entry it belongs to (the same on every generation of the key, so the
 * function's IAM policy and the next run find it), the key it replaces, and the rotation that made it (how a
 * retried rotation finds the key it already made).
 */
export const REPLACEMENT_TAGS = {
  /** The policy entry: what the function's permissions on replacement keys are conditioned on. */
  entry: 'keyturn:entry',
  /** The key this one replaces. */
  replaces: 'keyturn:replaces',
  /** The rotation that made it: one replacement per rotation. */
  rotationId: 'keyturn:rotation-id',
} as const;

/** KMS allows 50 tags per key. */
const MAX_TAGS = 50;

export interface Tag {
  readonly key: string;
  readonly value: string;
}

/** What CreateKey is asked for a replacement: the old key's spec, usage, key policy, tags and store. */
export interface ReplacementKeyRequest {
  readonly keySpec: string;
  readonly keyUsage: string;
  readonly origin: 'AWS_KMS' | 'AWS_CLOUDHSM';
  readonly customKeyStoreId?: string;
  readonly multiRegion: boolean;
  /** The old key's key policy, unchanged: whoever could use the old key can use the new one. */
  readonly policy: string;
  readonly description: string;
  readonly tags: readonly Tag[];
}

export interface ReplacementInput {
  readonly entryId: string;
  readonly old: KeyFacts;
  readonly oldPolicy: string;
  readonly oldTags: readonly Tag[];
  readonly rotationId: string;
}

/**
 * The replacement for a key KMS cannot rotate. Refused (named, nothing created) where keyturn cannot make an
 * equivalent key: imported material (the new key would need material from outside AWS) and external key
 * stores (the new key needs a key in the external key manager).
 */
export function replacementKeyRequest(input: ReplacementInput): ReplacementKeyRequest {
  const { old } = input;
  if (old.origin === 'EXTERNAL') {
    throw new UnsupportedKeyRotationError(
      `KMS key ${old.keyId} has imported material: its replacement would need new material from outside AWS, ` +
        'which keyturn does not make; create the new key with its material and move the alias, or rotate on demand',
    );
  }
  if (old.origin === 'EXTERNAL_KEY_STORE') {
    throw new UnsupportedKeyRotationError(
      `KMS key ${old.keyId} is in an external key store: its replacement needs a new key in the external key manager`,
    );
  }
  const ownTags: Tag[] = [
    { key: REPLACEMENT_TAGS.entry, value: input.entryId },
    { key: REPLACEMENT_TAGS.replaces, value: old.keyId },
    { key: REPLACEMENT_TAGS.rotationId, value: input.rotationId },
  ];
  const tags = [...input.oldTags.filter((tag) => !isReplacementTag(tag.key)), ...ownTags];
  if (tags.length > MAX_TAGS) {
    throw new UnsupportedKeyRotationError(
      `KMS key ${old.keyId} has ${input.oldTags.length} tags: with keyturn's ${ownTags.length} its replacement would pass KMS's ${MAX_TAGS}`,
    );
  }
  return {
    keySpec: old.keySpec,
    keyUsage: old.keyUsage,
    origin: old.origin === 'AWS_CLOUDHSM' ? 'AWS_CLOUDHSM' : 'AWS_KMS',
    ...(old.customKeyStoreId ? { customKeyStoreId: old.customKeyStoreId } : {}),
    multiRegion: old.multiRegion,
    policy: input.oldPolicy,
    description: `Replaces KMS key ${old.keyId} (keyturn rotation ${input.rotationId})`,
    tags,
  };
}

function isReplacementTag(key: string): boolean {
  return (Object.values(REPLACEMENT_TAGS) as string[]).includes(key);
}

/** Whether a key's tags say it is the replacement the rotation made (a retry finds it instead of making another). */
export function isReplacementMadeBy(tags: readonly Tag[], oldKeyId: string, rotationId: string): boolean {
  const value = (key: string) => tags.find((tag) => tag.key === key)?.value;
  return value(REPLACEMENT_TAGS.replaces) === oldKeyId && value(REPLACEMENT_TAGS.rotationId) === rotationId;
}
