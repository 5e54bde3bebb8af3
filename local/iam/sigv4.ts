import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ReceivedRequest } from '../http/aws-query-server';

/**
 * AWS Signature Version 4, recomputed on the receiving side from the request as it arrived
 * (AWS General Reference, "Create a signed AWS API request"): the canonical request (method,
 * URI, sorted query, the signed headers' trimmed values, the SHA-256 of the body actually
 * received), the string to sign (algorithm, X-Amz-Date, credential scope, hash of the canonical
 * request) and the signing key (HMAC-SHA256 chain over "AWS4" + secret, date, region, service,
 * "aws4_request"). A request changed after signing, or signed with another secret, yields
 * another signature. Only the Authorization header form is served (no presigned query strings).
 */

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';

/** The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header. */
export interface ParsedAuthorization {
  readonly accessKeyId: string;
  /** YYYYMMDD of the credential scope. */
  readonly scopeDate: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

/** Why an Authorization header could not be read (AWS answers IncompleteSignature). */
export class MalformedAuthorization extends Error {
  override readonly name = 'MalformedAuthorization';
}

const SCOPE_DATE = /^\d{8}$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export function parseAuthorization(header: string): ParsedAuthorization {
  if (!header.startsWith(`${SIGV4_ALGORITHM} `)) {
    throw new MalformedAuthorization(`Authorization header requires the ${SIGV4_ALGORITHM} algorithm.`);
  }
  const fields = new Map<string, string>();
  for (const part of header.slice(SIGV4_ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  const missing = [
    credential === undefined ? 'Credential' : undefined,
    signedHeaders === undefined ? 'SignedHeaders' : undefined,
    signature === undefined ? 'Signature' : undefined,
  ].filter((name) => name !== undefined);
  if (credential === undefined || signedHeaders === undefined || signature === undefined) {
    throw new MalformedAuthorization(`Authorization header requires ${missing.join(', ')} parameter(s).`);
  }
  const [accessKeyId, scopeDate, region, service, terminator, ...rest] = credential.split('/');
  if (
    !accessKeyId ||
    scopeDate === undefined ||
    !SCOPE_DATE.test(scopeDate) ||
    !region ||
    !service ||
    terminator !== 'aws4_request' ||
    rest.length > 0
  ) {
    throw new MalformedAuthorization(
      "Credential must have the form '<access key id>/<date>/<region>/<service>/aws4_request'.",
    );
  }
  if (!SIGNATURE.test(signature)) throw new MalformedAuthorization('Signature must be 64 lowercase hex digits.');
  const headers = signedHeaders.split(';');
  if (headers.some((name) => name === '' || name !== name.toLowerCase())) {
    throw new MalformedAuthorization('SignedHeaders must be lowercase header names separated by semicolons.');
  }
  return { accessKeyId, scopeDate, region, service, signedHeaders: headers, signature };
}

/** The instant an `X-Amz-Date` (YYYYMMDD'T'HHMMSS'Z') names, or undefined when it is not one. */
export function parseAmzDate(text: string): Date | undefined {
  const match = AMZ_DATE.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** `20260107T031500Z`, as X-Amz-Date writes an instant. */
export function formatAmzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** RFC 3986 percent-encoding, as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is escaped. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, '%20'));
  } catch {
    return text;
  }
}

function canonicalUri(path: string): string {
  if (path === '' || path === '/') return '/';
  // Non-S3 services: each segment of the path as sent is encoded once more.
  return path
    .split('/')
    .map((segment) => uriEncode(segment))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq === -1 ? pair : pair.slice(0, eq);
      const value = eq === -1 ? '' : pair.slice(eq + 1);
      return [uriEncode(safeDecode(key)), uriEncode(safeDecode(value))] as const;
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** A header's values, each trimmed with inner runs of spaces collapsed, joined by commas. */
function canonicalHeaderValue(values: readonly string[]): string {
  return values.map((value) => value.trim().replace(/\s+/g, ' ')).join(',');
}

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text, 'utf8').digest();

/** The canonical request of `request` for these signed headers (absent headers sign as empty). */
export function canonicalRequest(request: ReceivedRequest, signedHeaders: readonly string[]): string {
  const question = request.url.indexOf('?');
  const path = question === -1 ? request.url : request.url.slice(0, question);
  const query = question === -1 ? '' : request.url.slice(question + 1);
  const headerLines = signedHeaders
    .map((name) => `${name}:${canonicalHeaderValue(request.headers.get(name) ?? [])}\n`)
    .join('');
  return [
    request.method,
    canonicalUri(path),
    canonicalQuery(query),
    headerLines,
    signedHeaders.join(';'),
    // The body as received, never a hash the client claims.
    sha256Hex(request.body),
  ].join('\n');
}

export function credentialScope(auth: Pick<ParsedAuthorization, 'scopeDate' | 'region' | 'service'>): string {
  return `${auth.scopeDate}/${auth.region}/${auth.service}/aws4_request`;
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [SIGV4_ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

export function signingKey(
  secretAccessKey: string,
  auth: Pick<ParsedAuthorization, 'scopeDate' | 'region' | 'service'>,
) {
  const dateKey = hmac(`AWS4${secretAccessKey}`, auth.scopeDate);
  const regionKey = hmac(dateKey, auth.region);
  const serviceKey = hmac(regionKey, auth.service);
  return hmac(serviceKey, 'aws4_request');
}

/** The signature `secretAccessKey` gives this request under `auth`'s scope and signed headers. */
export function expectedSignature(
  request: ReceivedRequest,
  auth: ParsedAuthorization,
  amzDate: string,
  secretAccessKey: string,
): string {
  const toSign = stringToSign(amzDate, credentialScope(auth), canonicalRequest(request, auth.signedHeaders));
  return createHmac('sha256', signingKey(secretAccessKey, auth)).update(toSign, 'utf8').digest('hex');
}

/** Whether the request carries the signature the secret gives it (compared in constant time). */
export function signatureMatches(
  request: ReceivedRequest,
  auth: ParsedAuthorization,
  amzDate: string,
  secretAccessKey: string,
): boolean {
  const expected = Buffer.from(expectedSignature(request, auth, amzDate, secretAccessKey), 'hex');
  const given = Buffer.from(auth.signature, 'hex');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
