import { z } from 'zod';
import { outOfRange, validation } from './errors';

/**
 * Reading request bodies: each operation's members as zod schemas, failures answered as AWS
 * answers them (ValidationException, naming the member in camelCase as AWS's messages do), and
 * blobs (base64 on the wire) decoded with their length limits checked.
 */

export function parseRequest<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const member = memberName(issue?.path ?? []);
  throw validation(
    issue?.code === 'invalid_type' && issue.input === undefined
      ? `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`
      : `1 validation error detected: Value at '${member}' failed to satisfy constraint: ${issue?.message ?? 'invalid'}`,
  );
}

function memberName(path: readonly PropertyKey[]): string {
  return path
    .map((part) => (typeof part === 'string' ? part.charAt(0).toLowerCase() + part.slice(1) : String(part)))
    .join('.');
}

export const keyIdentifier = z.string();
export const encryptionContext = z.record(z.string(), z.string()).optional();
export const grantTokens = z.array(z.string()).optional();
export const limit = z.number().int().optional();
export const marker = z.string().optional();

/** Bytes of a base64 blob member, its length (in bytes) checked against the API's limits. */
export function decodeBlob(value: string, member: string, minBytes: number, maxBytes: number): Buffer {
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < minBytes || bytes.length > maxBytes) {
    throw validation(
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length ${
        bytes.length < minBytes ? `greater than or equal to ${minBytes}` : `less than or equal to ${maxBytes}`
      }`,
    );
  }
  return bytes;
}

/** A whole number within [min, max], or `fallback` when absent. */
export function inRange(value: number | undefined, member: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (value < min || value > max) throw outOfRange(member, value, min, max);
  return value;
}
