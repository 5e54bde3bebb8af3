import { StringDecoder } from 'node:string_decoder';

/**
 * Stands in for `iconv-lite` in keyturn's Lambda bundles (an esbuild alias, see
 * infra/constructs/bundling-options.ts): half a megabyte of code pages that mysql2 reaches only for
 * a character set Node's Buffer cannot decode itself. keyturn's MySQL sessions are utf8mb4, which
 * Buffer decodes; the server's own metadata is utf8mb3, which mysql2 names `cesu8`. CESU-8 and
 * UTF-8 differ only for characters outside the Basic Multilingual Plane, which utf8mb3 cannot
 * hold, so UTF-8 decodes it exactly. Any other set fails loudly instead of carrying every code
 * page in every cold start. Outside the bundle (tests, local runs) mysql2 has the real library.
 */
const AS_UTF8 = new Set(['cesu8', 'cesu-8']);

function utf8For(encoding: string): 'utf8' {
  if (AS_UTF8.has(encoding.toLowerCase())) return 'utf8';
  throw new Error(`character set "${encoding}" is not in keyturn's Lambda bundle: sessions must be utf8mb4`);
}

export const encodingExists = (encoding: string): boolean => AS_UTF8.has(encoding.toLowerCase());

export function getDecoder(encoding: string): { write(buffer: Buffer): string; end(): string } {
  const decoder = new StringDecoder(utf8For(encoding));
  return { write: (buffer) => decoder.write(buffer), end: () => decoder.end() };
}

export function getEncoder(encoding: string): { write(text: string): Buffer; end(): Buffer | undefined } {
  const utf8 = utf8For(encoding);
  return { write: (text) => Buffer.from(text, utf8), end: () => undefined };
}

export const decode = (buffer: Buffer, encoding: string): string => buffer.toString(utf8For(encoding));
export const encode = (text: string, encoding: string): Buffer => Buffer.from(text, utf8For(encoding));
