import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * JSON in a Lambda environment variable, gzip-compressed and base64-encoded: the policy writes it at synth, the
 * function reads it at cold start. Lambda's environment holds 4 KB in all, and a list of similar objects compresses
 * about threefold. A value without the prefix is read as plain JSON (tests, a variable set by hand).
 */
const GZIP_PREFIX = 'gzip:';

/** `value` as JSON, compressed, behind the prefix that marks it. */
export function encodeCompressedJson(value: unknown): string {
  return GZIP_PREFIX + gzipSync(JSON.stringify(value), { level: 9 }).toString('base64');
}

/** The JSON text of a variable's value (decompressed when it carries the prefix); undefined when it is corrupt. */
export function compressedJsonText(value: string): string | undefined {
  if (!value.startsWith(GZIP_PREFIX)) return value;
  try {
    return gunzipSync(Buffer.from(value.slice(GZIP_PREFIX.length), 'base64')).toString('utf8');
  } catch {
    return undefined;
  }
}
