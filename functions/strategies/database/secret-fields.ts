import * as z from 'zod/mini';

/**
 * Fields every database secret in AWS's JSON shape shares, as AWS's own rotation functions
 * accept them: a port as a number or a string of digits, `ssl` as a boolean or "true"/"false".
 */

export const databasePortSchema = z.pipe(
  z.union([z.number(), z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number))]),
  z.int().check(z.minimum(1), z.maximum(65535)),
);

export const databaseSslSchema = z.union([
  z.boolean(),
  z.pipe(
    z.enum(['true', 'false']),
    z.transform((v) => v === 'true'),
  ),
]);
