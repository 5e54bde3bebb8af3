import { createHash } from 'node:crypto';
import { dbClusterNotFound, dbInstanceNotFound, invalidParameterValue } from './errors';
import type { DescribeFilter } from './requests';

/**
 * The local RDS's model: DB instances and DB clusters as tests declare them (identifier, engine,
 * status, endpoint, cluster membership, replication source). What RDS derives (a cluster's
 * members, an instance's read replicas, a cluster's replica clusters) is derived here too, at
 * describe time, so the fixtures stay small and consistent.
 */

export interface ServiceLocation {
  readonly region: string;
  readonly accountId: string;
}

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

/** A DB instance as a test declares it. */
export interface DbInstanceInput {
  /** 1 to 63 letters, digits or hyphens, starting with a letter; stored in lower case. */
  readonly identifier: string;
  /** `postgres`, `mysql`, `mariadb`, `aurora-postgresql`, `aurora-mysql`, ... */
  readonly engine: string;
  /** @default 'available' */
  readonly status?: string;
  /** Where clients connect. @default `<identifier>.c0keyturn0local.<region>.rds.amazonaws.com` and the engine's port */
  readonly endpoint?: Partial<Endpoint>;
  /** @default '16.4' for PostgreSQL engines, '8.0.39' otherwise */
  readonly engineVersion?: string;
  /** @default 'postgres' for PostgreSQL engines, 'admin' otherwise */
  readonly masterUsername?: string;
  readonly dbName?: string;
  /** @default 'db.t4g.micro' */
  readonly instanceClass?: string;
  /** Makes the instance a member of this cluster (DBClusterMembers lists it). */
  readonly clusterIdentifier?: string;
  /** The cluster's writer. @default true for the first member of a cluster, false after */
  readonly writer?: boolean;
  /** Makes the instance a read replica of this instance (identifier or ARN). */
  readonly replicaSourceIdentifier?: string;
  /** Makes the instance a read replica of this cluster (identifier or ARN). */
  readonly replicaSourceClusterIdentifier?: string;
  /** The RDS-managed master secret (ManageMasterUserPassword), reported as MasterUserSecret. */
  readonly masterUserSecretArn?: string;
}

/** A DB cluster (Aurora or Multi-AZ) as a test declares it. */
export interface DbClusterInput {
  readonly identifier: string;
  readonly engine: string;
  /** @default 'available' */
  readonly status?: string;
  /** The cluster (writer) endpoint. @default `<identifier>.cluster-c0keyturn0local.<region>.rds.amazonaws.com` */
  readonly endpoint?: string;
  /** @default `<identifier>.cluster-ro-c0keyturn0local.<region>.rds.amazonaws.com` */
  readonly readerEndpoint?: string;
  readonly customEndpoints?: readonly string[];
  /** @default the engine's port */
  readonly port?: number;
  readonly engineVersion?: string;
  readonly masterUsername?: string;
  readonly databaseName?: string;
  /** Makes the cluster a replica of this cluster or instance (its ARN, as RDS reports it, or an identifier). */
  readonly replicationSourceIdentifier?: string;
  readonly masterUserSecretArn?: string;
}

export interface StoredInstance extends DbInstanceInput {
  readonly identifier: string;
  readonly status: string;
  readonly createdAt: Date;
}

export interface StoredCluster extends DbClusterInput {
  readonly identifier: string;
  readonly status: string;
  readonly createdAt: Date;
}

const IDENTIFIER = /^[a-z](?:[a-z0-9]|-(?!-))*$/;
const RDS_ARN = /^arn:aws[a-z-]*:rds:[a-z0-9-]*:\d*:(db|cluster):([A-Za-z0-9-]+)$/;

export function isValidIdentifier(identifier: string): boolean {
  const lower = identifier.toLowerCase();
  return lower.length >= 1 && lower.length <= 63 && IDENTIFIER.test(lower) && !lower.endsWith('-');
}

/** The identifier an identifier-or-ARN names, in lower case. */
export function identifierOf(identifierOrArn: string): string {
  const match = RDS_ARN.exec(identifierOrArn);
  return (match?.[2] ?? identifierOrArn).toLowerCase();
}

