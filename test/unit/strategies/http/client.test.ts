import { deadlineIn } from '../../../../functions/shared/deadline';
import {
  ProviderClient,
  type HttpRequest,
  type HttpResponse,
  type HttpSend,
} from '../../../../functions/strategies/http/client';
import { ProviderApi } from '../../../../functions/strategies/http/provider-api';
import { providerSpecSchema } from '../../../../functions/strategies/http/spec';
import { ACME_SPEC } from '../../../../local/providers/acme';

/**
 * The HTTP client's own rules, with a scripted `send` (the real HTTP paths are covered against the local
 * providers in test/integration/rotation/http-api-key*.test.ts).
 */
const NOW = Date.parse('2026-12-07T04:00:00Z');
const spec = providerSpecSchema.parse({
  ...ACME_SPEC,
  rateLimit: { resetHeader: 'X-RateLimit-Reset', resetUnit: 'epoch-seconds' },
});

function response(status: number, json?: unknown, headers: Record<string, string> = {}): HttpResponse {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { status, text: json === undefined ? '' : JSON.stringify(json), header: (name) => lower[name.toLowerCase()] };
}

function scripted(...answers: HttpResponse[]): { send: HttpSend; sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  return {
    sent,
    send: (request) => {
      sent.push(request);
      const next = answers.shift();
      return next ? Promise.resolve(next) : Promise.reject(new Error('no more answers'));
    },
  };
}

function apiWith(send: HttpSend, remainingMs = 60_000) {
  const client = new ProviderClient(spec, send, deadlineIn(remainingMs), () => NOW);
  return new ProviderApi(client, { admin: { token: 'admin-token-value' } });
}

describe('the provider HTTP client', () => {
  it('waits out a 429 for Retry-After seconds, an HTTP date, or the reset header, then retries', async () => {
    const waits: number[] = [];
    jest.spyOn(global, 'setTimeout').mockImplementation((fn: () => void, ms?: number) => {
      waits.push(ms ?? 0);
      fn();
      return 0 as unknown as NodeJS.Timeout;
    });
    const { send, sent } = scripted(
      response(429, {}, { 'Retry-After': '2' }),
      response(429, {}, { 'Retry-After': new Date(NOW + 3000).toUTCString() }),
      response(429, {}, { 'X-RateLimit-Reset': String((NOW + 4000) / 1000) }),
      response(200, { keys: [{ id: 'k1', label: 'keyturn-t', last_used_at: null }] }),
    );

    const keys = await apiWith(send).list();

    expect(keys).toEqual([{ id: 'k1', name: 'keyturn-t', lastUsed: null }]);
    expect(waits).toEqual([2000, 3000, 4000]);
    expect(sent).toHaveLength(4);
    jest.restoreAllMocks();
  });

  it('gives up on a 429 whose wait outlasts the invocation, naming the provider and the call', async () => {
    const { send } = scripted(response(429, {}, { 'Retry-After': '120' }));
    await expect(apiWith(send, 30_000).list()).rejects.toMatchObject({
      name: 'ProviderRateLimitedError',
      message: expect.stringMatching(
        /^acme-notify list keys: HTTP 429 \(rate limited\), and the provider asks to wait 120000 ms/,
      ) as string,
    });
  });

  it('follows a redirect within the same origin, refuses one to another host or from HTTPS to HTTP', async () => {
    const same = scripted(response(302, undefined, { Location: '/v1/keys?page=2' }), response(200, { keys: [] }));
    await expect(apiWith(same.send).list()).resolves.toEqual([]);
    expect(same.sent.map((r) => r.url.href)).toEqual([
      'https://api.acme-notify.example/v1/keys',
      'https://api.acme-notify.example/v1/keys?page=2',
    ]);

    for (const location of ['https://evil.example/v1/keys', 'http://api.acme-notify.example/v1/keys']) {
      const other = scripted(response(301, undefined, { Location: location }));
      await expect(apiWith(other.send).list()).rejects.toMatchObject({ name: 'ProviderHostNotAllowedError' });
      expect(other.sent).toHaveLength(1);
    }
  });

  it('reports a timeout or a refused connection by its code, never the request', async () => {
    const timeout: HttpSend = () =>
      Promise.reject(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }));
    await expect(apiWith(timeout).list()).rejects.toMatchObject({
      name: 'ProviderUnreachableError',
      message: expect.stringMatching(
        /^acme-notify list keys: no answer from api\.acme-notify\.example within \d+ ms$/,
      ) as string,
    });
    const refused: HttpSend = () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }));
    await expect(apiWith(refused).list()).rejects.toThrow(
      'acme-notify list keys: api.acme-notify.example could not be reached (ECONNREFUSED)',
    );
  });

  it('says which part of a create answer is missing, never quoting the answer', async () => {
    const { send } = scripted(response(201, { key: { id: 'k9', note: 'sk_live_should_not_leak' } }));
    const error = await apiWith(send)
      .create('keyturn-t')
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error).toMatchObject({ name: 'ProviderResponseError' });
    expect(error?.message).toMatch(/^acme-notify create key: HTTP 201 without the key's value \(\/key\/secret\)/);
    expect(error?.message).not.toContain('sk_live_should_not_leak');
  });

  it('sends the admin credential as the spec says, and a JSON body with the name', async () => {
    const { send, sent } = scripted(response(201, { key: { id: 'k1', secret: 's1' } }));
    await expect(apiWith(send).create('keyturn-t')).resolves.toEqual({ apiKey: 's1', keyId: 'k1' });
    expect(sent[0]?.headers).toMatchObject({
      'X-Admin-Token': 'admin-token-value',
      'Content-Type': 'application/json',
    });
    expect(JSON.parse(sent[0]?.body ?? '')).toEqual({ label: 'keyturn-t' });
  });
});
