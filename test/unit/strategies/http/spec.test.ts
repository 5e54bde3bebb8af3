import { isLoopbackHost, urlProblem } from '../../../../functions/strategies/http/hosts';
import { isJsonPointer, resolvePointer, stringAt } from '../../../../functions/strategies/http/json-pointer';
import { PRESET_NAMES, PROVIDER_PRESETS } from '../../../../functions/strategies/http/presets';
import { parseCustomSpecs, resolveProvider } from '../../../../functions/strategies/http/provider-config';
import { providerSpecSchema, specIssues, usesAdminCredential } from '../../../../functions/strategies/http/spec';
import { renderHeader, renderJson, renderString } from '../../../../functions/strategies/http/template';
import { OptionTag } from '../../../../functions/strategies/tag-options';
import { ACME_SPEC } from '../../../../local/providers/acme';

/** What `work` throws (it must throw). */
function thrown(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('nothing was thrown');
}

function issues(input: unknown): string[] {
  const result = providerSpecSchema.safeParse(input);
  return result.success ? [] : specIssues(result.error);
}

describe('provider specs', () => {
  it('the four presets are valid specs that mint keys with an admin credential', () => {
    expect(PRESET_NAMES).toEqual(['sendgrid', 'twilio', 'datadog', 'cloudflare']);
    for (const spec of Object.values(PROVIDER_PRESETS)) {
      expect(issues(spec)).toEqual([]);
      expect(usesAdminCredential(spec)).toBe(true);
      expect(new URL(spec.baseUrl).protocol).toBe('https:');
    }
  });

  it('accept the spec of docs/strategies.md, and loopback over plain HTTP (local fakes)', () => {
    expect(issues(ACME_SPEC)).toEqual([]);
    expect(issues({ ...ACME_SPEC, baseUrl: 'http://127.0.0.1:8080' })).toEqual([]);
  });

  it.each([
    [
      'plain HTTP to a real host',
      { baseUrl: 'http://api.acme-notify.example' },
      /baseUrl: http:\/\/api\.acme-notify\.example is not HTTPS/,
    ],
    [
      'a base URL with a path',
      { baseUrl: 'https://api.acme-notify.example/v1' },
      /baseUrl: must be scheme and host only/,
    ],
    [
      'a base URL outside its allowed hosts',
      { allowedHosts: ['other.example'] },
      /host api\.acme-notify\.example is not among the spec's allowed hosts/,
    ],
    ['an upper-case name', { name: 'Acme' }, /name: must be lowercase/],
    [
      'create without {name}',
      { create: { ...ACME_SPEC.create, body: { label: 'x' } } },
      /create: the body \(or form\) must send \{name\}/,
    ],
    [
      'an unknown placeholder',
      { create: { ...ACME_SPEC.create, body: { label: '{name}', x: '{user.id}' } } },
      /\{user\.id\} is not a known placeholder/,
    ],
    [
      'a key field that does not exist',
      { verify: { ...ACME_SPEC.verify, auth: { bearer: '{key.secret}' } } },
      /\{key\.secret\}: a key has only apiKey and keyId/,
    ],
    [
      'the admin credential in a call the key authenticates',
      { list: { ...ACME_SPEC.list, credential: 'key' } },
      /list is authenticated by the key: it cannot use \{admin\.token\}/,
    ],
    [
      'the rotated key in a call the admin authenticates',
      { revoke: { ...ACME_SPEC.revoke, headers: { 'X-Key': '{key.apiKey}' } } },
      /revoke is authenticated by the admin credential: it cannot send \{key\.apiKey\}/,
    ],
    [
      'verify authenticated by the admin',
      { verify: { ...ACME_SPEC.verify, credential: 'admin' } },
      /verify\.credential/,
    ],
    [
      'revoke without {id}',
      { revoke: { ...ACME_SPEC.revoke, path: '/v1/keys' } },
      /revoke\.path: must name the key to revoke with \{id\}/,
    ],
    [
      'a pointer without its slash',
      { create: { ...ACME_SPEC.create, idPointer: 'key/id' } },
      /create\.idPointer: must be a JSON Pointer/,
    ],
    [
      'a header name with a space',
      { create: { ...ACME_SPEC.create, headers: { 'X Admin': 'x' } } },
      /create\.headers\.X Admin: invalid key: must be an HTTP header name/,
    ],
  ])('refuse %s', (_, change, message) => {
    expect(issues({ ...ACME_SPEC, ...change }).join('\n')).toMatch(message);
  });
});

