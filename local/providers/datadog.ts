import {
  FakeProvider,
  jsonBody,
  randomHex,
  randomUUID,
  type FakeKey,
  type FakeRequest,
  type FakeResponse,
} from './fake-provider';

/**
 * A local Datadog (v2 Key Management, v1 validate), as Datadog's API reference documents it:
 * - Key management needs an API key (`DD-API-KEY`) and an application key (`DD-APPLICATION-KEY`) of a user
 *   with `api_keys_write`; otherwise 403 `{errors: ["Forbidden"]}`.
 * - `POST /api/v2/api_keys` `{data: {type: "api_keys", attributes: {name}}}` → 201 `{data: {type, id,
 *   attributes: {key, name, last4, created_at, modified_at, date_last_used}}}`; 400 without a name.
 * - `GET /api/v2/api_keys?page[size]=&page[number]=` → `{data: [...without key], meta: {page: {total_filtered_count}}}`.
 * - `DELETE /api/v2/api_keys/{id}` → 204, 404 for an unknown id.
 * - `GET /api/v1/validate` with `DD-API-KEY` → 200 `{valid: true}`, 403 `{errors: ["Forbidden"]}` otherwise.
 * - 429 `{errors: ["Too many requests"]}` with `X-RateLimit-Limit`, `-Period`, `-Remaining`, `-Reset` (seconds
 *   until the window resets) and `-Name`.
 */
const forbidden: FakeResponse = { status: 403, json: { errors: ['Forbidden'] } };

export class FakeDatadog extends FakeProvider {
  /** Application keys: not API keys, never listed by /api/v2/api_keys. */
  readonly applicationKeys = new Set<string>();

  constructor() {
    super(
      [
        { method: 'POST', path: '/api/v2/api_keys', bucket: 'api_keys', call: 'create', handle: (r) => this.create(r) },
        { method: 'GET', path: '/api/v2/api_keys', bucket: 'api_keys', call: 'list', handle: (r) => this.list(r) },
        {
          method: 'DELETE',
          path: '/api/v2/api_keys/:id',
          bucket: 'api_keys',
          call: 'revoke',
          handle: (r) => this.remove(r),
        },
        {
          method: 'GET',
          path: '/api/v1/validate',
          bucket: 'validate',
          call: 'verify',
          handle: (r) => this.validate(r),
        },
      ],
      {
        rateLimit: { limit: 600, windowMs: 60_000 },
        tooManyRequests: (resetAt, limit) => ({
          status: 429,
          json: { errors: ['Too many requests'] },
          headers: {
            'X-RateLimit-Limit': String(limit.limit),
            'X-RateLimit-Period': String(Math.round(limit.windowMs / 1000)),
            'X-RateLimit-Remaining': '0',
            'X-RateLimit-Reset': String(Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000))),
            'X-RateLimit-Name': 'api_keys',
          },
        }),
      },
    );
  }

  addApiKey(name: string, admin = false): FakeKey {
    return this.addKey({ id: randomUUID(), name, value: randomHex(32), admin });
  }

  addApplicationKey(): string {
    const key = randomHex(40);
    this.applicationKeys.add(key);
    return key;
  }

  private manager(request: FakeRequest): FakeResponse | undefined {
    const apiKey = this.authenticate(request.header('dd-api-key'));
    const appKey = request.header('dd-application-key');
    if (!apiKey || appKey === undefined || !this.applicationKeys.has(appKey)) return forbidden;
    return undefined;
  }

  private create(request: FakeRequest): FakeResponse {
    const refused = this.manager(request);
    if (refused) return refused;
    const data = jsonBody(request)?.data as { type?: unknown; attributes?: { name?: unknown } } | undefined;
    const name = data?.attributes?.name;
    if (data?.type !== 'api_keys' || typeof name !== 'string' || name === '') {
      return { status: 400, json: { errors: ['Bad Request'] } };
    }
    const key = this.addApiKey(name);
    return {
      status: 201,
      json: { data: { type: 'api_keys', id: key.id, attributes: { ...this.attributes(key), key: key.value } } },
    };
  }

  private list(request: FakeRequest): FakeResponse {
    const refused = this.manager(request);
    if (refused) return refused;
    const size = Math.min(100, Math.max(1, Number(request.query.get('page[size]') ?? '10') || 10));
    const number = Math.max(0, Number(request.query.get('page[number]') ?? '0') || 0);
    const all = this.listedKeys();
    return {
      status: 200,
      json: {
        data: all
          .slice(number * size, (number + 1) * size)
          .map((k) => ({ type: 'api_keys', id: k.id, attributes: this.attributes(k) })),
        meta: { page: { total_filtered_count: all.length } },
      },
    };
  }

  private remove(request: FakeRequest): FakeResponse {
    const refused = this.manager(request);
    if (refused) return refused;
    const id = request.params.id ?? '';
    if (!this.keys.has(id)) return { status: 404, json: { errors: ['Not found'] } };
    this.keys.delete(id);
    return { status: 204 };
  }

  private validate(request: FakeRequest): FakeResponse {
    return this.authenticate(request.header('dd-api-key')) ? { status: 200, json: { valid: true } } : forbidden;
  }

  private attributes(key: FakeKey) {
    return {
      name: key.name,
      last4: key.value.slice(-4),
      created_at: key.createdAt.toISOString(),
      modified_at: key.createdAt.toISOString(),
      date_last_used: key.lastUsedAt?.toISOString() ?? null,
      category: 'default',
      remote_config_read_enabled: false,
    };
  }
}

export async function startFakeDatadog(): Promise<FakeDatadog> {
  return new FakeDatadog().start();
}
