import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * The encryption context of an item's ciphertext, built from its attributes as the request maps them
 * (context key → attribute name). ReEncrypt gets the same context on both sides, so a re-wrapped ciphertext
 * needs exactly what the application passed before. The conditional write also checks that those attributes
 * still hold what the context was built from: an application that changed them wrote a new ciphertext too.
 */

export type ContextResult =
  | { readonly ok: true; readonly context: Record<string, string> | undefined }
  | { readonly ok: false; readonly attribute: string };

export function encryptionContextOf(
  item: Record<string, AttributeValue>,
  mapping: Readonly<Record<string, string>> | undefined,
): ContextResult {
  if (mapping === undefined || Object.keys(mapping).length === 0) return { ok: true, context: undefined };
  const context: Record<string, string> = {};
  for (const [contextKey, attribute] of Object.entries(mapping)) {
    const value = item[attribute];
    const text = value?.S ?? value?.N;
    if (text === undefined) return { ok: false, attribute };
    context[contextKey] = text;
  }
  return { ok: true, context };
}

/** The attributes the context came from, as the item held them (for the write's condition). */
export function contextAttributes(
  item: Record<string, AttributeValue>,
  mapping: Readonly<Record<string, string>> | undefined,
): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const attribute of new Set(Object.values(mapping ?? {}))) {
    const value = item[attribute];
    if (value !== undefined) attributes[attribute] = value;
  }
  return attributes;
}
