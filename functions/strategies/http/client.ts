import { DeadlineExceededError, sleepWithin, waitBudgetMs, type Deadline } from '../../shared/deadline';
import {
  ProviderHostNotAllowedError,
  ProviderRateLimitedError,
  ProviderRequestError,
  ProviderResponseError,
  ProviderUnreachableError,
} from './errors';
import { requireAllowedUrl } from './hosts';
import { allowedHostsOf, type CallSpec, type ProviderSpec } from './spec';
import { renderHeader, renderJson, renderString, type TemplateValues } from './template';

/** One HTTP request as keyturn sends it. Headers and body may hold keys: never log them. */
export interface HttpRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface HttpResponse {
  readonly status: number;
  header(name: string): string | undefined;
  /** The body as text. It may hold a key: never log it or put it in an error. */
  readonly text: string;
}

/** Sends one request and returns the answer, redirects NOT followed; tests may pass their own. */
export type HttpSend = (request: HttpRequest, timeoutMs: number) => Promise<HttpResponse>;

/** Node's fetch, redirects returned as they are (the caller decides), aborted after `timeoutMs`. */
export const fetchSend: HttpSend = async (request, timeoutMs) => {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  return { status: response.status, header: (name) => response.headers.get(name) ?? undefined, text };
};

const DEFAULT_TIMEOUT_MS = 10_000;
/** 429s answered before giving up, each wait bounded by the deadline. */
const MAX_RATE_LIMITED_ATTEMPTS = 5;
/** Without Retry-After or a reset header, how long to wait after a 429. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1_000;
const MAX_SAME_HOST_REDIRECTS = 3;

/** What a status says about a call, for errors (never the body). */
export function statusMeaning(status: number, credential: 'key' | 'admin'): string {
  const who = credential === 'admin' ? 'the admin credential' : 'the key';
  if (status === 401) return `${who} was not accepted`;
  if (status === 403) return `${who} may not do this (missing permission, or an account limit such as the key cap)`;
  if (status === 404) return 'not found';
  if (status === 429) return 'rate limited';
  if (status >= 500) return 'the provider failed';
  return 'unexpected answer';
}

/**
 * Makes a provider spec's calls: URLs and headers from templates, only to allowed hosts, within the spec's
 * timeout and the invocation's deadline, waiting out 429s (Retry-After, or the spec's reset header) while the
 * deadline allows. Redirects are followed only to the same origin (scheme, host and port): a redirect to another
 * host or from HTTPS to HTTP is refused, so a key is never sent elsewhere.
 */
export class ProviderClient {
  constructor(
    readonly spec: ProviderSpec,
    private readonly send: HttpSend,
    private readonly deadline: Deadline,
    private readonly now: () => number = Date.now,
  ) {}

  get provider(): string {
    return this.spec.name;
  }

  /** The response to `call`, whatever its status (callers judge it with {@link expectStatus}). */
  async call(callName: string, call: CallSpec, values: TemplateValues, pathOverride?: string): Promise<HttpResponse> {
    const url = this.url(callName, pathOverride ?? renderString(call.path, values, encodeURIComponent));
    const request: HttpRequest = {
      method: call.method,
      url,
      headers: this.headers(call, values),
      body: this.body(call, values),
    };
    const headers = { ...request.headers };
    if (request.body !== undefined)
      headers['Content-Type'] = 'form' in call && call.form ? 'application/x-www-form-urlencoded' : 'application/json';
    let current: HttpRequest = { ...request, headers };
    let redirects = 0;
    for (let attempt = 1; ; attempt++) {
      const response = await this.sendOnce(callName, current);
      if (response.status >= 300 && response.status < 400 && response.header('location') !== undefined) {
        const target = new URL(response.header('location') ?? '', current.url);
        if (target.origin !== current.url.origin || ++redirects > MAX_SAME_HOST_REDIRECTS) {
          throw new ProviderHostNotAllowedError(
            `${this.provider} ${callName}: HTTP ${response.status} redirect to ${target.protocol}//${target.host} refused ` +
              '(keyturn follows redirects only within the same scheme, host and port, at most 3)',
          );
        }
        current = { ...current, url: target };
        continue;
      }
      if (response.status !== 429) return response;
      if (attempt >= MAX_RATE_LIMITED_ATTEMPTS) {
        throw new ProviderRateLimitedError(
          `${this.provider} ${callName}: HTTP 429 (rate limited) ${attempt} times in a row`,
        );
      }
      const waitMs = this.rateLimitWaitMs(response);
      try {
        await sleepWithin(this.deadline, waitMs, `${this.provider}'s rate limit`);
      } catch (error) {
        if (!(error instanceof DeadlineExceededError)) throw error;
        throw new ProviderRateLimitedError(
          `${this.provider} ${callName}: HTTP 429 (rate limited), and the provider asks to wait ${waitMs} ms, ` +
            `more than this invocation has left (${this.deadline.remainingMs()} ms): nothing was changed by this call`,
        );
      }
    }
  }

