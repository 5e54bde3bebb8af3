import {
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  paginateListAliases,
  paginateListKeys,
  paginateListResourceTags,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { REPLACEMENT_TAGS } from '../../functions/kms-key/replacement-key';
import { mapConcurrently } from './concurrency';

/**
 * Customer managed KMS keys nothing rotates: Enabled keys whose automatic rotation is off (symmetric encryption
 * keys, the only ones KMS rotates itself), and every asymmetric and HMAC key (KMS never rotates those). Left out:
 * AWS managed keys (AWS rotates them), multi-Region replicas (their primary's rotation is theirs), and keys keyturn
 * already rotates (tag keyturn:entry, on every key it creates or replaces).
 */

export interface UnrotatedKey {
  readonly keyId: string;
  readonly arn: string;
  readonly keySpec: string;
  readonly keyUsage: string;
  /** AWS_KMS, EXTERNAL (imported material), AWS_CLOUDHSM or EXTERNAL_KEY_STORE. */
  readonly origin: string;
  readonly multiRegion: boolean;
  readonly customKeyStoreId?: string;
  readonly creationDate?: Date;
  /** The key's aliases (`alias/…`), sorted. */
  readonly aliases: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * A key whose key policy refuses these credentials a read call (it does not let the account's IAM policies
 * decide): nobody here can tell whether it rotates, which is itself worth a look.
 */
export interface UnreadableKey {
  readonly unreadable: true;
  readonly keyId: string;
  readonly arn: string;
  readonly aliases: readonly string[];
  /** The call refused, such as kms:DescribeKey. */
  readonly refusedCall: string;
}

/** Keys described at once: DescribeKey and its peers share a per-account request quota. */
const CONCURRENCY = 4;

export async function listUnrotatedKeys(kms: KMSClient): Promise<(UnrotatedKey | UnreadableKey)[]> {
  const listed: { keyId: string; arn: string }[] = [];
  for await (const page of paginateListKeys({ client: kms }, {})) {
    for (const key of page.Keys ?? []) if (key.KeyId && key.KeyArn) listed.push({ keyId: key.KeyId, arn: key.KeyArn });
  }
  const aliases = await aliasesByKey(kms);
  const keys = await mapConcurrently(listed, CONCURRENCY, async (key) => {
    const refused = { call: 'kms:DescribeKey' };
    try {
      return await unrotatedKey(kms, key.keyId, aliases, refused);
    } catch (error) {
      if ((error as Error).name !== 'AccessDeniedException') throw error;
      const unreadable: UnreadableKey = {
        unreadable: true,
        ...key,
        aliases: (aliases.get(key.keyId) ?? []).sort(),
        refusedCall: refused.call,
      };
      return unreadable;
    }
  });
  // Keys with an alias first, by alias; then the others by key id.
  const sortKey = (key: UnrotatedKey | UnreadableKey) =>
    key.aliases[0] === undefined ? `1${key.keyId}` : `0${key.aliases[0]}`;
  return keys
    .filter((key): key is UnrotatedKey | UnreadableKey => key !== undefined)
    .sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
}

/** `refused.call` is the call under way, for the finding when the key policy refuses it. */
async function unrotatedKey(
  kms: KMSClient,
  keyId: string,
  aliases: ReadonlyMap<string, string[]>,
  refused: { call: string },
): Promise<UnrotatedKey | undefined> {
  const meta = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  if (!meta?.Arn || meta.KeyManager !== 'CUSTOMER' || meta.KeyState !== 'Enabled') return undefined;
  if (meta.MultiRegionConfiguration?.MultiRegionKeyType === 'REPLICA') return undefined;
  if (isSymmetricEncryption({ keySpec: meta.KeySpec, keyUsage: meta.KeyUsage })) {
    refused.call = 'kms:GetKeyRotationStatus';
    const status = await kms.send(new GetKeyRotationStatusCommand({ KeyId: meta.Arn }));
    if (status.KeyRotationEnabled === true) return undefined;
  }
  refused.call = 'kms:ListResourceTags';
  const tags = await tagsOf(kms, meta.Arn);
  if (tags[REPLACEMENT_TAGS.entry] !== undefined) return undefined;
  return {
    keyId: meta.KeyId ?? keyId,
    arn: meta.Arn,
    keySpec: meta.KeySpec ?? 'SYMMETRIC_DEFAULT',
    keyUsage: meta.KeyUsage ?? 'ENCRYPT_DECRYPT',
    origin: meta.Origin ?? 'AWS_KMS',
    multiRegion: meta.MultiRegion === true,
    ...(meta.CustomKeyStoreId ? { customKeyStoreId: meta.CustomKeyStoreId } : {}),
    ...(meta.CreationDate ? { creationDate: meta.CreationDate } : {}),
    aliases: (aliases.get(meta.KeyId ?? keyId) ?? []).sort(),
    tags,
  };
}

/** The only keys KMS rotates automatically (and on demand). */
export function isSymmetricEncryption(key: { readonly keySpec?: string; readonly keyUsage?: string }): boolean {
  return (
    (key.keySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' &&
    (key.keyUsage ?? 'ENCRYPT_DECRYPT') === 'ENCRYPT_DECRYPT'
  );
}

/** Customer aliases by key id (`alias/aws/…` are AWS managed keys' aliases). */
async function aliasesByKey(kms: KMSClient): Promise<Map<string, string[]>> {
  const byKey = new Map<string, string[]>();
  for await (const page of paginateListAliases({ client: kms }, {})) {
    for (const alias of page.Aliases ?? []) {
      if (!alias.AliasName || !alias.TargetKeyId || alias.AliasName.startsWith('alias/aws/')) continue;
      byKey.set(alias.TargetKeyId, [...(byKey.get(alias.TargetKeyId) ?? []), alias.AliasName]);
    }
  }
  return byKey;
}

async function tagsOf(kms: KMSClient, keyArn: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  for await (const page of paginateListResourceTags({ client: kms }, { KeyId: keyArn })) {
    for (const tag of page.Tags ?? []) if (tag.TagKey) tags[tag.TagKey] = tag.TagValue ?? '';
  }
  return tags;
}
