import { providerSpecSchema, type ProviderSpec, type ProviderSpecInput } from './spec';

/**
 * Built-in provider specs, written from each provider's public API reference. Each is exercised against a
 * local fake of that provider (local/providers/) that enforces the documented shapes, statuses and limits.
 * `{secret.*}` fields are part of the secret's shape for that provider (docs/strategies.md: http-api-key).
 */

/**
 * SendGrid (Twilio SendGrid v3): keys are minted and revoked with an admin key holding the `api_keys` scopes
 * (Bearer); the new key gets the scopes listed in the secret's `scopes`. At most 100 keys per account (a
 * 101st answers 403). Rate limits: 429 with `X-RateLimit-Reset` (a Unix time). `GET /v3/scopes` with a key
 * answers 200 while the key works, 401 once it is revoked. EU subusers use api.eu.sendgrid.com.
 */
const SENDGRID: ProviderSpecInput = {
  name: 'sendgrid',
  baseUrl: 'https://api.sendgrid.com',
  allowedHosts: ['api.sendgrid.com', 'api.eu.sendgrid.com'],
  maxKeys: 100,
  rateLimit: { resetHeader: 'X-RateLimit-Reset', resetUnit: 'epoch-seconds' },
  create: {
    method: 'POST',
    path: '/v3/api_keys',
    credential: 'admin',
    auth: { bearer: '{admin.apiKey}' },
    body: { name: '{name}', scopes: '{secret.scopes}' },
    idPointer: '/api_key_id',
    valuePointer: '/api_key',
  },
  list: {
    method: 'GET',
    path: '/v3/api_keys?limit=100',
    credential: 'admin',
    auth: { bearer: '{admin.apiKey}' },
    itemsPointer: '/result',
    idPointer: '/api_key_id',
    namePointer: '/name',
  },
  verify: {
    method: 'GET',
    path: '/v3/scopes',
    credential: 'key',
    auth: { bearer: '{key.apiKey}' },
    okStatus: [200],
    rejectedStatus: [401, 403],
  },
  revoke: {
    method: 'DELETE',
    path: '/v3/api_keys/{id}',
    credential: 'admin',
    auth: { bearer: '{admin.apiKey}' },
    goneStatus: [404],
  },
};

/**
 * Twilio API Keys (REST API v2010 Key resource): only a Main key (or the account's SID and auth token) may
 * mint and delete keys, with HTTP basic auth (the admin secret's `keyId` as user, `apiKey` as password); the
 * key's SID (`SK…`) is `keyId` and its secret, shown once at creation, is `apiKey`. The secret names its
 * `accountSid`. A Standard key may not read the Accounts or Keys resources, so a key is verified by listing
 * one message of the account (401 once it is deleted). Friendly names are at most 64 characters.
 */
const TWILIO: ProviderSpecInput = {
  name: 'twilio',
  baseUrl: 'https://api.twilio.com',
  create: {
    method: 'POST',
    path: '/2010-04-01/Accounts/{secret.accountSid}/Keys.json',
    credential: 'admin',
    auth: { basic: { username: '{admin.keyId}', password: '{admin.apiKey}' } },
    form: { FriendlyName: '{name}' },
    idPointer: '/sid',
    valuePointer: '/secret',
  },
  list: {
    method: 'GET',
    path: '/2010-04-01/Accounts/{secret.accountSid}/Keys.json?PageSize=100',
    credential: 'admin',
    auth: { basic: { username: '{admin.keyId}', password: '{admin.apiKey}' } },
    itemsPointer: '/keys',
    idPointer: '/sid',
    namePointer: '/friendly_name',
    nextPointer: '/next_page_uri',
  },
  verify: {
    method: 'GET',
    path: '/2010-04-01/Accounts/{secret.accountSid}/Messages.json?PageSize=1',
    credential: 'key',
    auth: { basic: { username: '{key.keyId}', password: '{key.apiKey}' } },
    okStatus: [200],
    rejectedStatus: [401, 403],
  },
  revoke: {
    method: 'DELETE',
    path: '/2010-04-01/Accounts/{secret.accountSid}/Keys/{id}.json',
    credential: 'admin',
    auth: { basic: { username: '{admin.keyId}', password: '{admin.apiKey}' } },
    goneStatus: [404],
  },
};

/**
 * Datadog API keys (v2 Key Management): minted, listed and deleted with the admin secret's `apiKey`
 * (DD-API-KEY) and `applicationKey` (DD-APPLICATION-KEY, a user with `api_keys_write`); a key is checked with
 * `GET /api/v1/validate` (200 `{"valid": true}`, 403 when invalid). The list reports `date_last_used`. Rate
 * limits: 429 with `X-RateLimit-Reset` in seconds. Other Datadog sites are allowed hosts (`baseUrl` option).
 */
