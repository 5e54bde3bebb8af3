import {
  bearer,
  FakeProvider,
  jsonBody,
  randomText,
  type FakeKey,
  type FakeRequest,
  type FakeResponse,
} from './fake-provider';

/**
 * A local SendGrid (v3 API keys), as Twilio SendGrid's API reference documents it:
 * - `POST /v3/api_keys` `{name, scopes?}` → 201 `{api_key, api_key_id, name, scopes}`; the key (69 characters,
 *   `SG.<22>.<43>`) is shown only here; `name` is required (400); at most 100 keys per account (403 past it);
 *   the caller needs the `api_keys.create` scope and cannot grant scopes it lacks.
 * - `GET /v3/api_keys?limit=` → `{result: [{name, api_key_id}]}` (`api_keys.read`).
 * - `DELETE /v3/api_keys/{id}` → 204, 404 for an unknown id (`api_keys.delete`).
 * - `GET /v3/scopes` → `{scopes: [...]}` for any valid key.
 * - Unknown or revoked keys: 401 `{errors: [{field: null, message: "authorization required"}]}`.
 * - Rate limits per endpoint: 429 `{errors: [{message: "too many requests"}]}` with `X-RateLimit-Limit`,
 *   `X-RateLimit-Remaining: 0` and `X-RateLimit-Reset` (a Unix time in seconds).
 */
export const SENDGRID_MAX_KEYS = 100;
export const SENDGRID_ADMIN_SCOPES = [
  'api_keys.create',
  'api_keys.read',
  'api_keys.update',
  'api_keys.delete',
  'mail.send',
];

const unauthorized: FakeResponse = {
  status: 401,
  json: { errors: [{ field: null, message: 'authorization required' }] },
};
const forbidden = (message: string): FakeResponse => ({ status: 403, json: { errors: [{ field: null, message }] } });

function scopesOf(key: FakeKey): string[] {
  return Array.isArray(key.grants) ? (key.grants as string[]) : [];
}

export class FakeSendGrid extends FakeProvider {
  constructor() {
    super(
      [
        { method: 'POST', path: '/v3/api_keys', bucket: 'api_keys', call: 'create', handle: (r) => this.create(r) },
        { method: 'GET', path: '/v3/api_keys', bucket: 'api_keys', call: 'list', handle: (r) => this.list(r) },
        {
          method: 'DELETE',
          path: '/v3/api_keys/:id',
          bucket: 'api_keys',
          call: 'revoke',
          handle: (r) => this.remove(r),
        },
        { method: 'GET', path: '/v3/scopes', bucket: 'scopes', call: 'verify', handle: (r) => this.scopes(r) },
      ],
      {
        // SendGrid's v3 limits are per endpoint; a generous default, tightened by tests.
        rateLimit: { limit: 600, windowMs: 60_000 },
        tooManyRequests: (resetAt, limit) => ({
          status: 429,
          json: { errors: [{ field: null, message: 'too many requests' }] },
          headers: {
            'X-RateLimit-Limit': String(limit.limit),
            'X-RateLimit-Remaining': '0',
            'X-RateLimit-Reset': String(Math.ceil(resetAt.getTime() / 1000)),
          },
        }),
      },
    );
  }

  /** A key made in the SendGrid app (the first admin key, or a consumer's key before keyturn adopts it). */
  addSendGridKey(name: string, scopes: string[], admin = false): FakeKey {
    return this.addKey({ id: randomText(22), name, value: newKeyValue(), admin, grants: scopes });
  }

  private caller(request: FakeRequest, scope?: string): FakeKey | FakeResponse {
    const key = this.authenticate(bearer(request));
    if (!key) return unauthorized;
    if (scope !== undefined && !scopesOf(key).includes(scope)) return forbidden(`access forbidden: requires ${scope}`);
    return key;
  }

  private create(request: FakeRequest): FakeResponse {
    const caller = this.caller(request, 'api_keys.create');
    if ('status' in caller) return caller;
    const body = jsonBody(request);
    const name = body?.name;
    if (typeof name !== 'string' || name === '' || name.length > 100) {
      return { status: 400, json: { errors: [{ field: 'name', message: 'missing required argument' }] } };
    }
    if (this.keys.size >= SENDGRID_MAX_KEYS) return forbidden('Cannot create more than 100 API keys');
    const requested = body?.scopes;
    if (requested !== undefined && (!Array.isArray(requested) || requested.some((s) => typeof s !== 'string'))) {
      return { status: 400, json: { errors: [{ field: 'scopes', message: 'scopes must be an array of strings' }] } };
    }
    const scopes = (requested as string[] | undefined) ?? scopesOf(caller);
    if (scopes.some((s) => !scopesOf(caller).includes(s))) return forbidden('cannot grant scopes the key lacks');
    const key = this.addKey({ id: randomText(22), name, value: newKeyValue(), admin: false, grants: scopes });
    return { status: 201, json: { api_key: key.value, api_key_id: key.id, name, scopes } };
  }

  private list(request: FakeRequest): FakeResponse {
    const caller = this.caller(request, 'api_keys.read');
    if ('status' in caller) return caller;
    const limit = Number(request.query.get('limit') ?? '50');
    const result = this.listedKeys()
      .slice(0, Number.isInteger(limit) && limit > 0 ? limit : 50)
      .map((k) => ({ name: k.name, api_key_id: k.id }));
    return { status: 200, json: { result } };
  }

  private remove(request: FakeRequest): FakeResponse {
    const caller = this.caller(request, 'api_keys.delete');
    if ('status' in caller) return caller;
    const id = request.params.id ?? '';
    if (!this.keys.has(id))
      return { status: 404, json: { errors: [{ field: null, message: 'unable to find API Key' }] } };
    this.keys.delete(id);
    return { status: 204 };
  }

  private scopes(request: FakeRequest): FakeResponse {
    const caller = this.caller(request);
    if ('status' in caller) return caller;
    return { status: 200, json: { scopes: scopesOf(caller) } };
  }
}

function newKeyValue(): string {
  return `SG.${randomText(22)}.${randomText(43, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')}`;
}

export async function startFakeSendGrid(): Promise<FakeSendGrid> {
  return new FakeSendGrid().start();
}
