import { disabled, pendingDeletion, pendingImport } from './errors';
import type { KmsKey } from './keys';

/**
 * What a key's state allows, from the key-state table of the KMS developer guide: cryptographic
 * operations need an Enabled key (Disabled: DisabledException; PendingDeletion and PendingImport:
 * KMSInvalidStateException, the table's "[3]" and "[5]"); most changes to a key are refused
 * while it is pending deletion.
 */

export function assertUsableForCrypto(key: KmsKey): void {
  switch (key.state) {
    case 'Enabled':
      return;
    case 'Disabled':
      throw disabled(key.arn);
    case 'PendingDeletion':
      throw pendingDeletion(key.arn);
    case 'PendingImport':
      throw pendingImport(key.arn);
  }
}

export function assertNotPendingDeletion(key: KmsKey): void {
  if (key.state === 'PendingDeletion') throw pendingDeletion(key.arn);
}