const DATADOG: ProviderSpecInput = {
  name: 'datadog',
  baseUrl: 'https://api.datadoghq.com',
  allowedHosts: [
    'api.datadoghq.com',
    'api.us3.datadoghq.com',
    'api.us5.datadoghq.com',
    'api.datadoghq.eu',
    'api.ap1.datadoghq.com',
    'api.ap2.datadoghq.com',
    'api.uk1.datadoghq.com',
    'api.ddog-gov.com',
    'api.us2.ddog-gov.com',
  ],
  rateLimit: { resetHeader: 'X-RateLimit-Reset', resetUnit: 'seconds' },
  create: {
    method: 'POST',
    path: '/api/v2/api_keys',
    credential: 'admin',
    auth: { header: 'DD-API-KEY', value: '{admin.apiKey}' },
    headers: { 'DD-APPLICATION-KEY': '{admin.applicationKey}' },
    body: { data: { type: 'api_keys', attributes: { name: '{name}' } } },
    idPointer: '/data/id',
    valuePointer: '/data/attributes/key',
  },
  list: {
    method: 'GET',
    path: '/api/v2/api_keys?page%5Bsize%5D=100',
    credential: 'admin',
    auth: { header: 'DD-API-KEY', value: '{admin.apiKey}' },
    headers: { 'DD-APPLICATION-KEY': '{admin.applicationKey}' },
    itemsPointer: '/data',
    idPointer: '/id',
    namePointer: '/attributes/name',
    lastUsedPointer: '/attributes/date_last_used',
  },
  verify: {
    method: 'GET',
    path: '/api/v1/validate',
    credential: 'key',
    auth: { header: 'DD-API-KEY', value: '{key.apiKey}' },
    okStatus: [200],
    rejectedStatus: [401, 403],
    expect: { pointer: '/valid', equals: true },
  },
  revoke: {
    method: 'DELETE',
    path: '/api/v2/api_keys/{id}',
    credential: 'admin',
    auth: { header: 'DD-API-KEY', value: '{admin.apiKey}' },
    headers: { 'DD-APPLICATION-KEY': '{admin.applicationKey}' },
    goneStatus: [404],
  },
};

/**
 * Cloudflare user API tokens: minted, listed and deleted with an admin token allowed to write API tokens
 * (Bearer); the new token gets the `policies` the secret holds. `GET /user/tokens/verify` with a token answers
 * its id and `"status": "active"` (so a token of another identity is told apart), 401 once it is deleted. At
 * most 50 user tokens; rate limits: 1200 requests per 5 minutes, 429 with `Retry-After`. The list reports
 * `last_used_on`.
 */
const CLOUDFLARE: ProviderSpecInput = {
  name: 'cloudflare',
  baseUrl: 'https://api.cloudflare.com',
  maxKeys: 50,
  create: {
    method: 'POST',
    path: '/client/v4/user/tokens',
    credential: 'admin',
    auth: { bearer: '{admin.apiKey}' },
    body: { name: '{name}', policies: '{secret.policies}' },
    idPointer: '/result/id',
    valuePointer: '/result/value',
  },
  list: {
    method: 'GET',
    path: '/client/v4/user/tokens?per_page=50',
    credential: 'admin',
    auth: { bearer: '{admin.apiKey}' },
    itemsPointer: '/result',
    idPointer: '/id',
    namePointer: '/name',
    lastUsedPointer: '/last_used_on',
  },
  verify: {
    method: 'GET',
    path: '/client/v4/user/tokens/verify',
    credential: 'key',
    auth: { bearer: '{key.apiKey}' },
    okStatus: [200],
    rejectedStatus: [401, 403],
    expect: { pointer: '/result/status', equals: 'active' },
    identity: { pointer: '/result/id', equals: '{key.keyId}' },
  },
  revoke: {
    method: 'DELETE',
    path: '/client/v4/user/tokens/{id}',
    credential: 'admin',
    auth: { bearer: '{admin.apiKey}' },
    goneStatus: [404],
  },
};

/** The presets, validated like a user's spec (a broken preset fails at load, in tests and at synth). */
export const PROVIDER_PRESETS: Readonly<Record<string, ProviderSpec>> = Object.fromEntries(
  [SENDGRID, TWILIO, DATADOG, CLOUDFLARE].map((input) => [input.name, providerSpecSchema.parse(input)]),
);

export const PRESET_NAMES = Object.keys(PROVIDER_PRESETS);
