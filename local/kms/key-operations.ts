import { z } from 'zod';
import { epochSeconds } from '../http/aws-json-values';
import type { KmsContext } from './context';
import {
  invalidState,
  malformedPolicy,
  notFound,
  outOfRange,
  pendingImport,
  tagError,
  unsupported,
  validation,
} from './errors';
import { keyMetadata } from './key-metadata';
import {
  KEY_SPEC_PROFILES,
  isKeyUsage,
  isSupportedKeySpec,
  type SupportedKeySpec,
  type SupportedKeyUsage,
} from './key-specs';
import { assertNotPendingDeletion } from './key-states';
import type { KeyOrigin, KmsKey } from './keys';
import { pageOf } from './paging';
import { keyIdentifier, limit, marker, parseRequest } from './requests';
import { resumeAutomaticRotation } from './rotation';

/**
 * The key lifecycle: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
 * ScheduleKeyDeletion (7-30 days, default 30; the key is then PendingDeletion), CancelKeyDeletion
 * (back to Disabled, as AWS does), UpdateKeyDescription, the key policy and tags.
 */

/** Key specs and usages in the KMS API that the local KMS does not emulate (refused, not ignored). */
const KNOWN_UNEMULATED_SPECS = [
  'ECC_NIST_EDWARDS25519',
  'ML_DSA_44',
  'ML_DSA_65',
  'ML_DSA_87',
  'ML_KEM_512',
  'ML_KEM_768',
  'ML_KEM_1024',
  'SM2',
];
const KNOWN_UNEMULATED_USAGES = ['KEY_AGREEMENT', 'ENCAPSULATE_DECAPSULATE'];
const MAX_DESCRIPTION_LENGTH = 8192;
const MAX_POLICY_BYTES = 32_768;
export const DEFAULT_PENDING_WINDOW_DAYS = 30;
const MIN_PENDING_WINDOW_DAYS = 7;
const MAX_PENDING_WINDOW_DAYS = 30;

const tag = z.object({ TagKey: z.string(), TagValue: z.string() });

const createKeyRequest = z.object({
  Policy: z.string().optional(),
  Description: z.string().optional(),
  KeyUsage: z.string().optional(),
  CustomerMasterKeySpec: z.string().optional(),
  KeySpec: z.string().optional(),
  Origin: z.string().optional(),
  CustomKeyStoreId: z.string().optional(),
  BypassPolicyLockoutSafetyCheck: z.boolean().optional(),
  Tags: z.array(tag).optional(),
  MultiRegion: z.boolean().optional(),
  XksKeyId: z.string().optional(),
});
const keyRequest = z.object({ KeyId: keyIdentifier });
const scheduleRequest = z.object({ KeyId: keyIdentifier, PendingWindowInDays: z.number().int().optional() });
const descriptionRequest = z.object({ KeyId: keyIdentifier, Description: z.string() });
const getPolicyRequest = z.object({ KeyId: keyIdentifier, PolicyName: z.string().optional() });
const putPolicyRequest = z.object({
  KeyId: keyIdentifier,
  PolicyName: z.string().optional(),
  Policy: z.string(),
  BypassPolicyLockoutSafetyCheck: z.boolean().optional(),
});
const listRequest = z.object({ Limit: limit, Marker: marker });
const listForKeyRequest = z.object({ KeyId: keyIdentifier, Limit: limit, Marker: marker });
const tagRequest = z.object({ KeyId: keyIdentifier, Tags: z.array(tag) });
const untagRequest = z.object({ KeyId: keyIdentifier, TagKeys: z.array(z.string()) });

