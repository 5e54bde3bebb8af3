import type { ProviderSpecInput } from '../../functions/strategies/http/spec';
import {
  FakeProvider,
  jsonBody,
  randomHex,
  randomText,
  type FakeKey,
  type FakeRequest,
  type FakeResponse,
} from './fake-provider';

/**
 * A provider keyturn has no preset for ("Acme Notify", made up for the example of a user-written spec in docs/strategies.md):
 * - `POST /v1/keys` `{label}` with `X-Admin-Token` → 201 `{key: {id, secret, label}}`, at most 10 keys (409).
 * - `GET /v1/keys` with `X-Admin-Token` → `{keys: [{id, label, last_used_at}]}`.
 * - `GET /v1/whoami` with `Authorization: Token <secret>` → 200 `{key_id}`; 401 for an unknown or revoked key.
 * - `DELETE /v1/keys/{id}` with `X-Admin-Token` → 204; 410 for a key already revoked, 404 for one never known.
 * - 429 with `Retry-After` (seconds).
 */
export const ACME_MAX_KEYS = 10;

export class FakeAcme extends FakeProvider {
  readonly adminToken = randomText(32);
  private readonly revokedIds = new Set<string>();

  constructor() {
    super(
      [
        { method: 'POST', path: '/v1/keys', bucket: 'keys', call: 'create', handle: (r) => this.create(r) },
        { method: 'GET', path: '/v1/keys', bucket: 'keys', call: 'list', handle: (r) => this.list(r) },
        { method: 'DELETE', path: '/v1/keys/:id', bucket: 'keys', call: 'revoke', handle: (r) => this.remove(r) },
        { method: 'GET', path: '/v1/whoami', bucket: 'whoami', call: 'verify', handle: (r) => this.whoami(r) },
      ],
      {
        rateLimit: { limit: 100, windowMs: 60_000 },
        tooManyRequests: (resetAt) => ({
          status: 429,
          json: { error: 'slow down' },
          headers: { 'Retry-After': String(Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000))) },
        }),
      },
    );
  }

  addAcmeKey(label: string): FakeKey {
    return this.addKey({ id: `key_${randomHex(16)}`, name: label, value: `acme_${randomText(40)}`, admin: false });
  }

  private isAdmin(request: FakeRequest): boolean {
    return request.header('x-admin-token') === this.adminToken;
  }

  private create(request: FakeRequest): FakeResponse {
    if (!this.isAdmin(request)) return { status: 401, json: { error: 'unauthorized' } };
    const label = jsonBody(request)?.label;
    if (typeof label !== 'string' || label === '') return { status: 400, json: { error: 'label required' } };
    if (this.keys.size >= ACME_MAX_KEYS) return { status: 409, json: { error: 'key limit reached' } };
    const key = this.addAcmeKey(label);
    return { status: 201, json: { key: { id: key.id, secret: key.value, label } } };
  }

  private list(request: FakeRequest): FakeResponse {
    if (!this.isAdmin(request)) return { status: 401, json: { error: 'unauthorized' } };
    const keys = this.listedKeys().map((k) => ({
      id: k.id,
      label: k.name,
      last_used_at: k.lastUsedAt?.toISOString() ?? null,
    }));
    return { status: 200, json: { keys } };
  }

  private remove(request: FakeRequest): FakeResponse {
    if (!this.isAdmin(request)) return { status: 401, json: { error: 'unauthorized' } };
    const id = request.params.id ?? '';
    if (this.revokedIds.has(id)) return { status: 410, json: { error: 'gone' } };
    if (!this.keys.delete(id)) return { status: 404, json: { error: 'no such key' } };
    this.revokedIds.add(id);
    return { status: 204 };
  }

  private whoami(request: FakeRequest): FakeResponse {
    const match = /^Token (.+)$/.exec(request.header('authorization') ?? '');
    const key = this.authenticate(match?.[1]);
    return key ? { status: 200, json: { key_id: key.id } } : { status: 401, json: { error: 'unauthorized' } };
  }
}

export async function startFakeAcme(): Promise<FakeAcme> {
  return new FakeAcme().start();
}

/** The user-written spec for Acme Notify in docs/strategies.md (the admin token in the admin secret's `token` field). */
export const ACME_SPEC: ProviderSpecInput = {
  name: 'acme-notify',
  baseUrl: 'https://api.acme-notify.example',
  maxKeys: ACME_MAX_KEYS,
  create: {
    method: 'POST',
    path: '/v1/keys',
    credential: 'admin',
    auth: { header: 'X-Admin-Token', value: '{admin.token}' },
    body: { label: '{name}' },
    idPointer: '/key/id',
    valuePointer: '/key/secret',
  },
  list: {
    method: 'GET',
    path: '/v1/keys',
    credential: 'admin',
    auth: { header: 'X-Admin-Token', value: '{admin.token}' },
    itemsPointer: '/keys',
    idPointer: '/id',
    namePointer: '/label',
    lastUsedPointer: '/last_used_at',
  },
  verify: {
    method: 'GET',
    path: '/v1/whoami',
    credential: 'key',
    auth: { header: 'Authorization', value: 'Token {key.apiKey}' },
    identity: { pointer: '/key_id', equals: '{key.keyId}' },
    propagation: { maxWaitMs: 2000, intervalMs: 200 },
  },
  revoke: {
    method: 'DELETE',
    path: '/v1/keys/{id}',
    credential: 'admin',
    auth: { header: 'X-Admin-Token', value: '{admin.token}' },
    goneStatus: [404, 410],
  },
};
