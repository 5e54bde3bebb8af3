import type { KeyEntryInput } from '../../infra/policy/key-schema';
import { checkedProposal } from './checked-proposal';
import type { EntryIds } from './entry-ids';
import { daysBetween, type Finding, type NoProposal, type Proposal } from './finding';
import { isSymmetricEncryption, type UnreadableKey, type UnrotatedKey } from './kms-keys';
import { ownerFromTags } from './owner';

/**
 * How keyturn would rotate an adopted key, as functions/kms-key/rotation-method.ts decides at run time: KMS-made
 * symmetric material on demand (same key, new material); imported single-Region material on demand once new
 * material is imported; every other key replaced behind its alias. Keys in an external key store and key-agreement
 * keys it cannot rotate at all.
 */
type Method = 'on-demand' | 'on-demand-imported' | 'replace' | { readonly cannot: string };

/** Ten years of KMS's 10 on-demand rotations per key; a replaced key has no such limit. */
const ON_DEMAND_SCHEDULE = 'rate(365 days)';
const REPLACE_SCHEDULE = 'rate(180 days)';
const KEY_ID_PREFIX = 8;

export function kmsKeyFinding(key: UnrotatedKey | UnreadableKey, now: Date, ids: EntryIds): Finding {
  if ('unreadable' in key) return unreadableKeyFinding(key);
  const method = methodOf(key);
  const alias = key.aliases[0];
  const ageDays = key.creationDate ? daysBetween(key.creationDate, now) : undefined;
  const age = ageDays === undefined ? '' : `; created ${ageDays} days ago`;
  return {
    kind: 'kms-key',
    arn: key.arn,
    name: alias ?? key.keyId,
    reason: `${reasonOf(key, method)}${age}`,
    ...(ageDays === undefined ? {} : { ageDays }),
    proposal: proposalOf(key, method, ids),
  };
}

/** A key these credentials may not read: reported, so that someone who may can look. */
function unreadableKeyFinding(key: UnreadableKey): Finding {
  return {
    kind: 'kms-key',
    arn: key.arn,
    name: key.aliases[0] ?? key.keyId,
    reason: `its key policy refuses ${key.refusedCall} to these credentials: cannot tell whether it rotates`,
    proposal: {
      list: 'keys',
      entry: null,
      notes: ['Run discover with credentials its key policy allows to read it, or look at the key in its account.'],
    },
  };
}

function methodOf(key: UnrotatedKey): Method {
  if (key.origin === 'EXTERNAL_KEY_STORE') {
    return { cannot: 'it is in an external key store: a replacement needs a new key in the external key manager' };
  }
  if (key.keyUsage === 'KEY_AGREEMENT') {
    return { cannot: 'it is a key-agreement key: no round trip proves a new one before its alias moves' };
  }
  const symmetric = isSymmetricEncryption(key);
  if (!symmetric || key.origin === 'AWS_CLOUDHSM' || key.customKeyStoreId !== undefined) return 'replace';
  if (key.origin === 'EXTERNAL') return key.multiRegion ? 'replace' : 'on-demand-imported';
  return 'on-demand';
}

function reasonOf(key: UnrotatedKey, method: Method): string {
  if (key.origin === 'EXTERNAL') return 'imported key material: KMS does not rotate it';
  if (key.origin === 'AWS_CLOUDHSM' || key.origin === 'EXTERNAL_KEY_STORE' || key.customKeyStoreId !== undefined) {
    return 'in a custom key store: KMS does not rotate it';
  }
  return method === 'on-demand' ? 'automatic rotation off' : `KMS never rotates ${key.keySpec} keys`;
}

function proposalOf(key: UnrotatedKey, method: Method, ids: EntryIds): Proposal | NoProposal {
  if (typeof method === 'object')
    return { list: 'keys', entry: null, notes: [`keyturn cannot rotate it: ${method.cannot}.`] };
  const alias = key.aliases[0];
  const owner = ownerFromTags(key.tags);
  // Without an alias, the start of the key id: unique enough to read, and EntryIds makes it unique.
  const id = ids.allocate(alias?.replace(/^alias\//, '') ?? '', `kms-${key.keyId.slice(0, KEY_ID_PREFIX)}`);
  const entry: KeyEntryInput = {
    kind: 'kms-key',
    id,
    owner: { team: owner.team },
    key: { adopt: { arn: key.arn, ...(alias ? { alias } : {}) } },
    schedule: { expression: method === 'replace' ? REPLACE_SCHEDULE : ON_DEMAND_SCHEDULE },
  };
  return checkedProposal({ list: 'keys', entry, notes: notesOf(key, method), fieldNotes: { owner: owner.note } });
}

function notesOf(key: UnrotatedKey, method: Exclude<Method, object>): string[] {
  const notes: string[] = [];
  if (method === 'on-demand') {
    notes.push(
      'keyturn rotates its material on demand on this schedule (KMS allows 10 per key: ten years at this rate).',
      `Or let KMS rotate it instead, with no entry: aws kms enable-key-rotation --key-id ${key.keyId}`,
    );
  } else if (method === 'on-demand-imported') {
    notes.push('Imported material: before each run, import the next material (ImportKeyMaterial, NEW_KEY_MATERIAL).');
  } else {
    notes.push(
      'keyturn replaces it on this schedule: a new key of the same spec takes over its alias (docs/kms-keys.md).',
    );
    if (key.aliases.length === 0) {
      notes.push(
        'CHECK: it has no alias, and a replacement moves the alias consumers use. Create one (aws kms create-alias),',
        'point its consumers at it, and add it here as key.adopt.alias: a run refuses to replace a key without one.',
      );
    }
    if (key.keyUsage === 'SIGN_VERIFY') {
      notes.push('Signatures made with it must still verify after the switch? Set settings.keepForVerification.');
    }
  }
  if (key.aliases.length > 1) {
    notes.push(`It has several aliases (${key.aliases.join(', ')}): name the one its consumers use.`);
  }
  return notes;
}
