import { z } from 'zod';
import { compact, epochSeconds } from '../http/aws-json-values';
import type { KmsContext } from './context';
import { alreadyExists, invalidAliasName, limitExceeded, notFound, validation } from './errors';
import { assertNotPendingDeletion } from './key-states';
import { familyOf, type KmsKey } from './keys';
import { markerFields } from './key-operations';
import { pageOf } from './paging';
import { keyIdentifier, limit, marker, parseRequest } from './requests';

/**
 * Aliases: `alias/` and then letters, digits, `/_-`, 1-256 characters in all, with `alias/aws/`
 * reserved for AWS managed keys; unique per account and Region; at most 50 per key. UpdateAlias
 * moves an alias only to a key of the same type (symmetric, asymmetric or HMAC) and key usage.
 */

const ALIAS_NAME = /^alias\/[a-zA-Z0-9/_-]+$/;
const MAX_ALIAS_NAME_LENGTH = 256;
export const MAX_ALIASES_PER_KEY = 50;

const aliasRequest = z.object({ AliasName: z.string(), TargetKeyId: keyIdentifier });
const deleteRequest = z.object({ AliasName: z.string() });
const listRequest = z.object({ KeyId: keyIdentifier.optional(), Limit: limit, Marker: marker });

function checkedAliasName(name: string): string {
  if (name.length < 1 || name.length > MAX_ALIAS_NAME_LENGTH || !ALIAS_NAME.test(name)) {
    throw validation(
      `1 validation error detected: Value '${name}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$`,
    );
  }
  if (name.startsWith('alias/aws/')) {
    throw invalidAliasName(`Alias ${name} cannot begin with alias/aws/: that prefix is reserved for AWS managed keys.`);
  }
  return name;
}

/** An alias points at a key named by key id or key ARN, never by another alias. */
function targetKey(context: KmsContext, targetKeyId: string): KmsKey {
  const key = context.state.find(targetKeyId, { allowAlias: false });
  assertNotPendingDeletion(key);
  return key;
}

export function createAlias(body: unknown, context: KmsContext): object {
  const request = parseRequest(aliasRequest, body);
  const name = checkedAliasName(request.AliasName);
  const key = targetKey(context, request.TargetKeyId);
  const { state } = context;
  if (state.aliases.has(name)) throw alreadyExists(`An alias with the name ${state.aliasArn(name)} already exists`);
  if (state.aliasesOf(key.keyId).length >= MAX_ALIASES_PER_KEY) {
    throw limitExceeded(`A KMS key can have at most ${MAX_ALIASES_PER_KEY} aliases.`);
  }
  const now = context.now();
  state.aliases.set(name, { name, targetKeyId: key.keyId, createdAt: now, updatedAt: now });
  return {};
}

export function updateAlias(body: unknown, context: KmsContext): object {
  const request = parseRequest(aliasRequest, body);
  const { state } = context;
  const alias = state.aliases.get(request.AliasName);
  if (!alias) throw notFound(`Alias ${state.aliasArn(request.AliasName)} is not found.`);
  const key = targetKey(context, request.TargetKeyId);
  const current = state.keys.get(alias.targetKeyId);
  if (current && (keyTypeOf(current) !== keyTypeOf(key) || current.usage !== key.usage)) {
    throw validation(
      'An alias can only move to a KMS key of the same type (symmetric, asymmetric or HMAC) and key usage.',
    );
  }
  if (state.aliasesOf(key.keyId).length >= MAX_ALIASES_PER_KEY) {
    throw limitExceeded(`A KMS key can have at most ${MAX_ALIASES_PER_KEY} aliases.`);
  }
  alias.targetKeyId = key.keyId;
  alias.updatedAt = context.now();
  return {};
}

function keyTypeOf(key: KmsKey): 'symmetric' | 'asymmetric' | 'hmac' {
  const family = familyOf(key);
  return family === 'rsa' || family === 'ecc' ? 'asymmetric' : family;
}

export function deleteAlias(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(deleteRequest, body);
  if (!state.aliases.delete(request.AliasName)) {
    throw notFound(`Alias ${state.aliasArn(request.AliasName)} is not found.`);
  }
  return {};
}

export function listAliases(body: unknown, { state }: KmsContext): object {
  const request = parseRequest(listRequest, body);
  const keyId = request.KeyId === undefined ? undefined : state.find(request.KeyId, { allowAlias: false }).keyId;
  const aliases = [...state.aliases.values()]
    .filter((alias) => keyId === undefined || alias.targetKeyId === keyId)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const page = pageOf(aliases, request, { max: 100, fallback: 50 }, { op: 'ListAliases', keyId });
  return {
    Aliases: page.items.map((alias) =>
      compact({
        AliasName: alias.name,
        AliasArn: state.aliasArn(alias.name),
        TargetKeyId: alias.targetKeyId,
        CreationDate: epochSeconds(alias.createdAt),
        LastUpdatedDate: epochSeconds(alias.updatedAt),
      }),
    ),
    ...markerFields(page),
  };
}
