import { createHash, randomBytes } from 'node:crypto';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EncryptCommand,
  GetKeyLastUsageCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeyRotationsCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import {
  KeyStateError,
  KmsAccessDeniedError,
  KmsApiError,
  KmsKeyNotFoundError,
  OnDemandRotationLimitError,
  UnsupportedKeyRotationError,
} from './errors';
import { checkKey } from './key-check';
import type { KeyFacts, KeyMaterialRecord, KeyRotationRecord } from './key-facts';
import { lookupTrailEvents, trailClients } from '../shared/cloudtrail-lookup';
import type { KmsKeyApi, SealedCanary } from './kms-api';
import { isConsumerRefusal } from './old-key-use';
import type { Tag } from './replacement-key';

/** KMS's answers keyturn names; anything else is KmsApiError (retryable). Messages never carry data. */
function failure(error: unknown, call: string, keyId: string): Error {
  const name = error instanceof Error ? error.name : 'unknown';
  const what = `kms:${call} on ${keyId}`;
  switch (name) {
    case 'NotFoundException':
      return new KmsKeyNotFoundError(`${what}: KMS has no such key or alias`);
    case 'AccessDeniedException':
      return new KmsAccessDeniedError(`${what} was refused (the function's role or the key policy lacks it)`);
    case 'DisabledException':
    case 'KMSInvalidStateException':
    case 'KeyUnavailableException':
      return new KeyStateError(`${what}: ${name} (the key is not in a state that allows it)`);
    case 'UnsupportedOperationException':
      return new UnsupportedKeyRotationError(`${what}: KMS does not support this for the key`);
    default:
      return new KmsApiError(`${what} failed: ${name}`);
  }
}

const digest = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

function factsOf(meta: KeyMetadata | undefined, keyId: string): KeyFacts {
  if (!meta?.KeyId || !meta.Arn) throw new KmsApiError(`kms:DescribeKey on ${keyId} returned no key metadata`);
  return {
    keyId: meta.KeyId,
    arn: meta.Arn,
    keySpec: meta.KeySpec ?? 'SYMMETRIC_DEFAULT',
    keyUsage: meta.KeyUsage ?? 'ENCRYPT_DECRYPT',
    keyState: meta.KeyState ?? 'Unavailable',
    origin: meta.Origin ?? 'AWS_KMS',
    keyManager: meta.KeyManager ?? 'CUSTOMER',
    multiRegion: meta.MultiRegion === true,
    ...(meta.CustomKeyStoreId ? { customKeyStoreId: meta.CustomKeyStoreId } : {}),
    ...(meta.DeletionDate ? { deletionDate: meta.DeletionDate } : {}),
    encryptionAlgorithms: meta.EncryptionAlgorithms ?? [],
    signingAlgorithms: meta.SigningAlgorithms ?? [],
    macAlgorithms: meta.MacAlgorithms ?? [],
  };
}

/** KmsKeyApi over the AWS SDK (the endpoint from AWS_ENDPOINT_URL_KMS when set, as everywhere in keyturn). */
/** Refused calls read per check: enough to name a few, bounded by LookupEvents' 2 calls per second. */
const REFUSED_USES_LIMIT = 50;