export function createKey(body: unknown, { state, now }: KmsContext): object {
  const request = parseRequest(createKeyRequest, body);
  if (request.KeySpec !== undefined && request.CustomerMasterKeySpec !== undefined) {
    throw validation('You cannot specify KeySpec and CustomerMasterKeySpec in the same request.');
  }
  const spec = checkedSpec(request.KeySpec ?? request.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT');
  const usage = checkedUsage(request.KeyUsage ?? 'ENCRYPT_DECRYPT', spec);
  const origin = checkedOrigin(request.Origin ?? 'AWS_KMS');
  if (request.CustomKeyStoreId !== undefined || request.XksKeyId !== undefined) {
    throw unsupported('The local KMS has no custom key stores.');
  }
  if (request.MultiRegion === true) throw unsupported('The local KMS does not emulate multi-Region keys.');
  const description = request.Description ?? '';
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw validation(
      `1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to ${MAX_DESCRIPTION_LENGTH}`,
    );
  }
  if (request.Policy !== undefined) checkPolicy(request.Policy);
  const tags = checkedTags(request.Tags ?? []);
  const key = state.createKey(
    { spec, usage, origin, description, ...(request.Policy === undefined ? {} : { policy: request.Policy }), tags },
    now(),
  );
  return { KeyMetadata: keyMetadata(key, state.location) };
}

function checkedSpec(spec: string): SupportedKeySpec {
  if (isSupportedKeySpec(spec)) return spec;
  if (KNOWN_UNEMULATED_SPECS.includes(spec)) throw unsupported(`The local KMS does not emulate KeySpec ${spec}.`);
  throw validation(
    `1 validation error detected: Value '${spec}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set`,
  );
}

function checkedUsage(usage: string, spec: SupportedKeySpec): SupportedKeyUsage {
  if (KNOWN_UNEMULATED_USAGES.includes(usage)) throw unsupported(`The local KMS does not emulate KeyUsage ${usage}.`);
  if (!isKeyUsage(usage)) {
    throw validation(
      `1 validation error detected: Value '${usage}' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set`,
    );
  }
  if (!KEY_SPEC_PROFILES[spec].usages.includes(usage)) {
    throw validation(`KeyUsage ${usage} is not compatible with KeySpec ${spec}`);
  }
  return usage;
}

function checkedOrigin(origin: string): KeyOrigin {
  if (origin === 'AWS_KMS' || origin === 'EXTERNAL') return origin;
  if (origin === 'AWS_CLOUDHSM' || origin === 'EXTERNAL_KEY_STORE') {
    throw unsupported(`The local KMS has no custom key stores (Origin ${origin}).`);
  }
  throw validation(
    `1 validation error detected: Value '${origin}' at 'origin' failed to satisfy constraint: Member must satisfy enum value set: [EXTERNAL_KEY_STORE, AWS_CLOUDHSM, AWS_KMS, EXTERNAL]`,
  );
}

function checkPolicy(policy: string): void {
  if (Buffer.byteLength(policy) > MAX_POLICY_BYTES)
    throw validation(`The key policy is larger than ${MAX_POLICY_BYTES} bytes.`);
  try {
    const parsed: unknown = JSON.parse(policy);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
  } catch {
    throw malformedPolicy('The new key policy will not allow you to update the key policy in the future.');
  }
}

function checkedTags(tags: readonly { readonly TagKey: string; readonly TagValue: string }[]): Map<string, string> {
  const checked = new Map<string, string>();
  for (const { TagKey, TagValue } of tags) {
    if (TagKey.length < 1 || TagKey.length > 128 || TagValue.length > 256) {
      throw tagError('Tag keys must have 1 to 128 characters and tag values at most 256.');
    }
    if (TagKey.toLowerCase().startsWith('aws:')) throw tagError('Tag keys beginning with aws: are reserved.');
    checked.set(TagKey, TagValue);
  }
  return checked;
}

export function describeKey(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(z.object({ KeyId: keyIdentifier, GrantTokens: z.array(z.string()).optional() }), body);
  return { KeyMetadata: keyMetadata(state.find(request.KeyId, { allowAlias: true }), state.location) };
}

export function listKeys(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(listRequest, body);
  const page = pageOf([...state.keys.values()], request, { max: 1000, fallback: 100 }, 'ListKeys');
  return { Keys: page.items.map((key) => ({ KeyId: key.keyId, KeyArn: key.arn })), ...markerFields(page) };
}

export function enableKey(body: unknown, { state, now }: KmsContext): object {
  const key = state.find(parseRequest(keyRequest, body).KeyId, { allowAlias: false });
  assertChangeable(key);
  key.state = 'Enabled';
  resumeAutomaticRotation(key, now());
  return {};
}

export function disableKey(body: unknown, { state }: KmsContext): object {
  const key = state.find(parseRequest(keyRequest, body).KeyId, { allowAlias: false });
  assertChangeable(key);
  key.state = 'Disabled';
  return {};
}

