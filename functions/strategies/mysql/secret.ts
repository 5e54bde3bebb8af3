import * as z from 'zod/mini';
import { describeIssues } from '../../shared/validation';
import { describeServer } from '../database/endpoint';
import { parseDatabaseLocation, sameLocation, type DatabaseLocation } from '../database/location';
import { databaseSslSchema } from '../database/secret-fields';
import { InvalidSecretValueError } from '../errors';
import { parseJsonObject } from '../json-value';
import { MAX_USER_NAME_LENGTH_ANY_SERVER, userNameLength } from './server-version';

export const MYSQL_ENGINES = ['mysql', 'mariadb'] as const;
export type MysqlEngine = (typeof MYSQL_ENGINES)[number];
export const DEFAULT_MYSQL_PORT = 3306;

/** AWS's secret shape for MySQL and MariaDB, as its own rotation functions read it. */
const mysqlSecretSchema = z.looseObject({
  engine: z.enum(MYSQL_ENGINES),
  // host / port / dbInstanceIdentifier / dbClusterIdentifier: parsed by database/location.ts.
  // The server's own limit (32 on MySQL, 80 on MariaDB) is checked once its version is known.
  username: z.string().check(
    z.minLength(1),
    z.refine((name) => userNameLength(name) <= MAX_USER_NAME_LENGTH_ANY_SERVER, {
      message: `must be at most ${MAX_USER_NAME_LENGTH_ANY_SERVER} characters`,
    }),
    z.refine((name) => !name.includes('\0'), { message: 'must not contain a NUL character' }),
  ),
  password: z.string().check(
    z.minLength(1),
    z.refine((pw) => !pw.includes('\0'), { message: 'must not contain a NUL character' }),
  ),
  dbname: z.optional(z.string().check(z.minLength(1))),
  ssl: z.optional(databaseSslSchema),
  masterarn: z.optional(z.string().check(z.minLength(1))),
});

export interface MysqlSecret {
  readonly engine: MysqlEngine;
  /** A host (and port), or an RDS instance or cluster whose endpoint RDS gives (database/endpoint.ts). */
  readonly location: DatabaseLocation;
  readonly username: string;
  readonly password: string;
  /** The database to open the session in; none: the account's default (no database). */
  readonly dbname?: string;
  readonly ssl: boolean;
  readonly masterarn?: string;
  /** Every field of the stored JSON, so a new version keeps fields keyturn does not know. */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** Parses a MySQL or MariaDB secret; errors name the version and the fields, never their values. */
export function parseMysqlSecret(value: string, versionLabel: string): MysqlSecret {
  const fields = parseJsonObject(value, versionLabel);
  const result = mysqlSecretSchema.safeParse(fields);
  if (!result.success) {
    throw new InvalidSecretValueError(
      `the ${versionLabel} value is not a MySQL or MariaDB secret (${describeIssues(result.error.issues, 'value')})`,
    );
  }
  const s = result.data;
  return {
    engine: s.engine,
    location: parseDatabaseLocation(fields, versionLabel),
    username: s.username,
    password: s.password,
    ...(s.dbname === undefined ? {} : { dbname: s.dbname }),
    ssl: s.ssl ?? false,
    ...(s.masterarn === undefined ? {} : { masterarn: s.masterarn }),
    fields,
  };
}

/** Where a secret points, for messages: `host:port` or `host:port/dbname`. */
export function describeTarget(secret: Pick<MysqlSecret, 'location' | 'dbname'>): string {
  const server = describeServer(secret.location, DEFAULT_MYSQL_PORT);
  return `${server}${secret.dbname === undefined ? '' : `/${secret.dbname}`}`;
}

/** Whether two secrets name the same server in the same words (see sameLocation). */
export function sameServer(a: MysqlSecret, b: MysqlSecret): boolean {
  return sameLocation(a.location, b.location, DEFAULT_MYSQL_PORT);
}

/** A new version must point to the same place, over the same TLS setting, as the current one. */
export function sameTarget(a: MysqlSecret, b: MysqlSecret): boolean {
  return sameServer(a, b) && a.dbname === b.dbname && a.ssl === b.ssl && a.engine === b.engine;
}