  /** Throws ProviderRequestError naming the provider, the call and the status unless it is one of `ok`. */
  expectStatus(callName: string, call: CallSpec, response: HttpResponse, ok: readonly number[]): void {
    if (ok.includes(response.status)) return;
    throw new ProviderRequestError(
      `${this.provider} ${callName}: HTTP ${response.status} (${statusMeaning(response.status, call.credential)})`,
      this.provider,
      callName,
      response.status,
    );
  }

  /** The response body as JSON; an error that never quotes the body otherwise. */
  json(callName: string, response: HttpResponse): unknown {
    try {
      return JSON.parse(response.text) as unknown;
    } catch {
      throw new ProviderResponseError(`${this.provider} ${callName}: the answer (HTTP ${response.status}) is not JSON`);
    }
  }

  /** A path or absolute URL from a response (a next-page link), checked like any other. */
  resolve(callName: string, link: string): URL {
    return this.url(callName, link);
  }

  private url(callName: string, pathOrUrl: string): URL {
    const url = new URL(pathOrUrl, this.spec.baseUrl);
    requireAllowedUrl(url, allowedHostsOf(this.spec), this.provider, callName);
    // A base URL on HTTPS is never left for HTTP, whatever a link says.
    if (new URL(this.spec.baseUrl).protocol === 'https:' && url.protocol !== 'https:') {
      throw new ProviderHostNotAllowedError(
        `${this.provider} ${callName}: refused, a link leaves HTTPS for ${url.protocol}`,
      );
    }
    return url;
  }

  private headers(call: CallSpec, values: TemplateValues): Record<string, string> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'keyturn' };
    for (const [name, template] of Object.entries(call.headers ?? {})) headers[name] = renderHeader(template, values);
    const auth = call.auth;
    if ('bearer' in auth) headers.Authorization = `Bearer ${renderHeader(auth.bearer, values)}`;
    else if ('basic' in auth) {
      const user = renderHeader(auth.basic.username, values);
      const password = renderHeader(auth.basic.password, values);
      headers.Authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    } else headers[auth.header] = renderHeader(auth.value, values);
    return headers;
  }

  private body(call: CallSpec, values: TemplateValues): string | undefined {
    if ('form' in call && call.form !== undefined) {
      return new URLSearchParams(
        Object.entries(call.form).map(([name, template]): [string, string] => [name, renderString(template, values)]),
      ).toString();
    }
    if ('body' in call && call.body !== undefined) return JSON.stringify(renderJson(call.body, values));
    return undefined;
  }

  private async sendOnce(callName: string, request: HttpRequest): Promise<HttpResponse> {
    const timeoutMs = Math.min(this.spec.timeoutMs ?? DEFAULT_TIMEOUT_MS, waitBudgetMs(this.deadline));
    if (timeoutMs <= 0) {
      throw new ProviderUnreachableError(
        `${this.provider} ${callName}: no time left in this invocation to call the provider`,
      );
    }
    try {
      return await this.send(request, timeoutMs);
    } catch (error) {
      // The cause's code only: a fetch error's message may quote the request.
      const cause = (error as { cause?: { code?: unknown } }).cause;
      const code = typeof cause?.code === 'string' ? cause.code : (error as Error).name;
      throw new ProviderUnreachableError(
        code === 'TimeoutError' || code === 'AbortError'
          ? `${this.provider} ${callName}: no answer from ${request.url.host} within ${timeoutMs} ms`
          : `${this.provider} ${callName}: ${request.url.host} could not be reached (${code})`,
      );
    }
  }

  private rateLimitWaitMs(response: HttpResponse): number {
    const retryAfter = response.header('retry-after')?.trim();
    if (retryAfter !== undefined && retryAfter !== '') {
      if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
      const at = Date.parse(retryAfter);
      if (!Number.isNaN(at)) return Math.max(0, at - this.now());
    }
    const reset = this.spec.rateLimit && response.header(this.spec.rateLimit.resetHeader)?.trim();
    if (reset && /^\d+(\.\d+)?$/.test(reset)) {
      const seconds = Number(reset);
      return this.spec.rateLimit?.resetUnit === 'epoch-seconds'
        ? Math.max(0, Math.ceil(seconds * 1000 - this.now()))
        : Math.ceil(seconds * 1000);
    }
    return DEFAULT_RATE_LIMIT_WAIT_MS;
  }
}
