import { readBlobHeader } from './ciphertext';
import type { KmsState } from './state';

/**
 * Which keys a call names, as ARNs, for its CloudTrail event's `resources` and for the last use it
 * records: from the request (read before the call runs, so DeleteAlias still finds its alias's
 * key) and, for a call that succeeded, from the answer (CreateKey's new key, Decrypt's key). An
 * alias stands for the key it points to; an identifier naming no key here names nothing. Only
 * identifiers are read: a ciphertext gives no more than the key id in its header.
 */

/** Request members that name a key, in CloudTrail's order (ReEncrypt: source, then destination). */
const SOURCE_MEMBERS = ['KeyId', 'SourceKeyId'] as const;
const OTHER_MEMBERS = ['DestinationKeyId', 'AliasName', 'TargetKeyId'] as const;

export function keysNamedByRequest(state: KmsState, input: unknown): string[] {
  const request = isRecord(input) ? input : {};
  const named = SOURCE_MEMBERS.map((member) => request[member]).filter((value) => typeof value === 'string');
  // Decrypt and ReEncrypt may leave their source key out: the ciphertext's header names it.
  if (named.length === 0 && typeof request.CiphertextBlob === 'string') {
    const keyId = readBlobHeader(Buffer.from(request.CiphertextBlob, 'base64'))?.keyId;
    if (keyId !== undefined) named.push(keyId);
  }
  named.push(...OTHER_MEMBERS.map((member) => request[member]).filter((value) => typeof value === 'string'));
  return distinct(named.flatMap((identifier) => state.lookup(identifier)?.arn ?? []));
}

/** The key ARNs an answer names: KeyId and SourceKeyId (crypto), KeyMetadata.Arn (CreateKey, DescribeKey). */
export function keysNamedByAnswer(output: object): string[] {
  const answer = output as Record<string, unknown>;
  const metadata = isRecord(answer.KeyMetadata) ? answer.KeyMetadata : {};
  return distinct(
    [answer.SourceKeyId, answer.KeyId, metadata.Arn].filter(
      (value): value is string => typeof value === 'string' && value.startsWith('arn:'),
    ),
  );
}

export function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
