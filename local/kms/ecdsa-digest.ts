import { randomBytes, type KeyObject } from 'node:crypto';

/**
 * ECDSA over a digest the caller already computed (Sign/Verify with MessageType DIGEST).
 * node:crypto always hashes what it signs, so the curve arithmetic for this one case is done
 * here with BigInt (Jacobian coordinates; curve constants from OpenSSL's explicit parameters).
 * Not constant-time: this is a local emulator's code path, never production signing.
 * Signatures are DER, as KMS returns them.
 */

interface Curve {
  readonly p: bigint;
  readonly a: bigint;
  readonly n: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
}

const CURVES: Readonly<Record<string, Curve>> = {
  prime256v1: {
    p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
    a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
    gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  },
  secp384r1: {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffffn,
    a: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffcn,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    gx: 0xaa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7n,
    gy: 0x3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5fn,
  },
  secp521r1: {
    p: (1n << 521n) - 1n,
    a: (1n << 521n) - 4n,
    n: 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
    gx: 0x00c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3dbaa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66n,
    gy: 0x011839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e662c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650n,
  },
  secp256k1: {
    p: 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn,
    a: 0n,
    n: 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n,
    gx: 0x79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798n,
    gy: 0x483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8n,
  },
};

/** A point in Jacobian coordinates; Z = 0 is the point at infinity. */
interface Point {
  readonly x: bigint;
  readonly y: bigint;
  readonly z: bigint;
}

const INFINITY: Point = { x: 1n, y: 1n, z: 0n };

const mod = (value: bigint, m: bigint) => ((value % m) + m) % m;

function power(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** Modular inverse by Fermat (every modulus here is prime). */
const inverse = (value: bigint, m: bigint) => power(value, m - 2n, m);

function double(point: Point, curve: Curve): Point {
  const { p, a } = curve;
  if (point.z === 0n || point.y === 0n) return INFINITY;
  const yy = (point.y * point.y) % p;
  const s = (4n * point.x * yy) % p;
  const zz = (point.z * point.z) % p;
  const m = mod(3n * point.x * point.x + a * zz * zz, p);
  const x = mod(m * m - 2n * s, p);
  const y = mod(m * (s - x) - 8n * yy * yy, p);
  return { x, y, z: (2n * point.y * point.z) % p };
}

function add(first: Point, second: Point, curve: Curve): Point {
  const { p } = curve;
  if (first.z === 0n) return second;
  if (second.z === 0n) return first;
  const z1z1 = (first.z * first.z) % p;
  const z2z2 = (second.z * second.z) % p;
  const u1 = (first.x * z2z2) % p;
  const u2 = (second.x * z1z1) % p;
  const s1 = (first.y * second.z * z2z2) % p;
  const s2 = (second.y * first.z * z1z1) % p;
  if (u1 === u2) return s1 === s2 ? double(first, curve) : INFINITY;
  const h = mod(u2 - u1, p);
  const r = mod(s2 - s1, p);
  const hh = (h * h) % p;
  const hhh = (hh * h) % p;
  const x = mod(r * r - hhh - 2n * u1 * hh, p);
  const y = mod(r * (u1 * hh - x) - s1 * hhh, p);
  return { x, y, z: (h * first.z * second.z) % p };
}

function multiply(point: Point, scalar: bigint, curve: Curve): Point {
  let result = INFINITY;
  for (let bit = BigInt(scalar.toString(2).length - 1); bit >= 0n; bit -= 1n) {
    result = double(result, curve);
    if ((scalar >> bit) & 1n) result = add(result, point, curve);
  }
  return result;
}

function affineX(point: Point, curve: Curve): bigint | undefined {
  if (point.z === 0n) return undefined;
  const zInverse = inverse(point.z, curve.p);
  return (point.x * zInverse * zInverse) % curve.p;
}

const bigintOf = (bytes: Buffer) => (bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`));
const bitLength = (value: bigint) => value.toString(2).length;

/** The digest as a number, cut to the bit length of the curve order (as ECDSA prescribes). */
function digestNumber(digest: Buffer, n: bigint): bigint {
  const e = bigintOf(digest);
  const excess = digest.length * 8 - bitLength(n);
  return excess > 0 ? e >> BigInt(excess) : e;
}

function curveOf(key: KeyObject): Curve {
  const curve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
  if (!curve) throw new RangeError('not an EC key on a supported curve');
  return curve;
}

function jwkNumber(value: string | undefined): bigint {
  return bigintOf(Buffer.from(value ?? '', 'base64url'));
}

export function signDigest(digest: Buffer, privateKey: KeyObject): Buffer {
  const curve = curveOf(privateKey);
  const d = jwkNumber(privateKey.export({ format: 'jwk' }).d);
  const e = digestNumber(digest, curve.n);
  const generator: Point = { x: curve.gx, y: curve.gy, z: 1n };
  const nBytes = Math.ceil(bitLength(curve.n) / 8);
  for (;;) {
    const k = bigintOf(randomBytes(nBytes + 8)) % curve.n;
    if (k === 0n) continue;
    const rx = affineX(multiply(generator, k, curve), curve);
    const r = rx === undefined ? 0n : rx % curve.n;
    if (r === 0n) continue;
    const s = mod(inverse(k, curve.n) * (e + r * d), curve.n);
    if (s === 0n) continue;
    return derSignature(r, s);
  }
}

export function verifyDigest(digest: Buffer, signature: Buffer, publicKey: KeyObject): boolean {
  const curve = curveOf(publicKey);
  const parsed = parseDerSignature(signature);
  if (!parsed) return false;
  const { r, s } = parsed;
  if (r < 1n || r >= curve.n || s < 1n || s >= curve.n) return false;
  const jwk = publicKey.export({ format: 'jwk' });
  const q: Point = { x: jwkNumber(jwk.x), y: jwkNumber(jwk.y), z: 1n };
  const w = inverse(s, curve.n);
  const e = digestNumber(digest, curve.n);
  const generator: Point = { x: curve.gx, y: curve.gy, z: 1n };
  const sum = add(multiply(generator, mod(e * w, curve.n), curve), multiply(q, mod(r * w, curve.n), curve), curve);
  const x = affineX(sum, curve);
  return x !== undefined && x % curve.n === r;
}

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  // A leading 1 bit would read as negative: DER prefixes a zero byte.
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02]), derLength(bytes.length), bytes]);
}

function derLength(length: number): Buffer {
  return length < 0x80 ? Buffer.from([length]) : Buffer.from([0x81, length]);
}

function derSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

/** r and s of a DER ECDSA signature, or undefined when the bytes are not one. */
function parseDerSignature(signature: Buffer): { r: bigint; s: bigint } | undefined {
  let offset = 0;
  const readLength = (): number | undefined => {
    const first = signature[offset++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    if (first !== 0x81) return undefined;
    return signature[offset++];
  };
  const readInteger = (): bigint | undefined => {
    if (signature[offset++] !== 0x02) return undefined;
    const length = readLength();
    if (length === undefined || offset + length > signature.length) return undefined;
    const value = bigintOf(signature.subarray(offset, offset + length));
    offset += length;
    return value;
  };
  if (signature[offset++] !== 0x30) return undefined;
  const total = readLength();
  if (total === undefined || offset + total !== signature.length) return undefined;
  const r = readInteger();
  const s = readInteger();
  return r === undefined || s === undefined || offset !== signature.length ? undefined : { r, s };
}