/** Enable/DisableKey: refused while pending deletion or pending import. */
function assertChangeable(key: KmsKey): void {
  assertNotPendingDeletion(key);
  if (key.state === 'PendingImport') throw pendingImport(key.arn);
}

export function scheduleKeyDeletion(body: unknown, { state, now }: KmsContext): object {
  const request = parseRequest(scheduleRequest, body);
  const key = state.find(request.KeyId, { allowAlias: false });
  const days = request.PendingWindowInDays ?? DEFAULT_PENDING_WINDOW_DAYS;
  if (days < MIN_PENDING_WINDOW_DAYS || days > MAX_PENDING_WINDOW_DAYS) {
    throw outOfRange('pendingWindowInDays', days, MIN_PENDING_WINDOW_DAYS, MAX_PENDING_WINDOW_DAYS);
  }
  assertNotPendingDeletion(key);
  key.state = 'PendingDeletion';
  key.deletionDate = new Date(now().getTime() + days * 24 * 60 * 60 * 1000);
  return {
    KeyId: key.arn,
    DeletionDate: epochSeconds(key.deletionDate),
    KeyState: key.state,
    PendingWindowInDays: days,
  };
}

export function cancelKeyDeletion(body: unknown, { state }: KmsContext): object {
  const key = state.find(parseRequest(keyRequest, body).KeyId, { allowAlias: false });
  if (key.state !== 'PendingDeletion') throw invalidState(`${key.arn} is not pending deletion.`);
  // AWS leaves a key whose deletion is cancelled Disabled (EnableKey makes it usable again); a key
  // still waiting for imported material goes back to waiting.
  key.state =
    key.origin === 'EXTERNAL' && key.materials.length === 0 && !key.keyPair && !key.hmacSecret
      ? 'PendingImport'
      : 'Disabled';
  delete key.deletionDate;
  return { KeyId: key.arn };
}

export function updateKeyDescription(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(descriptionRequest, body);
  const key = state.find(request.KeyId, { allowAlias: false });
  assertNotPendingDeletion(key);
  key.description = request.Description;
  return {};
}

function assertDefaultPolicyName(name: string | undefined): void {
  if (name !== undefined && name !== 'default') throw notFound('No such policy exists');
}

export function getKeyPolicy(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(getPolicyRequest, body);
  assertDefaultPolicyName(request.PolicyName);
  const key = state.find(request.KeyId, { allowAlias: false });
  return { Policy: key.policy, PolicyName: 'default' };
}

export function putKeyPolicy(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(putPolicyRequest, body);
  assertDefaultPolicyName(request.PolicyName);
  const key = state.find(request.KeyId, { allowAlias: false });
  checkPolicy(request.Policy);
  key.policy = request.Policy;
  return {};
}

export function listKeyPolicies(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(listForKeyRequest, body);
  state.find(request.KeyId, { allowAlias: false });
  const page = pageOf(['default'], request, { max: 1000, fallback: 100 }, 'ListKeyPolicies');
  return { PolicyNames: page.items, ...markerFields(page) };
}

export function tagResource(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(tagRequest, body);
  const key = state.find(request.KeyId, { allowAlias: false });
  assertNotPendingDeletion(key);
  for (const [tagKey, value] of checkedTags(request.Tags)) key.tags.set(tagKey, value);
  return {};
}

export function untagResource(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(untagRequest, body);
  const key = state.find(request.KeyId, { allowAlias: false });
  assertNotPendingDeletion(key);
  for (const tagKey of request.TagKeys) key.tags.delete(tagKey);
  return {};
}

export function listResourceTags(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(listForKeyRequest, body);
  const key = state.find(request.KeyId, { allowAlias: false });
  const tags = [...key.tags].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
  const page = pageOf(tags, request, { max: 50, fallback: 50 }, { op: 'ListResourceTags', key: key.keyId });
  return { Tags: page.items, ...markerFields(page) };
}

export function markerFields(page: { readonly NextMarker?: string; readonly Truncated: boolean }) {
  return page.NextMarker === undefined
    ? { Truncated: page.Truncated }
    : { NextMarker: page.NextMarker, Truncated: page.Truncated };
}
