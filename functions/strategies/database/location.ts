import * as z from 'zod/mini';
import { describeIssues } from '../../shared/validation';
import { InvalidSecretValueError } from '../errors';
import { databasePortSchema } from './secret-fields';

/**
 * Where a database secret points: a `host` (and `port`), or an RDS `dbInstanceIdentifier` /
 * `dbClusterIdentifier` whose endpoint RDS knows (rds-endpoint.ts). Secrets AWS creates for RDS
 * carry `host` and an identifier: the host is where to connect, the identifier says which
 * database that is (same-database.ts uses it before the host).
 */

/** The secret's fields that locate the database, named as AWS's own secrets name them. */
export const LOCATION_FIELDS = ['host', 'port', 'dbInstanceIdentifier', 'dbClusterIdentifier'] as const;

/** RDS's rule for DB instance and cluster identifiers; RDS stores them in lower case. */
const RDS_IDENTIFIER = /^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*$/;
const RDS_IDENTIFIER_RULE =
  'must be 1 to 63 letters, digits or hyphens, start with a letter, and have no two consecutive hyphens and no trailing hyphen';

export function isValidRdsIdentifier(identifier: string): boolean {
  return (
    identifier.length >= 1 && identifier.length <= 63 && RDS_IDENTIFIER.test(identifier) && !identifier.endsWith('-')
  );
}

const rdsIdentifierSchema = z.string().check(z.refine(isValidRdsIdentifier, { message: RDS_IDENTIFIER_RULE }));

const locationSchema = z.looseObject({
  host: z.optional(z.string().check(z.minLength(1))),
  port: z.optional(databasePortSchema),
  dbInstanceIdentifier: z.optional(rdsIdentifierSchema),
  dbClusterIdentifier: z.optional(rdsIdentifierSchema),
});

/** A parsed location: at least one of host, instanceIdentifier, clusterIdentifier is set. */
export interface DatabaseLocation {
  readonly host?: string;
  /** The secret's `port`; absent: the engine's default (with a host) or RDS's endpoint port. */
  readonly port?: number;
  /** Lower case, as RDS reports identifiers. */
  readonly instanceIdentifier?: string;
  /** Lower case, as RDS reports identifiers. */
  readonly clusterIdentifier?: string;
}

/**
 * The location in a secret's JSON fields. Errors name the version and the fields, never values:
 * a secret with none of host / dbInstanceIdentifier / dbClusterIdentifier is InvalidSecretValueError.
 */
export function parseDatabaseLocation(
  fields: Readonly<Record<string, unknown>>,
  versionLabel: string,
): DatabaseLocation {
  const result = locationSchema.safeParse(fields);
  if (!result.success) {
    throw new InvalidSecretValueError(
      `the ${versionLabel} value does not locate a database (${describeIssues(result.error.issues, 'value')})`,
    );
  }
  const { host, port, dbInstanceIdentifier, dbClusterIdentifier } = result.data;
  if (host === undefined && dbInstanceIdentifier === undefined && dbClusterIdentifier === undefined) {
    throw new InvalidSecretValueError(
      `the ${versionLabel} value does not say where the database is: it needs "host" (with "port"), ` +
        '"dbInstanceIdentifier" or "dbClusterIdentifier"',
    );
  }
  return {
    ...(host === undefined ? {} : { host }),
    ...(port === undefined ? {} : { port }),
    ...(dbInstanceIdentifier === undefined ? {} : { instanceIdentifier: dbInstanceIdentifier.toLowerCase() }),
    ...(dbClusterIdentifier === undefined ? {} : { clusterIdentifier: dbClusterIdentifier.toLowerCase() }),
  };
}

/** Whether the location names an RDS database (an identifier), whatever its host. */
export function hasRdsIdentifier(location: DatabaseLocation): boolean {
  return location.instanceIdentifier !== undefined || location.clusterIdentifier !== undefined;
}

/** For messages: `cluster "c1"`, `instance "db1" (db1.x.rds.amazonaws.com:5432)`, `db.example.com:5432`. */
export function describeLocation(location: DatabaseLocation): string {
  const address =
    location.host === undefined
      ? undefined
      : location.port === undefined
        ? location.host
        : `${location.host}:${location.port}`;
  const rds =
    location.clusterIdentifier !== undefined
      ? `DB cluster "${location.clusterIdentifier}"`
      : location.instanceIdentifier !== undefined
        ? `DB instance "${location.instanceIdentifier}"`
        : undefined;
  if (rds && address) return `${rds} (${address})`;
  return rds ?? address ?? 'no database';
}

/**
 * Whether two locations name the same server in the same words: a new version may change the
 * password, never where it points. (Whether two different words reach one database is
 * same-database.ts's question, asked of master secrets.)
 */
export function sameLocation(a: DatabaseLocation, b: DatabaseLocation, defaultPort: number): boolean {
  return (
    a.host?.toLowerCase() === b.host?.toLowerCase() &&
    (a.port ?? defaultPort) === (b.port ?? defaultPort) &&
    a.instanceIdentifier === b.instanceIdentifier &&
    a.clusterIdentifier === b.clusterIdentifier
  );
}
