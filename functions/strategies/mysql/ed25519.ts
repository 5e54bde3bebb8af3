import { createHash } from 'node:crypto';

/**
 * MariaDB's ed25519 authentication (plugin auth_ed25519, client side client_ed25519), which
 * the mysql2 driver does not ship. MariaDB uses Ed25519 with one change: the 64-byte expanded
 * key is SHA-512 of the password itself (standard Ed25519 hashes a 32-byte seed), so Node's
 * crypto, which only takes seeds, cannot sign with it; the curve arithmetic is done here with
 * BigInt (RFC 8032, section 5.1). Not constant-time: it runs in the rotation function, on the
 * function's own password, against the database's 32-byte challenge.
 *
 * The public key (base64 without padding) is what MariaDB stores as the account's
 * authentication string, so keyturn can also set an ed25519 password without sending it.
 */

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const mod = (a: bigint, m = P): bigint => ((a % m) + m) % m;

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = mod(result * b);
    b = mod(b * b);
    e >>= 1n;
  }
  return result;
}

const inverse = (a: bigint): bigint => power(a, P - 2n);
const D = mod(-121665n * inverse(121666n));

/** A point in extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z. */
type Point = readonly [bigint, bigint, bigint, bigint];

const BASE: Point = (() => {
  const x = 15112221349535400772501151409588531511454012693041857206046113283949847762202n;
  const y = 46316835694926478169428394003475163141307993866256225615783033603165251855960n;
  return [x, y, 1n, mod(x * y)];
})();
const IDENTITY: Point = [0n, 1n, 1n, 0n];

function add(p: Point, q: Point): Point {
  const [x1, y1, z1, t1] = p;
  const [x2, y2, z2, t2] = q;
  const a = mod((y1 - x1) * (y2 - x2));
  const b = mod((y1 + x1) * (y2 + x2));
  const c = mod(2n * D * t1 * t2);
  const d = mod(2n * z1 * z2);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

function multiply(scalar: bigint, point: Point): Point {
  let result = IDENTITY;
  let addend = point;
  let k = scalar;
  while (k > 0n) {
    if (k & 1n) result = add(result, addend);
    addend = add(addend, addend);
    k >>= 1n;
  }
  return result;
}

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] ?? 0);
  return n;
}

function toLittleEndian(n: bigint, length = 32): Buffer {
  const out = Buffer.alloc(length);
  let v = n;
  for (let i = 0; i < length; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function encode(point: Point): Buffer {
  const [x, y, z] = point;
  const zInverse = inverse(z);
  const bytes = toLittleEndian(mod(y * zInverse));
  if (mod(x * zInverse) & 1n) bytes[31] = (bytes[31] ?? 0) | 0x80;
  return bytes;
}

const sha512 = (...parts: Uint8Array[]): Buffer => {
  const hash = createHash('sha512');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

function expandedKey(password: string): { scalar: bigint; prefix: Buffer } {
  const az = sha512(Buffer.from(password, 'utf8'));
  az[0] = (az[0] ?? 0) & 248;
  az[31] = ((az[31] ?? 0) & 63) | 64;
  return { scalar: littleEndian(az.subarray(0, 32)), prefix: az.subarray(32, 64) };
}

/** The account's public key, as MariaDB stores it for `IDENTIFIED VIA ed25519` (base64, no padding). */
export function ed25519PublicKey(password: string): string {
  return encode(multiply(expandedKey(password).scalar, BASE))
    .toString('base64')
    .replace(/=+$/, '');
}

/** The client's answer to the server's challenge: an Ed25519 signature (R ‖ S) of it. */
export function ed25519Signature(password: string, message: Uint8Array): Buffer {
  const { scalar, prefix } = expandedKey(password);
  const publicKey = encode(multiply(scalar, BASE));
  const r = mod(littleEndian(sha512(prefix, message)), L);
  const encodedR = encode(multiply(r, BASE));
  const k = mod(littleEndian(sha512(encodedR, publicKey, message)), L);
  const s = mod(r + k * scalar, L);
  return Buffer.concat([encodedR, toLittleEndian(s)]);
}

/** The length of MariaDB's ed25519 challenge. */
const CHALLENGE_BYTES = 32;

/** mysql2's authPlugins entry for `client_ed25519`. */
export const clientEd25519 =
  (password: string) =>
  () =>
  (challenge: Buffer): Buffer =>
    ed25519Signature(password, challenge.subarray(0, CHALLENGE_BYTES));
