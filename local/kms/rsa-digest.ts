import {
  constants,
  createHash,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

/**
 * RSA signatures over a digest the caller already computed (Sign/Verify with MessageType
 * DIGEST): node:crypto's sign() always hashes, so PKCS#1 v1.5 goes through privateEncrypt with
 * the DigestInfo prefix, and PSS through an EMSA-PSS encoding (RFC 8017, MGF1 with the same hash,
 * salt as long as the digest, as KMS uses) and a raw RSA operation.
 */

export type RsaHash = 'sha256' | 'sha384' | 'sha512';

const DIGEST_INFO_PREFIX: Readonly<Record<RsaHash, string>> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

const hashLength = (hash: RsaHash) => ({ sha256: 32, sha384: 48, sha512: 64 })[hash];

export function signPkcs1Digest(digest: Buffer, hash: RsaHash, privateKey: KeyObject): Buffer {
  const digestInfo = Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[hash], 'hex'), digest]);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, digestInfo);
}

export function verifyPkcs1Digest(digest: Buffer, hash: RsaHash, signature: Buffer, publicKey: KeyObject): boolean {
  try {
    const recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
    const expected = Buffer.concat([Buffer.from(DIGEST_INFO_PREFIX[hash], 'hex'), digest]);
    return recovered.length === expected.length && timingSafeEqual(recovered, expected);
  } catch {
    return false;
  }
}

function mgf1(seed: Buffer, length: number, hash: RsaHash): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * hashLength(hash) < length; counter += 1) {
    const suffix = Buffer.alloc(4);
    suffix.writeUInt32BE(counter);
    blocks.push(createHash(hash).update(seed).update(suffix).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

function modulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails?.modulusLength ?? 2048;
}

const saltedHash = (digest: Buffer, salt: Buffer, hash: RsaHash) =>
  createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();

export function signPssDigest(digest: Buffer, hash: RsaHash, privateKey: KeyObject): Buffer {
  const bits = modulusBits(privateKey);
  const emBits = bits - 1;
  const emLength = Math.ceil(emBits / 8);
  const hLength = hashLength(hash);
  const salt = randomBytes(hLength);
  const h = saltedHash(digest, salt, hash);
  const db = Buffer.concat([Buffer.alloc(emLength - 2 * hLength - 2), Buffer.from([0x01]), salt]);
  const mask = mgf1(h, emLength - hLength - 1, hash);
  const maskedDb = Buffer.from(db.map((byte, index) => byte ^ (mask[index] ?? 0)));
  maskedDb[0] = (maskedDb[0] ?? 0) & (0xff >> (8 * emLength - emBits));
  const em = Buffer.concat([maskedDb, h, Buffer.from([0xbc])]);
  const block = Buffer.concat([Buffer.alloc(Math.ceil(bits / 8) - em.length), em]);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, block);
}

export function verifyPssDigest(digest: Buffer, hash: RsaHash, signature: Buffer, publicKey: KeyObject): boolean {
  const bits = modulusBits(publicKey);
  const emBits = bits - 1;
  const emLength = Math.ceil(emBits / 8);
  const hLength = hashLength(hash);
  let block: Buffer;
  try {
    block = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
  } catch {
    return false;
  }
  const em = block.subarray(block.length - emLength);
  if (block.subarray(0, block.length - emLength).some((byte) => byte !== 0) || em[emLength - 1] !== 0xbc) return false;
  const maskedDb = em.subarray(0, emLength - hLength - 1);
  const h = em.subarray(emLength - hLength - 1, emLength - 1);
  const topBits = 0xff >> (8 * emLength - emBits);
  if (((maskedDb[0] ?? 0) & ~topBits) !== 0) return false;
  const mask = mgf1(h, maskedDb.length, hash);
  const db = Buffer.from(maskedDb.map((byte, index) => byte ^ (mask[index] ?? 0)));
  db[0] = (db[0] ?? 0) & topBits;
  const separator = emLength - 2 * hLength - 2;
  if (db.subarray(0, separator).some((byte) => byte !== 0) || db[separator] !== 0x01) return false;
  const expected = saltedHash(digest, db.subarray(separator + 1), hash);
  return timingSafeEqual(expected, h);
}
