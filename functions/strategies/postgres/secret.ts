import * as z from 'zod/mini';
import { describeIssues } from '../../shared/validation';
import { InvalidSecretValueError } from '../errors';
import { describeServer } from '../database/endpoint';
import { parseDatabaseLocation, sameLocation, type DatabaseLocation } from '../database/location';
import { databaseSslSchema } from '../database/secret-fields';
import { parseJsonObject } from '../json-value';

export const POSTGRES_ENGINE = 'postgres';
export const DEFAULT_POSTGRES_PORT = 5432;
export const DEFAULT_POSTGRES_DATABASE = 'postgres';
/** PostgreSQL truncates identifiers longer than NAMEDATALEN - 1 bytes. */
export const MAX_POSTGRES_IDENTIFIER_BYTES = 63;

/** AWS's secret shape for PostgreSQL, as its own rotation functions read it. */
const postgresSecretSchema = z.looseObject({
  engine: z.literal(POSTGRES_ENGINE),
  // host / port / dbInstanceIdentifier / dbClusterIdentifier: parsed by database/location.ts.
  username: z.string().check(
    z.minLength(1),
    z.refine((name) => Buffer.byteLength(name) <= MAX_POSTGRES_IDENTIFIER_BYTES, {
      message: `must be at most ${MAX_POSTGRES_IDENTIFIER_BYTES} bytes`,
    }),
  ),
  password: z.string().check(z.minLength(1)),
  dbname: z.optional(z.string().check(z.minLength(1))),
  ssl: z.optional(databaseSslSchema),
  masterarn: z.optional(z.string().check(z.minLength(1))),
});

export interface PostgresSecret {
  /** A host (and port), or an RDS instance or cluster whose endpoint RDS gives (database/endpoint.ts). */
  readonly location: DatabaseLocation;
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
    throw new InvalidSecretValueError(
      `the ${versionLabel} value is not a PostgreSQL secret (${describeIssues(result.error.issues, 'value')})`,
    );
  }
  const s = result.data;
  return {
    location: parseDatabaseLocation(fields, versionLabel),
    username: s.username,
    password: s.password,
    dbname: s.dbname ?? DEFAULT_POSTGRES_DATABASE,
    ssl: s.ssl ?? false,
    masterarn: s.masterarn,
    fields,
  };
}

/** Where a secret points: a new version must point to the same place as the current one. */
export function describeTarget(secret: Pick<PostgresSecret, 'location' | 'dbname'>): string {
  return `${describeServer(secret.location, DEFAULT_POSTGRES_PORT)}/${secret.dbname}`;
}

/** Whether two secrets name the same server in the same words (see sameLocation). */
export function sameServer(a: PostgresSecret, b: PostgresSecret): boolean {
  return sameLocation(a.location, b.location, DEFAULT_POSTGRES_PORT);
}

export function sameTarget(a: PostgresSecret, b: PostgresSecret): boolean {
  return sameServer(a, b) && a.dbname === b.dbname && a.ssl === b.ssl;
}
