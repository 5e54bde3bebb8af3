import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The local KMS's symmetric ciphertext blob: its own self-describing binary format (AWS's is
 * unpublished), so a blob names the key and the material version that made it, and ciphertexts
 * made before a rotation still decrypt after it:
 *
 *   "KTK1" | key id length (1 byte) | key id (UTF-8) | key material id (32 bytes) | IV (12 bytes)
 *   | AES-256-GCM tag (16 bytes) | ciphertext
 *
 * The additional authenticated data is everything before the IV plus the canonical encryption
 * context, so an altered header, body or tag, or a different encryption context, fails to decrypt.
 */

const MAGIC = Buffer.from('KTK1', 'ascii');
const MATERIAL_ID_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface BlobHeader {
  readonly keyId: string;
  /** Hex, as KeyMaterialId shows it. */
  readonly keyMaterialId: string;
}

export type EncryptionContext = Readonly<Record<string, string>>;

/** Order-independent bytes of an encryption context: the pairs sorted by key. */
export function canonicalContext(context: EncryptionContext): Buffer {
  const pairs = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(pairs), 'utf8');
}

function headerBytes(header: BlobHeader): Buffer {
  const keyId = Buffer.from(header.keyId, 'utf8');
  if (keyId.length > 255) throw new RangeError('key id too long for a ciphertext blob');
  return Buffer.concat([MAGIC, Buffer.from([keyId.length]), keyId, Buffer.from(header.keyMaterialId, 'hex')]);
}

export function sealBlob(header: BlobHeader, secret: Buffer, plaintext: Buffer, context: EncryptionContext): Buffer {
  const head = headerBytes(header);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', secret, iv);
  cipher.setAAD(Buffer.concat([head, canonicalContext(context)]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([head, iv, cipher.getAuthTag(), body]);
}

/** The header of a blob in this format, or undefined when the bytes are not one. */
export function readBlobHeader(blob: Buffer): BlobHeader | undefined {
  if (blob.length < MAGIC.length + 1 || !blob.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const keyIdLength = blob[MAGIC.length] ?? 0;
  const keyIdEnd = MAGIC.length + 1 + keyIdLength;
  if (blob.length < keyIdEnd + MATERIAL_ID_BYTES + IV_BYTES + TAG_BYTES) return undefined;
  return {
    keyId: blob.subarray(MAGIC.length + 1, keyIdEnd).toString('utf8'),
    keyMaterialId: blob.subarray(keyIdEnd, keyIdEnd + MATERIAL_ID_BYTES).toString('hex'),
  };
}

/** The plaintext, or undefined when the blob was altered or the context differs. */
export function openBlob(blob: Buffer, secret: Buffer, context: EncryptionContext): Buffer | undefined {
  const header = readBlobHeader(blob);
  if (!header) return undefined;
  const headLength = headerBytes(header).length;
  const iv = blob.subarray(headLength, headLength + IV_BYTES);
  const tag = blob.subarray(headLength + IV_BYTES, headLength + IV_BYTES + TAG_BYTES);
  const body = blob.subarray(headLength + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', secret, iv);
    decipher.setAAD(Buffer.concat([blob.subarray(0, headLength), canonicalContext(context)]));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}
