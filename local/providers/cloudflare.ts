import {
  bearer,
  FakeProvider,
  jsonBody,
  randomHex,
  randomText,
  type FakeKey,
  type FakeRequest,
  type FakeResponse,
} from './fake-provider';

/**
 * A local Cloudflare (user API tokens, client v4), as Cloudflare's API reference documents it:
 * - Bearer tokens; answers are `{success, errors: [{code, message}], messages, result}`.
 * - `POST /client/v4/user/tokens` `{name, policies}` → 200 `{result: {id, name, status, issued_on, modified_on,
 *   last_used_on, policies, value}}`: the value only here; the caller needs permission to write API tokens;
 *   at most 50 user tokens.
 * - `GET /client/v4/user/tokens?per_page=` → `{result: [...without value], result_info}`.
 * - `DELETE /client/v4/user/tokens/{id}` → 200 `{result: {id}}`, 404 for an unknown id.
 * - `GET /client/v4/user/tokens/verify` → 200 `{result: {id, status: "active"}}`; an unknown or deleted token
 *   gets 401 (code 1000, "Invalid API Token").
 * - Rate limit: 1200 requests per 5 minutes per user, then 429 with `retry-after` (seconds).
 */
export const CLOUDFLARE_MAX_USER_TOKENS = 50;
export const CLOUDFLARE_TOKENS_WRITE = 'API Tokens Write';

const failure = (status: number, code: number, message: string): FakeResponse => ({
  status,
  json: { success: false, errors: [{ code, message }], messages: [], result: null },
});
const invalidToken = failure(401, 1000, 'Invalid API Token');

export class FakeCloudflare extends FakeProvider {
  constructor() {
    super(
      [
        {
          method: 'POST',
          path: '/client/v4/user/tokens',
          bucket: 'user',
          call: 'create',
          handle: (r) => this.create(r),
        },
        {
          method: 'GET',
          path: '/client/v4/user/tokens/verify',
          bucket: 'user',
          call: 'verify',
          handle: (r) => this.verify(r),
        },
        { method: 'GET', path: '/client/v4/user/tokens', bucket: 'user', call: 'list', handle: (r) => this.list(r) },
        {
          method: 'DELETE',
          path: '/client/v4/user/tokens/:id',
          bucket: 'user',
          call: 'revoke',
          handle: (r) => this.remove(r),
        },
      ],
      {
        rateLimit: { limit: 1200, windowMs: 300_000 },
        tooManyRequests: (resetAt) => ({
          ...failure(429, 10000, 'Rate limited. Please wait and consider throttling your request speed'),
          headers: { 'retry-after': String(Math.max(1, Math.ceil((resetAt.getTime() - Date.now()) / 1000))) },
        }),
      },
    );
  }

  addToken(name: string, policies: unknown[], admin = false): FakeKey {
    return this.addKey({ id: randomHex(32), name, value: randomText(40), admin, grants: policies });
  }

  private caller(request: FakeRequest): FakeKey | undefined {
    return this.authenticate(bearer(request));
  }

  private requireTokensWrite(request: FakeRequest): FakeResponse | undefined {
    const caller = this.caller(request);
    if (!caller) return invalidToken;
    if (!caller.admin) return failure(403, 9109, 'Unauthorized to access requested resource');
    return undefined;
  }

  private create(request: FakeRequest): FakeResponse {
    const refused = this.requireTokensWrite(request);
    if (refused) return refused;
    const body = jsonBody(request);
    const name = body?.name;
    const policies = body?.policies;
    if (typeof name !== 'string' || name === '' || name.length > 120) return failure(400, 1001, 'name is required');
    if (!Array.isArray(policies) || policies.length === 0) return failure(400, 1002, 'policies are required');
    if (this.keys.size >= CLOUDFLARE_MAX_USER_TOKENS) return failure(400, 1003, 'maximum number of API tokens reached');
    const token = this.addToken(name, policies);
    return {
      status: 200,
      json: { success: true, errors: [], messages: [], result: { ...this.describe(token), value: token.value } },
    };
  }

  private list(request: FakeRequest): FakeResponse {
    const refused = this.requireTokensWrite(request);
    if (refused) return refused;
    const perPage = Math.min(50, Math.max(5, Number(request.query.get('per_page') ?? '20') || 20));
    const all = this.listedKeys();
    return {
      status: 200,
      json: {
        success: true,
        errors: [],
        messages: [],
        result: all.slice(0, perPage).map((t) => this.describe(t)),
        result_info: { page: 1, per_page: perPage, count: Math.min(perPage, all.length), total_count: all.length },
      },
    };
  }

  private remove(request: FakeRequest): FakeResponse {
    const refused = this.requireTokensWrite(request);
    if (refused) return refused;
    const id = request.params.id ?? '';
    if (!this.keys.has(id)) return failure(404, 1003, 'Token not found');
    this.keys.delete(id);
    return { status: 200, json: { success: true, errors: [], messages: [], result: { id } } };
  }

  private verify(request: FakeRequest): FakeResponse {
    const caller = this.caller(request);
    if (!caller) return invalidToken;
    return {
      status: 200,
      json: {
        success: true,
        errors: [],
        messages: [{ code: 10000, message: 'This API Token is valid and active' }],
        result: { id: caller.id, status: 'active' },
      },
    };
  }

  private describe(token: FakeKey) {
    return {
      id: token.id,
      name: token.name,
      status: 'active',
      issued_on: token.createdAt.toISOString(),
      modified_on: token.createdAt.toISOString(),
      last_used_on: token.lastUsedAt?.toISOString() ?? null,
      policies: token.grants,
    };
  }
}

export async function startFakeCloudflare(): Promise<FakeCloudflare> {
  return new FakeCloudflare().start();
}
