import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * A wrapped data key as an item stores it: a binary attribute (`B`), or a string attribute holding the
 * ciphertext in base64 (`S`). The re-wrapped ciphertext is written back in the same form, and the
 * conditional write compares against the attribute exactly as it was read.
 */
export interface StoredCiphertext {
  /** The attribute as read: the conditional write's expected value. */
  readonly stored: AttributeValue;
  readonly ciphertext: Uint8Array;
}

export type ReadCiphertext =
  | { readonly found: true; readonly value: StoredCiphertext }
  | { readonly found: false; readonly reason: 'missing' | 'not-base64' };

// Canonical base64 only: what a decoder would silently repair (whitespace, missing padding) is refused.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function readCiphertext(item: Record<string, AttributeValue>, attribute: string): ReadCiphertext {
  const value = item[attribute];
  if (value?.B !== undefined && value.B.length > 0) {
    return { found: true, value: { stored: value, ciphertext: value.B } };
  }
  if (value?.S !== undefined && value.S.length > 0) {
    if (!BASE64.test(value.S)) return { found: false, reason: 'not-base64' };
    return { found: true, value: { stored: value, ciphertext: Buffer.from(value.S, 'base64') } };
  }
  return { found: false, reason: 'missing' };
}

/** `ciphertext` in the same form as `like` was stored. */
export function storedLike(like: StoredCiphertext, ciphertext: Uint8Array): AttributeValue {
  return like.stored.S !== undefined ? { S: Buffer.from(ciphertext).toString('base64') } : { B: ciphertext };
}

/** Whether the item holds the attribute as binary or a non-empty string (the first page's sanity check). */
export function hasCiphertextAttribute(item: Record<string, AttributeValue>, attribute: string): boolean {
  const value = item[attribute];
  return (value?.B !== undefined && value.B.length > 0) || (value?.S !== undefined && value.S.length > 0);
}
