import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from '../http/listen';
import { headerValue, readRequestBody } from '../http/request-body';

/**
 * The shared core of keyturn's local key providers (sendgrid.ts, twilio.ts, datadog.ts, cloudflare.ts): a real
 * HTTP server on loopback holding the account's keys, which each provider module answers for with that
 * provider's documented paths, shapes, statuses, key cap and rate limits. Keys are real credentials here:
 * a revoked or unknown key is refused (401/403 as the provider does), so "the old key no longer works" is
 * proven by a request, not by a flag.
 */

export interface FakeKey {
  readonly id: string;
  readonly name: string;
  readonly value: string;
  /** The admin credential (minting and revoking keys), or a key like the ones rotated. */
  readonly admin: boolean;
  readonly createdAt: Date;
  lastUsedAt: Date | null;
  /** What the provider keeps with a key (SendGrid's scopes, Cloudflare's policies). */
  readonly grants?: unknown;
}

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  header(name: string): string | undefined;
  readonly body: string;
  /** The path's `:name` segments. */
  readonly params: Readonly<Record<string, string>>;
}

export interface FakeResponse {
  readonly status: number;
  readonly json?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface FakeRoute {
  readonly method: string;
  /** `/v3/api_keys/:id`: segments starting with `:` match one path segment. */
  readonly path: string;
  /** The route's rate-limit bucket (providers limit per endpoint or per user). */
  readonly bucket: string;
  /** Which of keyturn's calls this route serves, for planned faults. */
  readonly call: ProviderCall;
  handle(request: FakeRequest): FakeResponse;
}

/** A provider's rate limit: at most `limit` requests per bucket in `windowMs`. */
export interface RateLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/** How a provider says "too many requests": its status body and headers, given when the window resets. */
export type TooManyRequests = (resetAt: Date, limit: RateLimit) => FakeResponse;

export type ProviderCall = 'create' | 'list' | 'verify' | 'revoke';

/**
 * A planned failure of the next requests of one call: answered with `response`, changing nothing
 * (`before-applying`), or after the provider did the work (`after-applying`: a key created, then a 500 or a
 * broken answer, as when the connection drops or the function dies before reading the answer).
 */
interface PlannedFault {
  readonly call: ProviderCall;
  remaining: number;
  readonly response: FakeResponse | 'too-many-requests';
  readonly timing: 'before-applying' | 'after-applying';
}

export interface FakeProviderOptions {
  readonly rateLimit: RateLimit;
  readonly tooManyRequests: TooManyRequests;
  readonly now?: () => number;
}

export class FakeProvider {
  readonly keys = new Map<string, FakeKey>();
  private readonly faults: PlannedFault[] = [];
  private readonly windows = new Map<string, { start: number; count: number }>();
  /** Every key value this provider ever issued, revoked ones included (tests: none may reach a log). */
  readonly issuedValues: string[] = [];
  /** Every request answered, as `call status` (no headers or bodies: they hold keys). */
  readonly requests: string[] = [];
  private server?: Server;
  endpoint = '';
  private rateLimit: RateLimit;

  constructor(
    private readonly routes: readonly FakeRoute[],
    private readonly options: FakeProviderOptions,
  ) {
    this.rateLimit = options.rateLimit;
  }

  now(): Date {
    return new Date(this.options.now?.() ?? Date.now());
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      void this.answer(request).then(({ status, json, headers }) => {
        response.writeHead(status, {
          ...(json === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...headers,
        });
        response.end(json === undefined ? undefined : JSON.stringify(json));
      });
    });
    this.endpoint = await listenOnLoopback(this.server);
    return this;
  }