export function defaultPortOf(engine: string): number {
  return /postgres/.test(engine) ? 5432 : engine === 'sqlserver' || engine.startsWith('sqlserver-') ? 1433 : 3306;
}

/** A stable fake resource id (`db-...` / `cluster-...`) derived from the identifier. */
export function resourceId(prefix: 'db' | 'cluster', identifier: string): string {
  return `${prefix}-${createHash('sha256').update(identifier).digest('hex').slice(0, 26).toUpperCase()}`;
}

export class RdsState {
  private readonly instances = new Map<string, StoredInstance>();
  private readonly clusters = new Map<string, StoredCluster>();

  constructor(
    readonly location: ServiceLocation,
    private readonly now: () => Date,
  ) {}

  instanceArn(identifier: string): string {
    return `arn:aws:rds:${this.location.region}:${this.location.accountId}:db:${identifier.toLowerCase()}`;
  }

  clusterArn(identifier: string): string {
    return `arn:aws:rds:${this.location.region}:${this.location.accountId}:cluster:${identifier.toLowerCase()}`;
  }

  defaultHost(identifier: string, kind: 'instance' | 'cluster' | 'cluster-ro'): string {
    const infix = kind === 'instance' ? '' : `${kind}-`;
    return `${identifier}.${infix}c0keyturn0local.${this.location.region}.rds.amazonaws.com`;
  }

  // ---------------------------------------------------------------- fixtures

  putInstance(input: DbInstanceInput): StoredInstance {
    const identifier = this.checkIdentifier(input.identifier, 'DB instance');
    if (input.clusterIdentifier !== undefined && !this.clusters.has(identifierOf(input.clusterIdentifier))) {
      throw new RangeError(`DB cluster ${input.clusterIdentifier} does not exist: add it before its instances`);
    }
    const stored: StoredInstance = {
      ...input,
      identifier,
      status: input.status ?? 'available',
      createdAt: this.instances.get(identifier)?.createdAt ?? this.now(),
      ...(input.clusterIdentifier === undefined ? {} : { clusterIdentifier: identifierOf(input.clusterIdentifier) }),
    };
    this.instances.set(identifier, stored);
    return stored;
  }

  putCluster(input: DbClusterInput): StoredCluster {
    const identifier = this.checkIdentifier(input.identifier, 'DB cluster');
    const stored: StoredCluster = {
      ...input,
      identifier,
      status: input.status ?? 'available',
      createdAt: this.clusters.get(identifier)?.createdAt ?? this.now(),
    };
    this.clusters.set(identifier, stored);
    return stored;
  }

  setInstanceStatus(identifier: string, status: string): void {
    const instance = this.requireInstance(identifier);
    this.instances.set(instance.identifier, { ...instance, status });
  }

  setClusterStatus(identifier: string, status: string): void {
    const cluster = this.requireCluster(identifier);
    this.clusters.set(cluster.identifier, { ...cluster, status });
  }

  removeInstance(identifier: string): void {
    this.instances.delete(identifierOf(identifier));
  }

  /** Removes the cluster and its member instances. */
  removeCluster(identifier: string): void {
    const id = identifierOf(identifier);
    this.clusters.delete(id);
    for (const instance of [...this.instances.values()]) {
      if (instance.clusterIdentifier === id) this.instances.delete(instance.identifier);
    }
  }

  private checkIdentifier(identifier: string, what: string): string {
    if (!isValidIdentifier(identifier)) throw new RangeError(`invalid ${what} identifier: ${identifier}`);
    return identifier.toLowerCase();
  }

  // ---------------------------------------------------------------- reads (API)

  requireInstance(identifierOrArn: string): StoredInstance {
    const instance = this.instances.get(identifierOf(identifierOrArn));
    if (!instance) throw dbInstanceNotFound(identifierOrArn);
    return instance;
  }

  requireCluster(identifierOrArn: string): StoredCluster {
    const cluster = this.clusters.get(identifierOf(identifierOrArn));
    if (!cluster) throw dbClusterNotFound(identifierOrArn);
    return cluster;
  }

