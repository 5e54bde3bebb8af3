import {
  CreateKeyCommand,
  DisableKeyCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-kms';
import { REPLACEMENT_TAGS } from '../../functions/kms-key/replacement-key';
import type { Invariant } from './invariants';
import type { KeyTarget } from './key-scenario';
import type { KeyWorld } from './key-world';

/**
 * The checker's self-test for KMS keys (plants.ts for secrets): after a clean scenario, break one invariant on
 * purpose through the local KMS, as a bug or a careless hand would, so a run proves the checker sees it.
 */

export const KEY_PLANTS = [
  // The alias's key disabled: consumers locked out.
  'key-disabled',
  // The alias moved to a new key and the key things were made under deleted, never retired by keyturn (HMAC).
  'key-deleted-unretired',
  // Two more keys tagged for the entry, left Enabled.
  'spare-keys',
  // The deletion of the alias's key scheduled.
  'alias-key-deleted',
  // Another on-demand rotation of the key, by hand, beyond one a run (symmetric).
  'extra-rotation',
  // The consumer's data printed in the function's log.
  'leaked-data',
] as const;
export type KeyPlant = (typeof KEY_PLANTS)[number];

/** The invariant each plant must trip. */
export const KEY_PLANTED_INVARIANT: Readonly<Record<KeyPlant, Invariant>> = {
  'key-disabled': 'lockout',
  'key-deleted-unretired': 'lost-version',
  'spare-keys': 'orphan-key',
  'alias-key-deleted': 'deleting-aliased-key',
  'extra-rotation': 'rotation-limit',
  'leaked-data': 'leak',
};

/** The key each plant needs (an HMAC key has no on-demand rotation; a symmetric key's material is never lost). */
export const KEY_PLANT_TARGET: Readonly<Record<KeyPlant, KeyTarget>> = {
  'key-disabled': 'symmetric',
  'key-deleted-unretired': 'hmac',
  'spare-keys': 'hmac',
  'alias-key-deleted': 'hmac',
  'extra-rotation': 'symmetric',
  'leaked-data': 'symmetric',
};

export async function plantKey(world: KeyWorld, what: KeyPlant): Promise<void> {
  const { kms } = world;
  const aliased = world.aliasTarget()?.keyId;
  if (aliased === undefined) throw new Error('nothing to plant on: the alias points at no key');
  switch (what) {
    case 'key-disabled':
      await kms.send(new DisableKeyCommand({ KeyId: aliased }));
      return;
    case 'key-deleted-unretired': {
      const other = await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
      await kms.send(new UpdateAliasCommand({ AliasName: world.aliasName, TargetKeyId: other.KeyMetadata?.KeyId }));
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: aliased, PendingWindowInDays: 7 }));
      return;
    }
    case 'spare-keys':
      for (let i = 0; i < 2; i++) {
        await kms.send(
          new CreateKeyCommand({
            KeySpec: 'HMAC_256',
            KeyUsage: 'GENERATE_VERIFY_MAC',
            Tags: [{ TagKey: REPLACEMENT_TAGS.entry, TagValue: world.entryId }],
          }),
        );
      }
      return;
    case 'alias-key-deleted':
      await kms.send(new ScheduleKeyDeletionCommand({ KeyId: aliased, PendingWindowInDays: 7 }));
      return;
    case 'extra-rotation':
      await kms.send(new RotateKeyOnDemandCommand({ KeyId: world.originalKeyId }));
      return;
    case 'leaked-data': {
      const made = world.artefacts[0];
      if (!made) throw new Error('nothing to plant on: the consumer made nothing');
      const data = Buffer.from(made.data).toString('base64');
      world.capture('stdout', `{"level":"DEBUG","message":"decrypted","plaintext":"${data}"}\n`);
      return;
    }
  }
}
