import type { DBCluster, DBInstance, RDSClient } from '@aws-sdk/client-rds';
import { type DatabaseLocation, describeLocation } from './location';
import { describeDbCluster, describeDbInstance, describeDbInstancesWhere } from './rds-endpoint';
import { RdsDatabaseNotFoundError } from './rds-errors';

/**
 * Whether two secrets (a master and the user it manages) reach the same database: the same
 * instance or cluster, an instance of that cluster, or a replica of it (a master may live on
 * the primary while an application user's secret points at a reader). Two plain hosts are
 * compared as host:port without calling RDS; an identifier is resolved through RDS.
 */

export type SameDatabaseResult =
  | {
      readonly same: true;
      /** same-endpoint: equal host:port; same-database: the same instance or cluster; replication-group: a replica of it. */
      readonly relation: 'same-endpoint' | 'same-database' | 'replication-group';
    }
  | { readonly same: false; readonly reason: string };

export interface SameDatabaseOptions {
  /** The port of a location with a host and no port (the engine's default). */
  readonly defaultPort: number;
}

export interface RdsRef {
  readonly kind: 'instance' | 'cluster';
  readonly id: string;
}

const RDS_ARN = /^arn:aws[a-z-]*:rds:[a-z0-9-]*:\d*:(db|cluster):([A-Za-z0-9-]+)$/;
/** How many replication hops are followed to the primary (RDS allows replicas of replicas). */
const MAX_REPLICATION_DEPTH = 5;

/** An identifier or an RDS ARN as a reference; `kind` is used when it is a bare identifier. */
export function rdsRef(identifierOrArn: string, kind: RdsRef['kind']): RdsRef {
  const match = RDS_ARN.exec(identifierOrArn);
  if (match) return { kind: match[1] === 'cluster' ? 'cluster' : 'instance', id: (match[2] ?? '').toLowerCase() };
  return { kind, id: identifierOrArn.toLowerCase() };
}

export const refKey = (ref: RdsRef) => `${ref.kind}:${ref.id}`;
const describeRef = (ref: RdsRef) => `DB ${ref.kind} "${ref.id}"`;

function endpointKey(host: string, port: number | undefined, defaultPort: number): string {
  return `${host.toLowerCase().replace(/\.$/, '')}:${port ?? defaultPort}`;
}

/** The reference a location's identifiers name (a cluster before an instance). */
export function refOf(location: DatabaseLocation): RdsRef | undefined {
  if (location.clusterIdentifier !== undefined) return { kind: 'cluster', id: location.clusterIdentifier };
  if (location.instanceIdentifier !== undefined) return { kind: 'instance', id: location.instanceIdentifier };
  return undefined;
}

async function describe(rds: RDSClient, ref: RdsRef): Promise<DBInstance | DBCluster> {
  const found = ref.kind === 'instance' ? await describeDbInstance(rds, ref.id) : await describeDbCluster(rds, ref.id);
  if (!found) throw new RdsDatabaseNotFoundError(`${describeRef(ref)} does not exist`);
  return found;
}

/** An instance of a cluster is that cluster's database; anything else is itself. */
async function databaseOf(rds: RDSClient, ref: RdsRef): Promise<RdsRef> {
  if (ref.kind === 'cluster') return ref;
  const instance = (await describe(rds, ref)) as DBInstance;
  return instance.DBClusterIdentifier ? rdsRef(instance.DBClusterIdentifier, 'cluster') : ref;
}

/** What a database replicates from, if it is a replica. */
async function sourceOf(rds: RDSClient, ref: RdsRef): Promise<RdsRef | undefined> {
  if (ref.kind === 'cluster') {
    const cluster = (await describe(rds, ref)) as DBCluster;
    return cluster.ReplicationSourceIdentifier ? rdsRef(cluster.ReplicationSourceIdentifier, 'cluster') : undefined;
  }
  const instance = (await describe(rds, ref)) as DBInstance;
  if (instance.ReadReplicaSourceDBInstanceIdentifier) {
    return rdsRef(instance.ReadReplicaSourceDBInstanceIdentifier, 'instance');
  }
  if (instance.ReadReplicaSourceDBClusterIdentifier) {
    return rdsRef(instance.ReadReplicaSourceDBClusterIdentifier, 'cluster');
  }
  return undefined;
}

/**
 * The primary of a database's replication group. A source RDS cannot describe here (another
 * region's ARN, a deleted primary) ends the walk: it still names the group.
 */
async function primaryOf(rds: RDSClient, database: RdsRef): Promise<RdsRef> {
  let current = database;
  for (let depth = 0; depth < MAX_REPLICATION_DEPTH; depth++) {
    let source: RdsRef | undefined;
    try {
      source = await sourceOf(rds, current);
    } catch (error) {
      if (depth > 0 && error instanceof RdsDatabaseNotFoundError) return current;
      throw error;
    }
    if (!source) return current;
    current = await databaseOf(rds, source).catch((error: unknown) => {
      if (error instanceof RdsDatabaseNotFoundError) return source;
      throw error;
    });
  }
  return current;
}