describe('templates', () => {
  const values = {
    name: 'keyturn-1',
    id: 'key/1 2',
    key: { apiKey: 'k-value', keyId: 'k-id' },
    secret: { accountSid: 'AC1', policies: [{ effect: 'allow' }] },
    admin: { token: 'admin-token' },
  };

  it('fill paths with URL-encoded values, headers and bodies with raw ones', () => {
    expect(renderString('/v1/keys/{id}', values, encodeURIComponent)).toBe('/v1/keys/key%2F1%202');
    expect(renderHeader('Token {key.apiKey}', values)).toBe('Token k-value');
    expect(
      renderJson({ name: '{name}', policies: '{secret.policies}', note: 'for {secret.accountSid}' }, values),
    ).toEqual({
      name: 'keyturn-1',
      policies: [{ effect: 'allow' }], // a whole-string placeholder keeps the value's JSON type
      note: 'for AC1',
    });
  });

  it('name the missing field, never a value', () => {
    expect(thrown(() => renderString('{admin.password}', values))).toMatchObject({
      name: 'AdminCredentialError',
      message: `the admin credential's secret has no field "password"`,
    });
    expect(thrown(() => renderString('{secret.scopes}', values))).toMatchObject({ name: 'InvalidSecretValueError' });
    expect(() => renderHeader('{secret.note}', { secret: { note: 'a\r\nX-Injected: 1' } })).toThrow(/line break/);
  });
});

describe('JSON pointers', () => {
  const doc = { result: { id: 'abc', 'a/b': 1, 'm~n': 2, list: [{ id: 7 }] } };
  it('resolve RFC 6901 pointers, escapes and array indexes included', () => {
    expect(stringAt(doc, '/result/id')).toBe('abc');
    expect(resolvePointer(doc, '/result/a~1b')).toBe(1);
    expect(resolvePointer(doc, '/result/m~0n')).toBe(2);
    expect(stringAt(doc, '/result/list/0/id')).toBe('7');
    expect(resolvePointer(doc, '')).toBe(doc);
    expect(resolvePointer(doc, '/result/list/01')).toBeUndefined();
    expect(resolvePointer(doc, '/result/missing/x')).toBeUndefined();
    expect(resolvePointer(doc, '/result/toString')).toBeUndefined(); // own properties only
    expect(isJsonPointer('result/id')).toBe(false);
    expect(isJsonPointer('/a~2')).toBe(false);
  });
});

describe('hosts', () => {
  it('allow HTTPS to listed hosts and plain HTTP to loopback only', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '[::1]'].every(isLoopbackHost)).toBe(true);
    expect(isLoopbackHost('127.0.0.1.evil.example')).toBe(false);
    expect(urlProblem(new URL('https://api.sendgrid.com/v3'), ['api.sendgrid.com'])).toBeUndefined();
    expect(urlProblem(new URL('http://127.0.0.1:9/v3'), ['api.sendgrid.com'])).toBeUndefined();
    expect(urlProblem(new URL('http://api.sendgrid.com/v3'), ['api.sendgrid.com'])).toMatch(/is not HTTPS/);
    expect(urlProblem(new URL('https://user:pw@api.sendgrid.com/'), ['api.sendgrid.com'])).toMatch(/holds credentials/);
    expect(urlProblem(new URL('https://api.sendgrid.com.evil.example/'), ['api.sendgrid.com'])).toMatch(/not among/);
  });
});

describe('which provider a secret names', () => {
  const custom = parseCustomSpecs(JSON.stringify([ACME_SPEC]));

  it('a preset, a custom spec, or a region on one of its allowed hosts, never wider', () => {
    expect(
      resolveProvider({ [OptionTag.httpProvider]: 'datadog', [OptionTag.httpAdminSecret]: 'arn' }, custom).spec.name,
    ).toBe('datadog');
    const eu = resolveProvider(
      {
        [OptionTag.httpProvider]: 'datadog',
        [OptionTag.httpBaseUrl]: 'https://api.datadoghq.eu',
        [OptionTag.httpAdminSecret]: 'arn',
      },
      custom,
    );
    expect(eu.spec.baseUrl).toBe('https://api.datadoghq.eu');
    expect(
      resolveProvider({ [OptionTag.httpProvider]: 'acme-notify', [OptionTag.httpAdminSecret]: 'arn' }, custom)
        .adminSecretArn,
    ).toBe('arn');
    // The custom spec allows only its own host: a base URL elsewhere is refused, even though no list was given.
    expect(
      thrown(() =>
        resolveProvider(
          {
            [OptionTag.httpProvider]: 'acme-notify',
            [OptionTag.httpBaseUrl]: 'https://evil.example',
            [OptionTag.httpAdminSecret]: 'arn',
          },
          custom,
        ),
      ),
    ).toMatchObject({ name: 'ProviderHostNotAllowedError' });
  });

  it('refuse custom specs that are invalid or take a preset name', () => {
    expect(() => parseCustomSpecs('{')).toThrow(/KEYTURN_HTTP_PROVIDERS is not valid JSON/);
    expect(() => parseCustomSpecs(JSON.stringify([{ ...ACME_SPEC, name: 'sendgrid' }]))).toThrow(
      /"sendgrid" is already taken/,
    );
    expect(() => parseCustomSpecs(JSON.stringify([{ ...ACME_SPEC, baseUrl: 'http://a.example' }]))).toThrow(
      /\[0\] is not a valid provider spec: baseUrl/,
    );
  });
});
