/**
 * The local IAM's SigV4 verifier (written from the spec) against the SDK's own signer,
 * @smithy/signature-v4: every request the reference signs must verify, and any change to it
 * after signing (body, a signed header, the path, the query, the scope) or another secret must not.
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ReceivedRequest } from '../../../local/http/aws-query-server';
import {
  MalformedAuthorization,
  parseAmzDate,
  parseAuthorization,
  signatureMatches,
  type ParsedAuthorization,
} from '../../../local/iam/sigv4';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET };
const signingDate = new Date('2026-01-07T03:15:00Z');

/** The signer's hash constructor, from node:crypto (HMAC when given a secret). */
type Source = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Source): string | Buffer =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

type Digest = ReturnType<typeof createHash> | ReturnType<typeof createHmac>;

class NodeSha256 {
  private hash: Digest;
  constructor(private readonly secret?: Source) {
    this.hash = this.fresh();
  }
  update(data: Source): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Digest {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
}

interface Shape {
  readonly method?: string;
  readonly path?: string;
  readonly query?: Record<string, string | string[]>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly service?: string;
  readonly sessionToken?: string;
}

/** Signs with the reference signer, then renders the request as the server receives it. */
async function signed(shape: Shape): Promise<{ request: ReceivedRequest; auth: ParsedAuthorization; amzDate: string }> {
  const signer = new SignatureV4({
    credentials: shape.sessionToken ? { ...credentials, sessionToken: shape.sessionToken } : credentials,
    region: 'us-east-1',
    service: shape.service ?? 'iam',
    sha256: NodeSha256,
  });
  const body = shape.body ?? 'Action=ListAccessKeys&Version=2010-05-08';
  const request = {
    method: shape.method ?? 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 4566,
    path: shape.path ?? '/',
    query: shape.query ?? {},
    headers: { host: '127.0.0.1:4566', 'content-type': 'application/x-www-form-urlencoded', ...shape.headers },
    body,
  };
  const out = await signer.sign(request, { signingDate });
  const headers = new Map<string, string[]>();
  for (const [name, value] of Object.entries(out.headers)) headers.set(name.toLowerCase(), [value]);
  const query = Object.entries(out.query ?? {})
    .flatMap(([key, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => `${encodeURIComponent(key)}=${encodeURIComponent(v ?? '')}`),
    )
    .join('&');
  const received: ReceivedRequest = {
    method: out.method,
    url: query === '' ? out.path : `${out.path}?${query}`,
    headers,
    body: typeof out.body === 'string' ? out.body : '',
  };
  const amzDate = headers.get('x-amz-date')?.[0] ?? '';
  return { request: received, auth: parseAuthorization(headers.get('authorization')?.[0] ?? ''), amzDate };
}

const withHeader = (request: ReceivedRequest, name: string, value: string): ReceivedRequest => ({
  ...request,
  headers: new Map([...request.headers, [name, [value]]]),
});

describe('SigV4 verification (local IAM)', () => {
  test.each<[string, Shape]>([
    ['a query-protocol POST', {}],
    [
      'a query string with reserved characters',
      { method: 'GET', body: '', query: { b: 'x y', a: 'é/*', c: ['2', '1'] } },
    ],
    ['an encoded path', { path: '/a b/c%2Fd' }],
    ['temporary credentials', { sessionToken: 'token/with+chars=' }],
    ['headers with runs of spaces', { headers: { 'x-amz-meta-note': '  two   spaces  ' } }],
    ['an STS scope', { service: 'sts', body: 'Action=GetCallerIdentity&Version=2011-06-15' }],
  ])('accepts the reference signature of %s', async (_name, shape) => {
    const { request, auth, amzDate } = await signed(shape);
    expect(signatureMatches(request, auth, amzDate, SECRET)).toBe(true);
  });

  test('rejects another secret', async () => {
    const { request, auth, amzDate } = await signed({});
    expect(signatureMatches(request, auth, amzDate, `${SECRET.slice(0, -1)}X`)).toBe(false);
  });

  test('rejects a body changed after signing', async () => {
    const { request, auth, amzDate } = await signed({
      body: 'Action=DeleteAccessKey&AccessKeyId=AKIAAAAAAAAAAAAAAAAA',
    });
    const tampered = { ...request, body: 'Action=DeleteAccessKey&AccessKeyId=AKIABBBBBBBBBBBBBBBB' };
    expect(signatureMatches(tampered, auth, amzDate, SECRET)).toBe(false);
  });

  test('rejects a signed header, the path or the query changed after signing', async () => {
    const { request, auth, amzDate } = await signed({ method: 'GET', body: '', query: { a: '1' } });
    expect(signatureMatches(withHeader(request, 'host', '127.0.0.1:4567'), auth, amzDate, SECRET)).toBe(false);
    expect(signatureMatches({ ...request, url: '/other?a=1' }, auth, amzDate, SECRET)).toBe(false);
    expect(signatureMatches({ ...request, url: '/?a=2' }, auth, amzDate, SECRET)).toBe(false);
  });

  test('rejects another date, region or service in the string to sign', async () => {
    const { request, auth, amzDate } = await signed({});
    expect(signatureMatches(request, auth, '20260107T031501Z', SECRET)).toBe(false);
    expect(signatureMatches(request, { ...auth, region: 'us-west-2' }, amzDate, SECRET)).toBe(false);
    expect(signatureMatches(request, { ...auth, service: 'sts' }, amzDate, SECRET)).toBe(false);
  });

  test('an unsigned header may change; a signed one may not', async () => {
    const { request, auth, amzDate } = await signed({});
    expect(auth.signedHeaders).toContain('content-type');
    expect(signatureMatches(withHeader(request, 'user-agent', 'other'), auth, amzDate, SECRET)).toBe(true);
    expect(signatureMatches(withHeader(request, 'content-type', 'text/plain'), auth, amzDate, SECRET)).toBe(false);
  });

  test('reads the Authorization header, and names what is missing from a malformed one', () => {
    const auth = parseAuthorization(
      `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260107/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'a'.repeat(64)}`,
    );
    expect(auth).toEqual({
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      scopeDate: '20260107',
      region: 'us-east-1',
      service: 'iam',
      signedHeaders: ['host', 'x-amz-date'],
      signature: 'a'.repeat(64),
    });
    expect(() => parseAuthorization('AWS4-HMAC-SHA256 Credential=AKIA/20260107/us-east-1/iam/aws4_request')).toThrow(
      new MalformedAuthorization('Authorization header requires SignedHeaders, Signature parameter(s).'),
    );
    expect(() => parseAuthorization('Basic dXNlcjpwYXNz')).toThrow(MalformedAuthorization);
    expect(() =>
      parseAuthorization(
        `AWS4-HMAC-SHA256 Credential=AKIA/2026/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=${'a'.repeat(64)}`,
      ),
    ).toThrow(/Credential must have the form/);
  });

  test('reads X-Amz-Date, refusing anything else', () => {
    expect(parseAmzDate('20260107T031500Z')).toEqual(signingDate);
    expect(parseAmzDate('2026-01-07T03:15:00Z')).toBeUndefined();
  });
});
