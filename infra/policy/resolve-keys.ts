import type { KeySettings } from '../../functions/kms-key/run-input';
import { aliasOf, DEFAULT_ROTATION_PERIOD_DAYS, type KeyEntry } from './key-schema';
import { resolveKeySettings } from './key-settings';
import { type ResolvedRewrapJob, resolveRewrapJob } from './rewrap-jobs';
import { defaultUsageOf, type KmsKeySpec, type RotatableKeyUsage, SYMMETRIC_ENCRYPTION_SPEC } from './key-specs';

/** A key keyturn creates, its spec and usage decided. */
export interface ResolvedCreatedKey {
  readonly alias: string;
  readonly keySpec: KmsKeySpec;
  readonly keyUsage: RotatableKeyUsage;
  readonly description?: string;
}

/** A key that exists already, by ARN. */
export interface ResolvedAdoptedKey {
  readonly arn: string;
  /** The key id: the ARN's last part (what a replacement's `keyturn:replaces` tag holds). */
  readonly keyId: string;
  readonly alias?: string;
}

/** A key entry with every default applied: what the constructs build from. */
export interface ResolvedKey {
  readonly id: string;
  readonly kind: KeyEntry['kind'];
  readonly owner: KeyEntry['owner'];
  /** Exactly one of `create` and `adopt`. */
  readonly create?: ResolvedCreatedKey;
  readonly adopt?: ResolvedAdoptedKey;
  /** The alias consumers use (moves to a replacement key). */
  readonly aliasName?: string;
  /** KMS's own rotation of the key's material (created symmetric encryption keys only). */
  readonly automaticRotation?: { readonly periodDays: number };
  /** When keyturn's run starts; none for a key that only rotates automatically. */
  readonly schedule?: { readonly expression: string; readonly window: string };
  /** The run input's settings: seconds and days, defaults applied. */
  readonly settings: KeySettings;
  readonly alertRoute: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Tables of wrapped data keys re-wrapped whenever the key's material changes (none by default). */
  readonly rewrap: readonly ResolvedRewrapJob[];
  /** The entry as written. */
  readonly source: KeyEntry;
}

/** How long after its due time a key's run may start, unless the entry's schedule says (a FLEXIBLE window). */
export const DEFAULT_KEY_SCHEDULE_WINDOW = '1h';

/** The policy's keys, defaults applied (the schema has already checked them). */
export function resolveKeys(keys: readonly KeyEntry[], defaultRoute: string): ResolvedKey[] {
  return keys.map((entry) => {
    const resolved = resolveKeySettings(entry.settings);
    if (!('settings' in resolved)) {
      // The schema reported these: a bug if they get here.
      throw new Error(`key "${entry.id}": ${resolved.problems.map((p) => `${p.setting} ${p.message}`).join('; ')}`);
    }
    const aliasName = aliasOf(entry);
    return {
      id: entry.id,
      kind: entry.kind,
      owner: entry.owner,
      ...(entry.key.create ? { create: createdKey(entry.key.create) } : {}),
      ...(entry.key.adopt ? { adopt: adoptedKey(entry.key.adopt) } : {}),
      ...(aliasName === undefined ? {} : { aliasName }),
      ...(entry.automaticRotation === undefined
        ? {}
        : { automaticRotation: { periodDays: entry.automaticRotation.periodDays ?? DEFAULT_ROTATION_PERIOD_DAYS } }),
      ...(entry.schedule === undefined
        ? {}
        : {
            schedule: {
              expression: entry.schedule.expression,
              window: entry.schedule.window ?? DEFAULT_KEY_SCHEDULE_WINDOW,
            },
          }),
      settings: resolved.settings,
      alertRoute: entry.alertRoute ?? defaultRoute,
      tags: entry.tags ?? {},
      rewrap: (entry.rewrap ?? []).map(resolveRewrapJob),
      source: entry,
    };
  });
}

function createdKey(create: NonNullable<KeyEntry['key']['create']>): ResolvedCreatedKey {
  const keySpec = create.keySpec ?? SYMMETRIC_ENCRYPTION_SPEC;
  const keyUsage = create.keyUsage ?? defaultUsageOf(keySpec);
  if (keyUsage === undefined) throw new Error(`a ${keySpec} key needs a keyUsage`); // the schema refused it: a bug
  return {
    alias: create.alias,
    keySpec,
    keyUsage,
    ...(create.description === undefined ? {} : { description: create.description }),
  };
}

function adoptedKey(adopt: NonNullable<KeyEntry['key']['adopt']>): ResolvedAdoptedKey {
  return {
    arn: adopt.arn,
    keyId: adopt.arn.slice(adopt.arn.lastIndexOf('/') + 1),
    ...(adopt.alias === undefined ? {} : { alias: adopt.alias }),
  };
}
