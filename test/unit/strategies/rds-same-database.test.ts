import {
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RDSServiceException,
  type DBCluster,
  type DBInstance,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { clearRdsEndpointCache } from '../../../functions/strategies/database/rds-endpoint';
import { sameDatabase } from '../../../functions/strategies/database/same-database';

const rdsMock = mockClient(RDSClient);
let rds: RDSClient;
const opts = { defaultPort: 5432 };
const ARN = 'arn:aws:rds:us-east-1:123456789012';

/** A small RDS world: each test declares instances and clusters, and the mock answers like RDS. */
function givenRds(world: { instances?: DBInstance[]; clusters?: DBCluster[] }): void {
  const instances = world.instances ?? [];
  const clusters = world.clusters ?? [];
  rdsMock
    .on(DescribeDBInstancesCommand)
    .callsFake((input: { DBInstanceIdentifier?: string; Filters?: { Name: string; Values: string[] }[] }) => {
      if (input.DBInstanceIdentifier) {
        const found = instances.find((i) => i.DBInstanceIdentifier === input.DBInstanceIdentifier);
        if (!found) throw new DBInstanceNotFoundFault({ message: 'not found', $metadata: {} });
        return { DBInstances: [found] };
      }
      const filter = input.Filters?.[0];
      if (filter?.Name === 'db-cluster-id') {
        return { DBInstances: instances.filter((i) => filter.Values.includes(i.DBClusterIdentifier ?? '')) };
      }
      return { DBInstances: instances };
    });
  rdsMock.on(DescribeDBClustersCommand).callsFake((input: { DBClusterIdentifier?: string }) => {
    const found = clusters.find((c) => c.DBClusterIdentifier === input.DBClusterIdentifier);
    if (!found) {
      throw new RDSServiceException({ name: 'DBClusterNotFoundFault', $fault: 'client', message: 'nf', $metadata: {} });
    }
    return { DBClusters: [found] };
  });
}

const inst = (id: string, extra: Partial<DBInstance> = {}): DBInstance => ({
  DBInstanceIdentifier: id,
  Engine: 'postgres',
  DBInstanceStatus: 'available',
  Endpoint: { Address: `${id}.abc.rds.amazonaws.com`, Port: 5432 },
  ...extra,
});

const aurora = (id: string, extra: Partial<DBCluster> = {}): DBCluster => ({
  DBClusterIdentifier: id,
  Engine: 'aurora-postgresql',
  Status: 'available',
  Endpoint: `${id}.cluster-abc.rds.amazonaws.com`,
  ReaderEndpoint: `${id}.cluster-ro-abc.rds.amazonaws.com`,
  CustomEndpoints: [`${id}-analytics.cluster-custom-abc.rds.amazonaws.com`],
  Port: 5432,
  ...extra,
});

beforeEach(() => {
  rdsMock.reset();
  clearRdsEndpointCache();
  rds = new RDSClient({});
});

describe('sameDatabase: plain hosts', () => {
  it('compares host (case-insensitively) and port, without calling RDS', async () => {
    await expect(
      sameDatabase(rds, { host: 'DB.example.com' }, { host: 'db.example.com', port: 5432 }, opts),
    ).resolves.toEqual({ same: true, relation: 'same-endpoint' });
    const other = await sameDatabase(rds, { host: 'db.example.com', port: 5433 }, { host: 'db.example.com' }, opts);
    expect(other).toMatchObject({ same: false, reason: expect.stringContaining('db.example.com:5433') as string });
    expect(rdsMock.calls()).toHaveLength(0);
  });
});

describe('sameDatabase: identifiers', () => {
  it('the same identifier is the same database, without calling RDS', async () => {
    await expect(
      sameDatabase(rds, { instanceIdentifier: 'orders' }, { instanceIdentifier: 'orders', host: 'x' }, opts),
    ).resolves.toEqual({ same: true, relation: 'same-database' });
    expect(rdsMock.calls()).toHaveLength(0);
  });

  it('an instance of a cluster is the same database as the cluster', async () => {
    givenRds({
      instances: [inst('c1-b', { DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql' })],
      clusters: [aurora('c1')],
    });
    await expect(sameDatabase(rds, { clusterIdentifier: 'c1' }, { instanceIdentifier: 'c1-b' }, opts)).resolves.toEqual(
      {
        same: true,
        relation: 'same-database',
      },
    );
  });

  it("a read replica of the master's instance is in its replication group", async () => {
    givenRds({
      instances: [
        inst('orders', { ReadReplicaDBInstanceIdentifiers: ['orders-replica'] }),
        inst('orders-replica', { ReadReplicaSourceDBInstanceIdentifier: 'orders' }),
      ],
    });
    await expect(
      sameDatabase(rds, { instanceIdentifier: 'orders' }, { instanceIdentifier: 'orders-replica' }, opts),
    ).resolves.toEqual({ same: true, relation: 'replication-group' });
  });

  it('follows a cross-region replica source given as an ARN, and a replica of a replica', async () => {
    givenRds({
      instances: [
        inst('orders'),
        inst('orders-r1', { ReadReplicaSourceDBInstanceIdentifier: `${ARN}:db:orders` }),
        inst('orders-r2', { ReadReplicaSourceDBInstanceIdentifier: 'orders-r1' }),
      ],
    });
    await expect(
      sameDatabase(rds, { instanceIdentifier: 'orders' }, { instanceIdentifier: 'orders-r2' }, opts),
    ).resolves.toEqual({ same: true, relation: 'replication-group' });
  });

  it('a cluster replicating from another cluster (ReplicationSourceIdentifier) is in its group', async () => {
    givenRds({ clusters: [aurora('c1'), aurora('c2', { ReplicationSourceIdentifier: `${ARN}:cluster:c1` })] });
    await expect(sameDatabase(rds, { clusterIdentifier: 'c1' }, { clusterIdentifier: 'c2' }, opts)).resolves.toEqual({
      same: true,
      relation: 'replication-group',
    });
  });

  it('two unrelated databases are not the same, and the reason names both', async () => {
    givenRds({ instances: [inst('orders'), inst('billing')] });
    const result = await sameDatabase(rds, { instanceIdentifier: 'billing' }, { instanceIdentifier: 'orders' }, opts);
    expect(result).toEqual({
      same: false,
      reason:
        'the master secret points at DB instance "billing", the user\'s secret at DB instance "orders": ' +
        'DB instance "billing" and DB instance "orders" are different databases, neither a replica of the other',
    });
  });

  it('a database RDS does not know is a reason, not an error', async () => {
    givenRds({ instances: [inst('orders')] });
    await expect(
      sameDatabase(rds, { instanceIdentifier: 'gone' }, { instanceIdentifier: 'orders' }, opts),
    ).resolves.toMatchObject({
      same: false,
      reason: expect.stringContaining('DB instance "gone" does not exist') as string,
    });
  });

  it('lets an access denial through (the caller reports the missing permission)', async () => {
    rdsMock.on(DescribeDBInstancesCommand).rejects(
      new RDSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'no',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await expect(
      sameDatabase(rds, { instanceIdentifier: 'a' }, { instanceIdentifier: 'b' }, opts),
    ).rejects.toMatchObject({ name: 'RdsAccessDeniedError' });
  });
});

describe('sameDatabase: a host against an identifier', () => {
  it("matches the instance's endpoint", async () => {
    givenRds({ instances: [inst('orders')] });
    await expect(
      sameDatabase(rds, { instanceIdentifier: 'orders' }, { host: 'orders.abc.rds.amazonaws.com', port: 5432 }, opts),
    ).resolves.toEqual({ same: true, relation: 'same-database' });
  });

  it('needs the port to match too', async () => {
    givenRds({ instances: [inst('orders')] });
    await expect(
      sameDatabase(rds, { instanceIdentifier: 'orders' }, { host: 'orders.abc.rds.amazonaws.com', port: 6543 }, opts),
    ).resolves.toMatchObject({ same: false });
  });

  it.each([
    ['writer', 'c1.cluster-abc.rds.amazonaws.com'],
    ['reader', 'c1.cluster-ro-abc.rds.amazonaws.com'],
    ['custom', 'c1-analytics.cluster-custom-abc.rds.amazonaws.com'],
    ['member instance', 'c1-b.abc.rds.amazonaws.com'],
  ])("matches the cluster's %s endpoint", async (_kind, host) => {
    givenRds({ instances: [inst('c1-b', { DBClusterIdentifier: 'c1' })], clusters: [aurora('c1')] });
    await expect(sameDatabase(rds, { clusterIdentifier: 'c1' }, { host }, opts)).resolves.toEqual({
      same: true,
      relation: 'same-database',
    });
    // and the other way round: a master on a plain host, the user naming the cluster
    await expect(sameDatabase(rds, { host }, { clusterIdentifier: 'c1' }, opts)).resolves.toMatchObject({ same: true });
  });

  it("matches a read replica's endpoint as the replication group", async () => {
    givenRds({
      instances: [
        inst('orders', { ReadReplicaDBInstanceIdentifiers: ['orders-replica'] }),
        inst('orders-replica', { ReadReplicaSourceDBInstanceIdentifier: 'orders' }),
      ],
    });
    await expect(
      sameDatabase(rds, { instanceIdentifier: 'orders' }, { host: 'orders-replica.abc.rds.amazonaws.com' }, opts),
    ).resolves.toEqual({ same: true, relation: 'replication-group' });
  });

  it("matches the primary's endpoint when the identifier names a replica", async () => {
    givenRds({
      instances: [
        inst('orders', { ReadReplicaDBInstanceIdentifiers: ['orders-replica'] }),
        inst('orders-replica', { ReadReplicaSourceDBInstanceIdentifier: 'orders' }),
      ],
    });
    await expect(
      sameDatabase(rds, { host: 'orders.abc.rds.amazonaws.com' }, { instanceIdentifier: 'orders-replica' }, opts),
    ).resolves.toEqual({ same: true, relation: 'replication-group' });
  });

  it('refuses a host that is no endpoint of the database, naming the endpoint', async () => {
    givenRds({ instances: [inst('c1-b', { DBClusterIdentifier: 'c1' })], clusters: [aurora('c1')] });
    const result = await sameDatabase(rds, { clusterIdentifier: 'c1' }, { host: 'elsewhere.example.com' }, opts);
    expect(result).toMatchObject({
      same: false,
      reason: expect.stringContaining('elsewhere.example.com:5432 is not an endpoint of DB cluster "c1"') as string,
    });
  });

  it('takes an equal host:port as the same endpoint before asking RDS', async () => {
    await expect(
      sameDatabase(rds, { host: 'h', instanceIdentifier: 'a' }, { host: 'h', instanceIdentifier: 'b' }, opts),
    ).resolves.toEqual({ same: true, relation: 'same-endpoint' });
    expect(rdsMock.calls()).toHaveLength(0);
  });
});