/** The host:port endpoints of one database: cluster writer, reader and custom endpoints and its instances, or an instance's endpoint. */
async function endpointsOf(rds: RDSClient, database: RdsRef, defaultPort: number): Promise<string[]> {
  if (database.kind === 'instance') {
    const instance = await describeDbInstance(rds, database.id);
    const address = instance?.Endpoint?.Address;
    return address ? [endpointKey(address, instance.Endpoint?.Port, defaultPort)] : [];
  }
  const cluster = await describeDbCluster(rds, database.id);
  if (!cluster) return [];
  const hosts = [cluster.Endpoint, cluster.ReaderEndpoint, ...(cluster.CustomEndpoints ?? [])].filter(
    (host): host is string => typeof host === 'string' && host.length > 0,
  );
  const members = await describeDbInstancesWhere(rds, 'db-cluster-id', [database.id]);
  return [
    ...hosts.map((host) => endpointKey(host, cluster.Port, defaultPort)),
    ...members.flatMap((m) =>
      m.Endpoint?.Address ? [endpointKey(m.Endpoint.Address, m.Endpoint.Port, defaultPort)] : [],
    ),
  ];
}

/** The databases that replicate from `primary` (one level: RDS lists them on the primary). */
async function replicasOf(rds: RDSClient, primary: RdsRef): Promise<RdsRef[]> {
  const found = await describe(rds, primary);
  if (primary.kind === 'cluster') {
    return ((found as DBCluster).ReadReplicaIdentifiers ?? []).map((id) => rdsRef(id, 'cluster'));
  }
  const instance = found as DBInstance;
  return [
    ...(instance.ReadReplicaDBInstanceIdentifiers ?? []).map((id) => rdsRef(id, 'instance')),
    ...(instance.ReadReplicaDBClusterIdentifiers ?? []).map((id) => rdsRef(id, 'cluster')),
  ];
}

/** A fallback for a database RDS does not know; any other failure (access denied...) goes on. */
function ifNotFound<T>(fallback: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof RdsDatabaseNotFoundError) return fallback;
    throw error;
  };
}

/** Whether `host:port` is an endpoint of `ref`'s database or of its replication group. */
async function hostInGroup(
  rds: RDSClient,
  ref: RdsRef,
  endpoint: string,
  defaultPort: number,
): Promise<'same-database' | 'replication-group' | undefined> {
  const database = await databaseOf(rds, ref);
  if ((await endpointsOf(rds, database, defaultPort)).includes(endpoint)) return 'same-database';
  const primary = await primaryOf(rds, database);
  const group = [primary, ...(await replicasOf(rds, primary).catch(ifNotFound([] as RdsRef[])))].filter(
    (member) => refKey(member) !== refKey(database),
  );
  for (const member of group) {
    // A replica in another region (an ARN RDS cannot describe here) has no endpoint to match.
    const memberDatabase = await databaseOf(rds, member).catch(ifNotFound(member));
    if ((await endpointsOf(rds, memberDatabase, defaultPort)).includes(endpoint)) return 'replication-group';
  }
  return undefined;
}

/**
 * Whether `master` reaches the database `user` is on. Identifiers speak before hosts: a secret
 * AWS made for RDS has both, and its identifier says which database its host belongs to. A
 * database RDS does not know is a reason, not an error; other RDS failures are thrown
 * (RdsAccessDeniedError, RdsLookupError).
 */
export async function sameDatabase(
  rds: RDSClient,
  master: DatabaseLocation,
  user: DatabaseLocation,
  options: SameDatabaseOptions,
): Promise<SameDatabaseResult> {
  const { defaultPort } = options;
  const masterEndpoint = master.host === undefined ? undefined : endpointKey(master.host, master.port, defaultPort);
  const userEndpoint = user.host === undefined ? undefined : endpointKey(user.host, user.port, defaultPort);
  if (masterEndpoint !== undefined && masterEndpoint === userEndpoint) return { same: true, relation: 'same-endpoint' };
  const notSame = (why: string): SameDatabaseResult => ({
    same: false,
    reason: `the master secret points at ${describeLocation(master)}, the user's secret at ${describeLocation(user)}: ${why}`,
  });

  const masterRef = refOf(master);
  const userRef = refOf(user);
  if (!masterRef && !userRef)
    return notSame(`${masterEndpoint ?? '?'} and ${userEndpoint ?? '?'} are different servers`);
  if (masterRef && userRef && refKey(masterRef) === refKey(userRef)) return { same: true, relation: 'same-database' };

  try {
    if (masterRef && userRef) {
      const [masterDatabase, userDatabase] = await Promise.all([databaseOf(rds, masterRef), databaseOf(rds, userRef)]);
      if (refKey(masterDatabase) === refKey(userDatabase)) return { same: true, relation: 'same-database' };
      const [masterPrimary, userPrimary] = await Promise.all([
        primaryOf(rds, masterDatabase),
        primaryOf(rds, userDatabase),
      ]);
      if (refKey(masterPrimary) === refKey(userPrimary)) return { same: true, relation: 'replication-group' };
      return notSame(
        `${describeRef(masterDatabase)} and ${describeRef(userDatabase)} are different databases, neither a replica of the other`,
      );
    }
    // One side names an RDS database, the other only a host: is the host one of that database's endpoints?
    const [ref, endpoint] = masterRef ? [masterRef, userEndpoint] : [userRef as RdsRef, masterEndpoint];
    if (endpoint === undefined) return notSame('nothing to compare');
    const relation = await hostInGroup(rds, ref, endpoint, defaultPort);
    if (relation) return { same: true, relation };
    return notSame(`${endpoint} is not an endpoint of ${describeRef(ref)}, its cluster or its replicas`);
  } catch (error) {
    if (error instanceof RdsDatabaseNotFoundError) return notSame(error.message);
    throw error;
  }
}