export function createKmsKeyApi(kms: KMSClient = new KMSClient({})): KmsKeyApi {
  const trail = trailClients();
  async function call<T>(name: string, keyId: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw failure(error, name, keyId);
    }
  }

  async function rotationEntries(keyId: string, includeMaterial: boolean) {
    const entries = [];
    let marker: string | undefined;
    do {
      const page = await call('ListKeyRotations', keyId, () =>
        kms.send(
          new ListKeyRotationsCommand({
            KeyId: keyId,
            Marker: marker,
            ...(includeMaterial ? { IncludeKeyMaterial: 'ALL_KEY_MATERIAL' as const } : {}),
          }),
        ),
      );
      entries.push(...(page.Rotations ?? []));
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return entries;
  }

  return {
    async describeKey(keyId) {
      const out = await call('DescribeKey', keyId, () => kms.send(new DescribeKeyCommand({ KeyId: keyId })));
      return factsOf(out.KeyMetadata, keyId);
    },
    async aliasTarget(aliasName) {
      let marker: string | undefined;
      do {
        const page = await call('ListAliases', aliasName, () => kms.send(new ListAliasesCommand({ Marker: marker })));
        const found = page.Aliases?.find((alias) => alias.AliasName === aliasName);
        if (found) return found.TargetKeyId;
        marker = page.Truncated ? page.NextMarker : undefined;
      } while (marker);
      return undefined;
    },
    async listRotations(keyId) {
      const entries = await rotationEntries(keyId, false);
      return entries.map((entry): KeyRotationRecord => ({
        rotationType: entry.RotationType ?? 'AUTOMATIC',
        ...(entry.RotationDate ? { rotationDate: entry.RotationDate } : {}),
        ...(entry.KeyMaterialId ? { keyMaterialId: entry.KeyMaterialId } : {}),
      }));
    },
    async listMaterials(keyId) {
      const entries = await rotationEntries(keyId, true);
      return entries.flatMap((entry): KeyMaterialRecord[] =>
        entry.KeyMaterialId ? [{ keyMaterialId: entry.KeyMaterialId, state: entry.KeyMaterialState ?? 'CURRENT' }] : [],
      );
    },
    async onDemandRotationInProgress(keyId) {
      const out = await call('GetKeyRotationStatus', keyId, () =>
        kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId })),
      );
      return out.OnDemandRotationStartDate;
    },
    async rotateOnDemand(keyId) {
      try {
        await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
        return 'started';
      } catch (error) {
        // An on-demand rotation already runs for the key: this request joins it rather than failing.
        if (error instanceof Error && error.name === 'ConflictException') return 'in-progress';
        if (error instanceof Error && error.name === 'LimitExceededException') {
          throw new OnDemandRotationLimitError(
            `kms:RotateKeyOnDemand on ${keyId}: KMS says the key has no on-demand rotations left`,
          );
        }
        throw failure(error, 'RotateKeyOnDemand', keyId);
      }
    },
    check: (key) => call('round trip', key.keyId, () => checkKey(kms, key)),
    async sealCanary(keyId): Promise<SealedCanary> {
      const plaintext = randomBytes(32);
      const out = await call('Encrypt', keyId, () =>
        kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: plaintext })),
      );
      if (!out.CiphertextBlob) throw new KmsApiError(`kms:Encrypt on ${keyId} returned no ciphertext`);
      const opened = await call('Decrypt', keyId, () =>
        kms.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: out.CiphertextBlob })),
      );
      return {
        keyId,
        ciphertext: Buffer.from(out.CiphertextBlob).toString('base64'),
        plaintextDigest: digest(plaintext),
        ...(opened.KeyMaterialId ? { keyMaterialId: opened.KeyMaterialId } : {}),
      };
    },
    async openCanary(canary) {
      const out = await call('Decrypt', canary.keyId, () =>
        kms.send(new DecryptCommand({ KeyId: canary.keyId, CiphertextBlob: Buffer.from(canary.ciphertext, 'base64') })),
      );
      return {
        matches: out.Plaintext !== undefined && digest(out.Plaintext) === canary.plaintextDigest,
        ...(out.KeyMaterialId ? { keyMaterialId: out.KeyMaterialId } : {}),
      };
    },
    async lastUse(keyId) {
      const out = await call('GetKeyLastUsage', keyId, () => kms.send(new GetKeyLastUsageCommand({ KeyId: keyId })));
      const use = out.KeyLastUsage;
      return {
        ...(use?.Timestamp ? { at: use.Timestamp } : {}),
        ...(use?.Operation ? { operation: use.Operation } : {}),
        ...(use?.CloudTrailEventId ? { cloudTrailEventId: use.CloudTrailEventId } : {}),
        ...(out.TrackingStartDate ? { trackingSince: out.TrackingStartDate } : {}),
      };
    },
    async refusedUsesSince(keyArn, since) {
      const region = keyArn.split(':')[3] ?? process.env.AWS_REGION ?? 'us-east-1';
      try {
        const events = await lookupTrailEvents(await trail(region), {
          attribute: { key: 'ResourceName', value: keyArn },
          since,
          region,
          limit: REFUSED_USES_LIMIT,
        });
        return events.flatMap((event) =>
          event.errorCode && isConsumerRefusal(event.eventName, event.errorCode)
            ? [{ eventName: event.eventName, at: event.at, errorCode: event.errorCode }]
            : [],
        );
      } catch {
        return 'unavailable';
      }
    },
    async keyPolicy(keyId) {
      const out = await call('GetKeyPolicy', keyId, () =>
        kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' })),
      );
      if (!out.Policy) throw new KmsApiError(`kms:GetKeyPolicy on ${keyId} returned no policy`);
      return out.Policy;
    },
    async tags(keyId) {
      const tags: Tag[] = [];
      let marker: string | undefined;
      do {
        const page = await call('ListResourceTags', keyId, () =>
          kms.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: marker })),
        );
        for (const tag of page.Tags ?? []) tags.push({ key: tag.TagKey ?? '', value: tag.TagValue ?? '' });
        marker = page.Truncated ? page.NextMarker : undefined;
      } while (marker);
      return tags;
    },
    async tag(keyId, tags) {
      await call('TagResource', keyId, () =>
        kms.send(
          new TagResourceCommand({ KeyId: keyId, Tags: tags.map((tag) => ({ TagKey: tag.key, TagValue: tag.value })) }),
        ),
      );
    },
    async untag(keyId, tagKeys) {
      await call('UntagResource', keyId, () =>
        kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: [...tagKeys] })),
      );
    },
    async createKey(request) {
      const out = await call('CreateKey', request.description, () =>
        kms.send(
          new CreateKeyCommand({
            KeySpec: request.keySpec as 'SYMMETRIC_DEFAULT',
            KeyUsage: request.keyUsage as 'ENCRYPT_DECRYPT',
            Origin: request.origin,
            CustomKeyStoreId: request.customKeyStoreId,
            MultiRegion: request.multiRegion,
            Policy: request.policy,
            Description: request.description,
            Tags: request.tags.map((tag) => ({ TagKey: tag.key, TagValue: tag.value })),
          }),
        ),
      );
      return factsOf(out.KeyMetadata, 'the new key');
    },
    async listKeyIds() {
      const ids: string[] = [];
      let marker: string | undefined;
      do {
        const page = await call('ListKeys', 'the account', () => kms.send(new ListKeysCommand({ Marker: marker })));
        for (const key of page.Keys ?? []) if (key.KeyId) ids.push(key.KeyId);
        marker = page.Truncated ? page.NextMarker : undefined;
      } while (marker);
      return ids;
    },
    async pointAlias(aliasName, keyId) {
      try {
        await kms.send(new UpdateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
      } catch (error) {
        if (!(error instanceof Error && error.name === 'NotFoundException')) throw failure(error, 'UpdateAlias', keyId);
        await call('CreateAlias', keyId, () =>
          kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId })),
        );
      }
    },
    async enableKey(keyId) {
      await call('EnableKey', keyId, () => kms.send(new EnableKeyCommand({ KeyId: keyId })));
    },
    async disableKey(keyId) {
      await call('DisableKey', keyId, () => kms.send(new DisableKeyCommand({ KeyId: keyId })));
    },
    async scheduleDeletion(keyId, pendingWindowInDays) {
      const out = await call('ScheduleKeyDeletion', keyId, () =>
        kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: pendingWindowInDays })),
      );
      if (!out.DeletionDate) throw new KmsApiError(`kms:ScheduleKeyDeletion on ${keyId} returned no deletion date`);
      return out.DeletionDate;
    },
    async cancelDeletion(keyId) {
      await call('CancelKeyDeletion', keyId, () => kms.send(new CancelKeyDeletionCommand({ KeyId: keyId })));
    },
  };
}
