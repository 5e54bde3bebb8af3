import { createHash, timingSafeEqual } from 'node:crypto';
import { ServerErrors } from './errors';

/**
 * What the double stores for a password, per authentication plugin (MySQL 8.0 Reference Manual,
 * "Native Pluggable Authentication" and "Caching SHA-2 Pluggable Authentication",
 * https://dev.mysql.com/doc/refman/8.0/en/native-pluggable-authentication.html,
 * /caching-sha2-pluggable-authentication.html):
 * - mysql_native_password: SHA1(SHA1(password)), printed as `*` + 40 upper-case hex digits;
 * - caching_sha2_password: the server stores a salted SHA-256 crypt string and keeps
 *   SHA256(SHA256(password)) in its in-memory cache for the fast path. The double stores only
 *   the latter (not the `$A$005$` crypt format: an `IDENTIFIED WITH caching_sha2_password AS`
 *   hash is refused with ER_PASSWORD_FORMAT) and models the cache as a flag per credential.
 */
export type Plugin = 'mysql_native_password' | 'caching_sha2_password';
export const PLUGINS: readonly Plugin[] = ['mysql_native_password', 'caching_sha2_password'];

export interface Credential {
  readonly plugin: Plugin;
  /** SHA1(SHA1(pw)) or SHA256(SHA256(pw)); empty for an empty password. */
  readonly digest: Buffer;
}

const sha1 = (data: Buffer | string) => createHash('sha1').update(data).digest();
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

export function credentialFor(plugin: Plugin, password: string): Credential {
  if (password === '') return { plugin, digest: Buffer.alloc(0) };
  const bytes = Buffer.from(password, 'utf8');
  return { plugin, digest: plugin === 'mysql_native_password' ? sha1(sha1(bytes)) : sha256(sha256(bytes)) };
}

/** `IDENTIFIED WITH plugin AS 'hash'`: only mysql_native_password's `*HEX` form is modelled. */
export function credentialFromHash(plugin: Plugin, hash: string): Credential {
  if (plugin === 'mysql_native_password') {
    if (hash === '') return { plugin, digest: Buffer.alloc(0) };
    if (/^\*[0-9A-Fa-f]{40}$/.test(hash)) return { plugin, digest: Buffer.from(hash.slice(1), 'hex') };
  }
  throw ServerErrors.passwordFormat();
}

export function isEmpty(credential: Credential | undefined): boolean {
  return credential === undefined || credential.digest.length === 0;
}

/** Whether a cleartext password is this credential's (REPLACE checks, full authentication, history). */
export function matchesCleartext(credential: Credential, password: string): boolean {
  const candidate = credentialFor(credential.plugin, password);
  return (
    candidate.digest.length === credential.digest.length &&
    (candidate.digest.length === 0 || timingSafeEqual(candidate.digest, credential.digest))
  );
}

export function sameCredential(a: Credential, b: Credential): boolean {
  return a.plugin === b.plugin && a.digest.equals(b.digest);
}

/** How SHOW CREATE USER prints the stored form (the double's caching_sha2 form is its cache digest, in hex). */
export function printedHash(credential: Credential): string {
  if (credential.digest.length === 0) return '';
  return credential.plugin === 'mysql_native_password'
    ? '*' + credential.digest.toString('hex').toUpperCase()
    : '$A$005$' + credential.digest.toString('hex');
}

/**
 * mysql_native_password's challenge-response: the client sends SHA1(pw) XOR SHA1(scramble +
 * SHA1(SHA1(pw))); the server recovers SHA1(pw) with the stored digest and checks it hashes to it.
 */
export function nativeScrambleMatches(credential: Credential, scramble: Buffer, token: Buffer): boolean {
  if (credential.plugin !== 'mysql_native_password') return false;
  if (credential.digest.length === 0) return token.length === 0;
  if (token.length !== 20) return false;
  const mask = sha1(Buffer.concat([scramble, credential.digest]));
  const stage1 = Buffer.alloc(20);
  for (let i = 0; i < 20; i++) stage1[i] = (token[i] ?? 0) ^ (mask[i] ?? 0);
  return timingSafeEqual(sha1(stage1), credential.digest);
}

/**
 * caching_sha2_password's fast path: the client sends SHA256(pw) XOR SHA256(SHA256(SHA256(pw))
 * + nonce); the server checks it against its cache entry SHA256(SHA256(pw)).
 */
export function sha2ScrambleMatches(credential: Credential, nonce: Buffer, token: Buffer): boolean {
  if (credential.plugin !== 'caching_sha2_password' || credential.digest.length === 0 || token.length !== 32) {
    return false;
  }
  const mask = sha256(Buffer.concat([credential.digest, nonce]));
  const stage1 = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) stage1[i] = (token[i] ?? 0) ^ (mask[i] ?? 0);
  return timingSafeEqual(sha256(stage1), credential.digest);
}
