import type { SecretVersion } from '../../shared/secret-store';
import { InvalidSecretValueError } from '../errors';
import { parseJsonObject } from '../json-value';
import type { ApiKey } from './provider-api';

/**
 * The secret of an http-api-key entry: a JSON object with `apiKey` (the key's value, what consumers send) and
 * `keyId` (the provider's id of that key, used to revoke it), plus any other fields the provider's spec reads
 * (`accountSid`, `scopes`, `policies`) or consumers want; rotation keeps those as they are.
 */
export interface ApiKeySecret extends ApiKey {
  readonly fields: Readonly<Record<string, unknown>>;
}

export function parseApiKeySecret(version: SecretVersion, label: string): ApiKeySecret {
  const fields = parseJsonObject(version.value, label);
  const { apiKey, keyId } = fields;
  if (typeof apiKey !== 'string' || apiKey === '') {
    throw new InvalidSecretValueError(`the ${label} value has no "apiKey" (the key's value, a non-empty string)`);
  }
  if (typeof keyId !== 'string' || keyId === '') {
    throw new InvalidSecretValueError(
      `the ${label} value has no "keyId" (the provider's id of the key, needed to revoke it; it is shown next to the key in the provider's console)`,
    );
  }
  return { apiKey, keyId, fields };
}

/** The secret's value with a new key, its other fields kept. */
export function withKey(secret: ApiKeySecret, key: ApiKey): string {
  return JSON.stringify({ ...secret.fields, apiKey: key.apiKey, keyId: key.keyId });
}

/** The name of the key a rotation creates: it carries the rotation token, so a retry finds it by name. */
export function keyNameFor(token: string): string {
  return `keyturn-${token}`;
}
