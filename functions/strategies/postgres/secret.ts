import { z } from 'zod';
import { InvalidSecretValueError } from '../errors';
import { parseJsonObject } from '../json-value';

export const POSTGRES_ENGINE = 'postgres';
export const DEFAULT_POSTGRES_PORT = 5432;
export const DEFAULT_POSTGRES_DATABASE = 'postgres';
/** PostgreSQL truncates identifiers longer than NAMEDATALEN - 1 bytes. */
export const MAX_POSTGRES_IDENTIFIER_BYTES = 63;

const portSchema = z
  .union([z.number(), z.string().regex(/^\d+$/, 'must be a number').transform(Number)])
  .pipe(z.number().int().min(1).max(65535));
const sslSchema = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);

/** AWS's secret shape for PostgreSQL, as its own rotation functions read it. */
const postgresSecretSchema = z.looseObject({
  engine: z.literal(POSTGRES_ENGINE),
  host: z.string().min(1),
  port: portSchema.optional(),
  username: z
    .string()
    .min(1)
    .refine((name) => Buffer.byteLength(name) <= MAX_POSTGRES_IDENTIFIER_BYTES, {
      message: `must be at most ${MAX_POSTGRES_IDENTIFIER_BYTES} bytes`,
    }),
  password: z.string().min(1),
  dbname: z.string().min(1).optional(),
  ssl: sslSchema.optional(),
  masterarn: z.string().min(1).optional(),
});

export interface PostgresSecret {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly dbname: string;
  readonly ssl: boolean;
  readonly masterarn?: string;
  /** Every field of the stored JSON, so a new version keeps fields keyturn does not know. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Parses a PostgreSQL secret; errors name the version and the fields, never their values. */
export function parsePostgresSecret(value: string, versionLabel: string): PostgresSecret {
  const fields = parseJsonObject(value, versionLabel);
  const result = postgresSecretSchema.safeParse(fields);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || 'value'}: ${issue.message}`);
    throw new InvalidSecretValueError(`the ${versionLabel} value is not a PostgreSQL secret (${problems.join('; ')})`);
  }
  const s = result.data;
  return {
    host: s.host,
    port: s.port ?? DEFAULT_POSTGRES_PORT,
    username: s.username,
    password: s.password,
    dbname: s.dbname ?? DEFAULT_POSTGRES_DATABASE,
    ssl: s.ssl ?? false,
    masterarn: s.masterarn,
    fields,
  };
}

/** Where a secret points: a new version must point to the same place as the current one. */
export function describeTarget(secret: PostgresSecret): string {
  return `${secret.host}:${secret.port}/${secret.dbname}`;
}

export function sameServer(a: PostgresSecret, b: PostgresSecret): boolean {
  return a.host === b.host && a.port === b.port;
}

export function sameTarget(a: PostgresSecret, b: PostgresSecret): boolean {
  return sameServer(a, b) && a.dbname === b.dbname && a.ssl === b.ssl;
}
