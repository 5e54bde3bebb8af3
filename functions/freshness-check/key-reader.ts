import { DescribeKeyCommand, type KMSClient, ListKeyRotationsCommand } from '@aws-sdk/client-kms';
import type { KeyReading } from './key-freshness';
import type { MonitoredKey } from './monitored-keys';

/** What the freshness check reads of a key: DescribeKey and ListKeyRotations, nothing else (no key material, no use). */
export interface KeyAgeReader {
  /** Reads one key (by alias or ARN); throws what KMS answered when it cannot. */
  read(key: MonitoredKey): Promise<Extract<KeyReading, { status: 'read' }>>;
}

/** DescribeKey answered without the key's ARN or creation date. */
export class KeyMetadataMissingError extends Error {
  override readonly name = 'KeyMetadataMissingError';
}

/** KMS rotates the material of symmetric encryption keys only: other keys have no rotation history to list. */
function hasRotationHistory(keySpec: string | undefined, keyUsage: string | undefined): boolean {
  return (
    (keySpec ?? 'SYMMETRIC_DEFAULT') === 'SYMMETRIC_DEFAULT' && (keyUsage ?? 'ENCRYPT_DECRYPT') === 'ENCRYPT_DECRYPT'
  );
}

/** KeyAgeReader over the AWS SDK (the endpoint from AWS_ENDPOINT_URL_KMS when set). */
export function createKmsKeyAgeReader(kms: KMSClient): KeyAgeReader {
  /** The newest RotationDate over every page; undefined when the key never rotated or KMS keeps no history for it. */
  async function newestRotation(keyArn: string): Promise<Date | undefined> {
    let newest: Date | undefined;
    let marker: string | undefined;
    do {
      let page;
      try {
        page = await kms.send(new ListKeyRotationsCommand({ KeyId: keyArn, Marker: marker }));
      } catch (error) {
        // Keys in a custom key store or with imported material that KMS cannot rotate: their creation counts.
        if (error instanceof Error && error.name === 'UnsupportedOperationException') return newest;
        throw error;
      }
      for (const rotation of page.Rotations ?? []) {
        const at = rotation.RotationDate;
        if (at && (!newest || at.getTime() > newest.getTime())) newest = at;
      }
      marker = page.Truncated ? page.NextMarker : undefined;
    } while (marker);
    return newest;
  }

  return {
    async read(key) {
      // ListKeyRotations takes no alias: DescribeKey resolves it to the key it points at now.
      const out = await kms.send(new DescribeKeyCommand({ KeyId: key.keyRef }));
      const meta = out.KeyMetadata;
      if (!meta?.Arn || !meta.CreationDate)
        throw new KeyMetadataMissingError(`DescribeKey of ${key.entryId} returned no metadata`);
      const keyState = meta.KeyState ?? 'Unavailable';
      const listable = hasRotationHistory(meta.KeySpec, meta.KeyUsage) && keyState !== 'PendingDeletion';
      const newestRotationDate = listable ? await newestRotation(meta.Arn) : undefined;
      return {
        key,
        status: 'read',
        keyArn: meta.Arn,
        keyState,
        creationDate: meta.CreationDate,
        ...(newestRotationDate ? { newestRotationDate } : {}),
        ...(meta.DeletionDate ? { deletionDate: meta.DeletionDate } : {}),
      };
    },
  };
}

/**
 * Every key read on its own: one that cannot be read (access denied, not found, KMS failing) becomes an
 * `unreadable` reading naming what KMS answered, and never stops the others.
 */
export async function readKeys(reader: KeyAgeReader, keys: readonly MonitoredKey[]): Promise<KeyReading[]> {
  const readings: KeyReading[] = [];
  for (const key of keys) {
    try {
      readings.push(await reader.read(key));
    } catch (error) {
      // The error's name only: KMS messages carry ARNs and request ids, never data, but the name is what to act on.
      const reason = error instanceof Error ? error.name : 'unknown error';
      readings.push({ key, status: 'unreadable', reason });
    }
  }
  return readings;
}