  /** DescribeDBInstances: one by identifier (DBInstanceNotFound when unknown), or all matching the filters. */
  describeInstances(identifier: string | undefined, filters: readonly DescribeFilter[]): StoredInstance[] {
    if (identifier !== undefined) {
      assertIdentifierParameter(identifier, 'DBInstanceIdentifier');
      const instance = this.requireInstance(identifier);
      return matchesAll(filters, (name) => this.instanceAttribute(instance, name)) ? [instance] : [];
    }
    return [...this.instances.values()].filter((instance) =>
      matchesAll(filters, (name) => this.instanceAttribute(instance, name)),
    );
  }

  /** DescribeDBClusters: one by identifier (DBClusterNotFoundFault when unknown), or all matching the filters. */
  describeClusters(identifier: string | undefined, filters: readonly DescribeFilter[]): StoredCluster[] {
    if (identifier !== undefined) {
      assertIdentifierParameter(identifier, 'DBClusterIdentifier');
      const cluster = this.requireCluster(identifier);
      return matchesAll(filters, (name) => clusterAttribute(cluster, name)) ? [cluster] : [];
    }
    return [...this.clusters.values()].filter((cluster) =>
      matchesAll(filters, (name) => clusterAttribute(cluster, name)),
    );
  }

  /** The cluster's members, the writer first flagged (an explicit writer, else the first added). */
  membersOf(clusterIdentifier: string): { instance: StoredInstance; writer: boolean }[] {
    const members = [...this.instances.values()].filter((i) => i.clusterIdentifier === clusterIdentifier);
    const explicitWriter = members.find((m) => m.writer === true);
    const writer = explicitWriter ?? members.find((m) => m.writer !== false);
    return members.map((instance) => ({ instance, writer: instance === writer }));
  }

  /** Instances that replicate from this instance (RDS lists their identifiers on the source). */
  instanceReplicasOf(instanceIdentifier: string): StoredInstance[] {
    return [...this.instances.values()].filter(
      (i) => i.replicaSourceIdentifier !== undefined && identifierOf(i.replicaSourceIdentifier) === instanceIdentifier,
    );
  }

  /** Clusters that replicate from this instance or cluster (RDS lists them on the source). */
  clusterReplicasOf(kind: 'db' | 'cluster', identifier: string): StoredCluster[] {
    return [...this.clusters.values()].filter((c) => {
      if (c.replicationSourceIdentifier === undefined) return false;
      const match = RDS_ARN.exec(c.replicationSourceIdentifier);
      const sourceKind = match ? match[1] : 'cluster';
      return sourceKind === kind && identifierOf(c.replicationSourceIdentifier) === identifier;
    });
  }

  /** Instances that replicate from this cluster (ReadReplicaSourceDBClusterIdentifier). */
  instanceReplicasOfCluster(clusterIdentifier: string): StoredInstance[] {
    return [...this.instances.values()].filter(
      (i) =>
        i.replicaSourceClusterIdentifier !== undefined &&
        identifierOf(i.replicaSourceClusterIdentifier) === clusterIdentifier,
    );
  }

  private instanceAttribute(instance: StoredInstance, name: string): string[] {
    switch (name) {
      case 'db-instance-id':
        return [instance.identifier, this.instanceArn(instance.identifier)];
      case 'db-cluster-id':
        return instance.clusterIdentifier === undefined
          ? []
          : [instance.clusterIdentifier, this.clusterArn(instance.clusterIdentifier)];
      case 'engine':
        return [instance.engine];
      default:
        return [];
    }
  }
}

function clusterAttribute(cluster: StoredCluster, name: string): string[] {
  switch (name) {
    case 'db-cluster-id':
      return [cluster.identifier];
    case 'engine':
      return [cluster.engine];
    default:
      return [];
  }
}

/** Every filter must match; within a filter any value may (identifiers compare in lower case, ARNs too). */
function matchesAll(filters: readonly DescribeFilter[], attribute: (name: string) => string[]): boolean {
  return filters.every((filter) => {
    const actual = attribute(filter.name).map((v) => v.toLowerCase());
    return filter.values.some((value) => actual.includes(value.toLowerCase()) || actual.includes(identifierOf(value)));
  });
}

function assertIdentifierParameter(identifier: string, parameter: string): void {
  if (RDS_ARN.test(identifier) || isValidIdentifier(identifier)) return;
  throw invalidParameterValue(
    `The parameter ${parameter} is not a valid identifier. Identifiers must begin with a letter; ` +
      'must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.',
  );
}