  async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
  }

  /** The next `count` requests of `call` fail with `response` (or the provider's own 429 answer). */
  failNext(
    call: ProviderCall,
    response: FakeResponse | 'too-many-requests',
    options: { count?: number; timing?: 'before-applying' | 'after-applying' } = {},
  ): void {
    this.faults.push({ call, remaining: options.count ?? 1, response, timing: options.timing ?? 'before-applying' });
  }

  /** Which of keyturn's calls a request to `method path` is (undefined: no route), e.g. for a tap in front of the fake. */
  callOf(method: string, path: string): ProviderCall | undefined {
    return this.routes.find((route) => route.method === method && matchPath(route.path, path) !== undefined)?.call;
  }

  /** Drops every planned failure not taken yet. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Tightens (or restores) the rate limit, to exercise 429s without thousands of requests. */
  setRateLimit(limit: RateLimit): void {
    this.rateLimit = limit;
    this.windows.clear();
  }

  /** Adds a key directly (the admin credential, a hand-made first key, a key a crashed attempt left). */
  addKey(key: Omit<FakeKey, 'createdAt' | 'lastUsedAt'> & { createdAt?: Date }): FakeKey {
    const stored: FakeKey = { createdAt: this.now(), lastUsedAt: null, ...key };
    this.keys.set(stored.id, stored);
    this.issuedValues.push(stored.value);
    return stored;
  }

  /** The key a request's credential value belongs to, marked used; undefined when unknown or revoked. */
  authenticate(value: string | undefined): FakeKey | undefined {
    if (value === undefined || value === '') return undefined;
    for (const key of this.keys.values()) {
      if (key.value === value) {
        key.lastUsedAt = this.now();
        return key;
      }
    }
    return undefined;
  }

  /** Keys that are not the admin credential, as the provider lists them. */
  listedKeys(): FakeKey[] {
    return [...this.keys.values()];
  }

  /** Whether a key by this name exists (tests: exactly one key per rotation). */
  keysNamed(name: string): FakeKey[] {
    return [...this.keys.values()].filter((k) => k.name === name);
  }

  private async answer(request: IncomingMessage): Promise<FakeResponse> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    const body = await readRequestBody(request, 64 * 1024);
    for (const route of this.routes) {
      const params = matchPath(route.path, url.pathname);
      if (route.method !== method || params === undefined) continue;
      const fakeRequest: FakeRequest = {
        method,
        path: url.pathname,
        query: url.searchParams,
        header: (name) => headerValue(request, name),
        body,
        params,
      };
      const limited = this.rateLimited(route.bucket);
      const fault = limited ? undefined : this.takeFault(route.call);
      let response: FakeResponse;
      if (limited) response = limited;
      else if (!fault) response = safely(route, fakeRequest);
      else {
        if (fault.timing === 'after-applying') safely(route, fakeRequest);
        response =
          fault.response === 'too-many-requests'
            ? this.options.tooManyRequests(new Date(this.now().getTime() + 1000), this.rateLimit)
            : fault.response;
      }
      this.requests.push(`${route.call} ${response.status}`);
      return response;
    }
    return { status: 404, json: { errors: [{ message: 'not found' }] } };
  }

  private rateLimited(bucket: string): FakeResponse | undefined {
    const at = this.now().getTime();
    const window = this.windows.get(bucket);
    const current = window && at - window.start < this.rateLimit.windowMs ? window : { start: at, count: 0 };
    current.count += 1;
    this.windows.set(bucket, current);
    if (current.count <= this.rateLimit.limit) return undefined;
    return this.options.tooManyRequests(new Date(current.start + this.rateLimit.windowMs), this.rateLimit);
  }

  private takeFault(call: ProviderCall): PlannedFault | undefined {
    const fault = this.faults.find((f) => f.call === call && f.remaining > 0);
    if (fault) fault.remaining -= 1;
    return fault;
  }
}

function safely(route: FakeRoute, request: FakeRequest): FakeResponse {
  try {
    return route.handle(request);
  } catch {
    return { status: 500, json: { errors: [{ message: 'internal error' }] } };
  }
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    const g = got[i] ?? '';
    if (w.startsWith(':')) {
      // `:sid.json`: a parameter with a fixed suffix.
      const [name = '', suffix = ''] = w.slice(1).split(/(?=\.)/);
      if (!g.endsWith(suffix) || g.length === suffix.length) return undefined;
      params[name] = decodeURIComponent(g.slice(0, g.length - suffix.length));
    } else if (w !== g) return undefined;
  }
  return params;
}

/** Random text for key values and ids (node:crypto). */
export function randomText(
  length: number,
  alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

export function randomHex(length: number): string {
  return randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);
}

export { randomUUID };

/** The credential of a Bearer Authorization header. */
export function bearer(request: FakeRequest): string | undefined {
  const match = /^Bearer (.+)$/.exec(request.header('authorization') ?? '');
  return match?.[1];
}

/** The user and password of a Basic Authorization header. */
export function basic(request: FakeRequest): { user: string; password: string } | undefined {
  const match = /^Basic (.+)$/.exec(request.header('authorization') ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A JSON request body, or undefined when it is not JSON. */
export function jsonBody(request: FakeRequest): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(request.body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
