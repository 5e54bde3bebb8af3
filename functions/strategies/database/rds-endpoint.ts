import {
  type DBCluster,
  type DBInstance,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  type Filter,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { type DatabaseLocation, describeLocation } from './location';
import {
  RdsAccessDeniedError,
  RdsDatabaseNotAvailableError,
  RdsDatabaseNotFoundError,
  RdsEngineMismatchError,
  RdsLookupError,
} from './rds-errors';

/**
 * Resolving a secret's `dbInstanceIdentifier` / `dbClusterIdentifier` to the endpoint to log in
 * to, through DescribeDBInstances / DescribeDBClusters, with clear errors for a database that is
 * missing, not available, or of another engine. A secret with a `host` needs no RDS call.
 */

/** The engine families keyturn's database strategies speak. */
export type EngineFamily = 'postgres' | 'mysql';

/** RDS engine names per family (`aurora` is Aurora MySQL 5.6, long retired, still reported by old clusters). */
export const ENGINES_BY_FAMILY: Readonly<Record<EngineFamily, readonly string[]>> = {
  postgres: ['postgres', 'aurora-postgresql'],
  mysql: ['mysql', 'mariadb', 'aurora-mysql', 'aurora'],
};

export const DEFAULT_PORT_BY_FAMILY: Readonly<Record<EngineFamily, number>> = { postgres: 5432, mysql: 3306 };

export function engineFamilyOf(engine: string): EngineFamily | undefined {
  const name = engine.toLowerCase();
  return (Object.keys(ENGINES_BY_FAMILY) as EngineFamily[]).find((family) => ENGINES_BY_FAMILY[family].includes(name));
}

/**
 * DB instance statuses in which the database accepts logins (RDS's "DB instance status" table):
 * maintenance and configuration changes happen while it serves.
 */
const INSTANCE_STATUSES_ACCEPTING_LOGINS = new Set([
  'available',
  'backing-up',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
  'converting-to-vpc',
  'maintenance',
  'modifying',
  'moving-to-vpc',
  'renaming',
  'resetting-master-credentials',
  'storage-config-upgrade',
  'storage-initialization',
  'storage-optimization',
  'upgrading',
]);

/** DB cluster statuses in which the writer endpoint accepts logins. */
const CLUSTER_STATUSES_ACCEPTING_LOGINS = new Set([
  'available',
  'backing-up',
  'backtracking',
  'maintenance',
  'migrating',
  'modifying',
  'promoting',
  'renaming',
  'resetting-master-credentials',
  'storage-optimization',
  'update-iam-db-auth',
  'upgrading',
]);

/** Statuses that end by themselves: a retry later may find the database available. */
const TRANSIENT_STATUSES = new Set([
  'creating',
  'starting',
  'rebooting',
  'failing-over',
  'migration-failed',
  'cloning-failed',
]);

/** Where to log in, and what RDS says the database is. */
export interface DatabaseEndpoint {
  readonly host: string;
  readonly port: number;
  /** RDS's engine name (`postgres`, `aurora-mysql`...); absent when the host came from the secret (no RDS call). */
  readonly engine?: string;
  readonly instanceIdentifier?: string;
  readonly clusterIdentifier?: string;
}

export interface ResolveOptions {
  /** The port for a secret with a host and no port. @default the family's (5432 / 3306) */
  readonly defaultPort?: number;
}

/** How long a resolved endpoint is reused: a rotation step logs in several times within seconds. */
export const ENDPOINT_CACHE_TTL_MS = 30_000;

interface CacheEntry {
  readonly expiresAt: number;
  readonly value: Promise<unknown>;
}

// Per client: the rotation function builds its client once per cold start, so the cache lives
// as long as the process; a test's fresh client starts with an empty cache.
let caches = new WeakMap<RDSClient, Map<string, CacheEntry>>();
let clock: () => number = () => Date.now();

/** Forgets every cached lookup (tests; or after a failover the caller knows about). */
export function clearRdsEndpointCache(): void {
  caches = new WeakMap();
}

/** @internal for tests: the clock behind the cache's TTL. */
export function setRdsEndpointCacheClock(now: (() => number) | undefined): void {
  clock = now ?? (() => Date.now());
}

/** A Describe call's result, shared by concurrent callers and reused until the TTL runs out. Failures are not kept. */
function cached<T>(rds: RDSClient, key: string, load: () => Promise<T>): Promise<T> {
  let cache = caches.get(rds);
  if (!cache) {
    cache = new Map();
    caches.set(rds, cache);
  }
  const now = clock();
  const hit = cache.get(key);
  if (hit && hit.expiresAt > now) return hit.value as Promise<T>;
  const value = load();
  const entry = { expiresAt: now + ENDPOINT_CACHE_TTL_MS, value };
  cache.set(key, entry);
  value.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
  return value;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function isAccessDenied(error: unknown): boolean {
  const name = errorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (
    name === 'AccessDenied' ||
    name === 'AccessDeniedException' ||
    name === 'UnauthorizedOperation' ||
    (status === 403 && !/Throttl/i.test(name))
  );
}

function lookupError(error: unknown, action: string, resource: string): Error {
  if (isAccessDenied(error)) {
    return new RdsAccessDeniedError(
      `RDS denied ${action} on ${resource}: the rotation function's role needs rds:${action} on that ` +
        `resource to find the database the secret names (${errorName(error)})`,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new RdsLookupError(`RDS ${action} for ${resource} failed: ${errorName(error)}: ${message}`);
}

/** One DB instance by identifier (or ARN), or undefined when RDS does not know it. */
export function describeDbInstance(rds: RDSClient, identifier: string): Promise<DBInstance | undefined> {
  return cached(rds, `instance:${identifier.toLowerCase()}`, async () => {
    try {
      const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
      return out.DBInstances?.[0];
    } catch (error) {
      if (errorName(error) === 'DBInstanceNotFoundFault' || errorName(error) === 'DBInstanceNotFound') return undefined;
      throw lookupError(error, 'DescribeDBInstances', `DB instance "${identifier}"`);
    }
  });
}

/** One DB cluster by identifier (or ARN), or undefined when RDS does not know it. */
export function describeDbCluster(rds: RDSClient, identifier: string): Promise<DBCluster | undefined> {
  return cached(rds, `cluster:${identifier.toLowerCase()}`, async () => {
    try {
      const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
      return out.DBClusters?.[0];
    } catch (error) {
      if (errorName(error) === 'DBClusterNotFoundFault') return undefined;
      throw lookupError(error, 'DescribeDBClusters', `DB cluster "${identifier}"`);
    }
  });
}

/** Every DB instance matching one filter (`db-cluster-id`, `db-instance-id`), all pages. */
export function describeDbInstancesWhere(
  rds: RDSClient,
  filter: string,
  values: readonly string[],
): Promise<DBInstance[]> {
  const sorted = [...values].map((v) => v.toLowerCase()).sort();
  return cached(rds, `instances:${filter}=${sorted.join(',')}`, async () => {
    const instances: DBInstance[] = [];
    const filters: Filter[] = [{ Name: filter, Values: sorted }];
    let marker: string | undefined;
    try {
      do {
        const page = await rds.send(new DescribeDBInstancesCommand({ Filters: filters, Marker: marker }));
        instances.push(...(page.DBInstances ?? []));
        marker = page.Marker;
      } while (marker);
    } catch (error) {
      throw lookupError(error, 'DescribeDBInstances', `DB instances with ${filter} ${sorted.join(', ')}`);
    }
    return instances;
  });
}

function checkEngine(engine: string | undefined, family: EngineFamily, what: string): string {
  const actual = engine ?? 'unknown';
  if (engineFamilyOf(actual) !== family) {
    throw new RdsEngineMismatchError(
      `${what} runs ${actual}, but the secret is for ${family} (${ENGINES_BY_FAMILY[family].join(' or ')})`,
    );
  }
  return actual;
}

function checkStatus(status: string | undefined, accepting: ReadonlySet<string>, what: string): void {
  const actual = status ?? 'unknown';
  if (accepting.has(actual)) return;
  const transient = TRANSIENT_STATUSES.has(actual);
  throw new RdsDatabaseNotAvailableError(
    `${what} is ${actual}: it does not accept logins now` +
      (transient ? '; this passes by itself, retry later' : actual === 'stopped' ? '; start it first' : ''),
    actual,
    transient,
  );
}

async function resolveInstance(rds: RDSClient, identifier: string, family: EngineFamily): Promise<DatabaseEndpoint> {
  const what = `DB instance "${identifier}"`;
  const instance = await describeDbInstance(rds, identifier);
  if (!instance) throw new RdsDatabaseNotFoundError(`${what} does not exist (DescribeDBInstances: DBInstanceNotFound)`);
  const engine = checkEngine(instance.Engine, family, what);
  checkStatus(instance.DBInstanceStatus, INSTANCE_STATUSES_ACCEPTING_LOGINS, what);
  const address = instance.Endpoint?.Address;
  const port = instance.Endpoint?.Port;
  if (!address || !port) {
    throw new RdsDatabaseNotAvailableError(`${what} has no endpoint yet`, instance.DBInstanceStatus ?? 'unknown', true);
  }
  return {
    host: address,
    port,
    engine,
    instanceIdentifier: instance.DBInstanceIdentifier ?? identifier,
    ...(instance.DBClusterIdentifier ? { clusterIdentifier: instance.DBClusterIdentifier } : {}),
  };
}

async function resolveCluster(rds: RDSClient, identifier: string, family: EngineFamily): Promise<DatabaseEndpoint> {
  const what = `DB cluster "${identifier}"`;
  const cluster = await describeDbCluster(rds, identifier);
  if (!cluster)
    throw new RdsDatabaseNotFoundError(`${what} does not exist (DescribeDBClusters: DBClusterNotFoundFault)`);
  const engine = checkEngine(cluster.Engine, family, what);
  checkStatus(cluster.Status, CLUSTER_STATUSES_ACCEPTING_LOGINS, what);
  // The cluster (writer) endpoint: the password change must reach the writer.
  if (!cluster.Endpoint || !cluster.Port) {
    throw new RdsDatabaseNotAvailableError(`${what} has no writer endpoint`, cluster.Status ?? 'unknown', true);
  }
  return {
    host: cluster.Endpoint,
    port: cluster.Port,
    engine,
    clusterIdentifier: cluster.DBClusterIdentifier ?? identifier,
  };
}

/**
 * The endpoint to log in to. With a `host`, the secret's host and port (no RDS call; the
 * identifiers are passed through). Otherwise the cluster's writer endpoint, or the instance's
 * endpoint, as RDS reports them (RDS's port wins over the secret's), after checking the engine
 * family and the status.
 */
export async function resolveDatabaseEndpoint(
  rds: RDSClient,
  location: DatabaseLocation,
  engineFamily: EngineFamily,
  options: ResolveOptions = {},
): Promise<DatabaseEndpoint> {
  if (location.host !== undefined) {
    return {
      host: location.host,
      port: location.port ?? options.defaultPort ?? DEFAULT_PORT_BY_FAMILY[engineFamily],
      ...(location.instanceIdentifier ? { instanceIdentifier: location.instanceIdentifier } : {}),
      ...(location.clusterIdentifier ? { clusterIdentifier: location.clusterIdentifier } : {}),
    };
  }
  if (location.clusterIdentifier !== undefined) return resolveCluster(rds, location.clusterIdentifier, engineFamily);
  if (location.instanceIdentifier !== undefined) return resolveInstance(rds, location.instanceIdentifier, engineFamily);
  throw new RdsDatabaseNotFoundError(`the secret names ${describeLocation(location)}`);
}
