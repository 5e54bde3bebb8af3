import {
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RDSServiceException,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import {
  clearRdsEndpointCache,
  ENDPOINT_CACHE_TTL_MS,
  engineFamilyOf,
  resolveDatabaseEndpoint,
  setRdsEndpointCacheClock,
} from '../../../functions/strategies/database/rds-endpoint';

const rdsMock = mockClient(RDSClient);
let rds: RDSClient;

function instance(id: string, overrides: Record<string, unknown> = {}) {
  return {
    DBInstanceIdentifier: id,
    Engine: 'postgres',
    DBInstanceStatus: 'available',
    Endpoint: { Address: `${id}.abc.us-east-1.rds.amazonaws.com`, Port: 5432 },
    ...overrides,
  };
}

function cluster(id: string, overrides: Record<string, unknown> = {}) {
  return {
    DBClusterIdentifier: id,
    Engine: 'aurora-postgresql',
    Status: 'available',
    Endpoint: `${id}.cluster-abc.us-east-1.rds.amazonaws.com`,
    ReaderEndpoint: `${id}.cluster-ro-abc.us-east-1.rds.amazonaws.com`,
    Port: 5432,
    ...overrides,
  };
}

function accessDenied(action: string): RDSServiceException {
  return new RDSServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    message: `User: arn:aws:sts::123456789012:assumed-role/rot/fn is not authorized to perform: rds:${action}`,
    $metadata: { httpStatusCode: 403 },
  });
}

beforeEach(() => {
  rdsMock.reset();
  clearRdsEndpointCache();
  setRdsEndpointCacheClock(undefined);
  rds = new RDSClient({});
});

describe('resolveDatabaseEndpoint: a secret with a host', () => {
  it('uses the host and port as given, without calling RDS, and passes the identifier through', async () => {
    await expect(
      resolveDatabaseEndpoint(rds, { host: 'db.example.com', port: 6432, instanceIdentifier: 'orders' }, 'postgres'),
    ).resolves.toEqual({ host: 'db.example.com', port: 6432, instanceIdentifier: 'orders' });
    expect(rdsMock.calls()).toHaveLength(0);
  });

  it("falls back to the family's default port (or the caller's)", async () => {
    await expect(resolveDatabaseEndpoint(rds, { host: 'h' }, 'mysql')).resolves.toMatchObject({ port: 3306 });
    await expect(resolveDatabaseEndpoint(rds, { host: 'h' }, 'postgres')).resolves.toMatchObject({ port: 5432 });
    await expect(
      resolveDatabaseEndpoint(rds, { host: 'h' }, 'postgres', { defaultPort: 15432 }),
    ).resolves.toMatchObject({ port: 15432 });
  });
});

describe('resolveDatabaseEndpoint: a DB instance', () => {
  it("returns the instance's endpoint, port and engine as RDS reports them", async () => {
    rdsMock.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: 'orders' }).resolves({
      DBInstances: [instance('orders', { Endpoint: { Address: 'orders.abc.rds.amazonaws.com', Port: 5433 } })],
    });
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders', port: 1 }, 'postgres')).resolves.toEqual({
      host: 'orders.abc.rds.amazonaws.com',
      port: 5433,
      engine: 'postgres',
      instanceIdentifier: 'orders',
    });
  });

  it('names the cluster of an instance that belongs to one', async () => {
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [instance('c1-a', { Engine: 'aurora-postgresql', DBClusterIdentifier: 'c1' })] });
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'c1-a' }, 'postgres')).resolves.toMatchObject({
      instanceIdentifier: 'c1-a',
      clusterIdentifier: 'c1',
      engine: 'aurora-postgresql',
    });
  });

  it('is RdsDatabaseNotFoundError when RDS does not know it', async () => {
    rdsMock
      .on(DescribeDBInstancesCommand)
      .rejects(new DBInstanceNotFoundFault({ message: 'DBInstance orders not found.', $metadata: {} }));
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsDatabaseNotFoundError',
      message: expect.stringContaining('DB instance "orders" does not exist') as string,
    });
  });

  it('is RdsDatabaseNotAvailableError with the status when it is stopped, and says to start it', async () => {
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [instance('orders', { DBInstanceStatus: 'stopped' })] });
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsDatabaseNotAvailableError',
      status: 'stopped',
      transient: false,
      message: expect.stringMatching(/is stopped.*start it first/) as string,
    });
  });

  it.each(['starting', 'rebooting', 'creating'])('marks %s as transient (retry later)', async (status) => {
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [instance('orders', { DBInstanceStatus: status })] });
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsDatabaseNotAvailableError',
      status,
      transient: true,
    });
  });

  it.each([
    'stopping',
    'deleting',
    'failed',
    'inaccessible-encryption-credentials',
    'storage-full',
    'incompatible-parameters',
  ])('refuses an instance that is %s', async (status) => {
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [instance('orders', { DBInstanceStatus: status })] });
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsDatabaseNotAvailableError',
      status,
    });
  });

  it.each([
    'backing-up',
    'modifying',
    'configuring-enhanced-monitoring',
    'maintenance',
    'storage-optimization',
    'upgrading',
  ])('accepts an instance that is %s: it still serves logins', async (status) => {
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [instance('orders', { DBInstanceStatus: status })] });
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')).resolves.toMatchObject({
      host: 'orders.abc.us-east-1.rds.amazonaws.com',
    });
  });

  it('is RdsEngineMismatchError when the secret says postgres and the instance runs mysql', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance('orders', { Engine: 'mysql' })] });
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsEngineMismatchError',
      message: 'DB instance "orders" runs mysql, but the secret is for postgres (postgres or aurora-postgresql)',
    });
  });

  it('accepts every engine of the mysql family for a mysql secret', async () => {
    for (const engine of ['mysql', 'mariadb', 'aurora-mysql', 'aurora']) {
      clearRdsEndpointCache();
      rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance('orders', { Engine: engine })] });
      await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'mysql')).resolves.toMatchObject({
        engine,
      });
    }
    expect(engineFamilyOf('aurora-postgresql')).toBe('postgres');
    expect(engineFamilyOf('sqlserver-ex')).toBeUndefined();
  });

  it('is RdsDatabaseNotAvailableError when the instance has no endpoint yet', async () => {
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [instance('orders', { DBInstanceStatus: 'modifying', Endpoint: undefined })] });
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsDatabaseNotAvailableError',
      transient: true,
    });
  });
});

describe('resolveDatabaseEndpoint: a DB cluster', () => {
  it("uses the cluster's writer endpoint, not the reader", async () => {
    rdsMock.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'c1' }).resolves({ DBClusters: [cluster('c1')] });
    await expect(resolveDatabaseEndpoint(rds, { clusterIdentifier: 'c1' }, 'postgres')).resolves.toEqual({
      host: 'c1.cluster-abc.us-east-1.rds.amazonaws.com',
      port: 5432,
      engine: 'aurora-postgresql',
      clusterIdentifier: 'c1',
    });
  });

  it('prefers the cluster when a secret names both a cluster and an instance', async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster('c1')] });
    await expect(
      resolveDatabaseEndpoint(rds, { clusterIdentifier: 'c1', instanceIdentifier: 'c1-b' }, 'postgres'),
    ).resolves.toMatchObject({ host: 'c1.cluster-abc.us-east-1.rds.amazonaws.com' });
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand)).toHaveLength(0);
  });

  it('is RdsDatabaseNotFoundError, RdsDatabaseNotAvailableError or RdsEngineMismatchError like an instance', async () => {
    rdsMock
      .on(DescribeDBClustersCommand, { DBClusterIdentifier: 'gone' })
      .rejects(new DBClusterNotFoundFault({ message: 'DBCluster gone not found.', $metadata: {} }));
    rdsMock.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'asleep' }).resolves({
      DBClusters: [cluster('asleep', { Status: 'stopped' })],
    });
    rdsMock.on(DescribeDBClustersCommand, { DBClusterIdentifier: 'mysql1' }).resolves({
      DBClusters: [cluster('mysql1', { Engine: 'aurora-mysql', Port: 3306 })],
    });
    await expect(resolveDatabaseEndpoint(rds, { clusterIdentifier: 'gone' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsDatabaseNotFoundError',
    });
    await expect(resolveDatabaseEndpoint(rds, { clusterIdentifier: 'asleep' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsDatabaseNotAvailableError',
      status: 'stopped',
    });
    await expect(resolveDatabaseEndpoint(rds, { clusterIdentifier: 'mysql1' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsEngineMismatchError',
    });
  });

  it('treats a failing-over cluster as transiently unavailable', async () => {
    rdsMock.on(DescribeDBClustersCommand).resolves({ DBClusters: [cluster('c1', { Status: 'failing-over' })] });
    await expect(resolveDatabaseEndpoint(rds, { clusterIdentifier: 'c1' }, 'postgres')).rejects.toMatchObject({
      status: 'failing-over',
      transient: true,
    });
  });
});

describe('resolveDatabaseEndpoint: RDS refusals and failures', () => {
  it('says which permission the rotation function lacks when RDS answers AccessDenied', async () => {
    rdsMock.on(DescribeDBInstancesCommand).rejects(accessDenied('DescribeDBInstances'));
    rdsMock.on(DescribeDBClustersCommand).rejects(accessDenied('DescribeDBClusters'));
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsAccessDeniedError',
      message: expect.stringMatching(/needs rds:DescribeDBInstances on that resource/) as string,
    });
    await expect(resolveDatabaseEndpoint(rds, { clusterIdentifier: 'c1' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsAccessDeniedError',
      message: expect.stringMatching(/DB cluster "c1".*rds:DescribeDBClusters/) as string,
    });
  });

  it('wraps any other failure in RdsLookupError with its name', async () => {
    rdsMock.on(DescribeDBInstancesCommand).rejects(new Error('socket hang up'));
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsLookupError',
      message: expect.stringContaining('socket hang up') as string,
    });
  });
});

describe('resolveDatabaseEndpoint: the per-process cache', () => {
  it('calls RDS once for repeated and concurrent lookups within the TTL, and again after it', async () => {
    let now = 1_000_000;
    setRdsEndpointCacheClock(() => now);
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance('orders')] });

    await Promise.all([1, 2, 3].map(() => resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')));
    await resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres');
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand)).toHaveLength(1);

    now += ENDPOINT_CACHE_TTL_MS + 1;
    await resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres');
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand)).toHaveLength(2);
  });

  it('does not keep failures: the next lookup asks RDS again', async () => {
    rdsMock
      .on(DescribeDBInstancesCommand)
      .rejectsOnce(new Error('connection reset'))
      .resolves({ DBInstances: [instance('orders')] });
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsLookupError',
    });
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')).resolves.toMatchObject({
      port: 5432,
    });
  });

  it('keeps one cache per client, so a new client (a new cold start) asks again', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [instance('orders')] });
    await resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres');
    await resolveDatabaseEndpoint(new RDSClient({}), { instanceIdentifier: 'orders' }, 'postgres');
    expect(rdsMock.commandCalls(DescribeDBInstancesCommand)).toHaveLength(2);
  });

  it('re-checks the status only after the TTL: a status change inside it is seen on the next lookup after', async () => {
    let now = 0;
    setRdsEndpointCacheClock(() => now);
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolvesOnce({ DBInstances: [instance('orders')] })
      .resolves({ DBInstances: [instance('orders', { DBInstanceStatus: 'stopping' })] });
    await resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres');
    now += ENDPOINT_CACHE_TTL_MS + 1;
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'orders' }, 'postgres')).rejects.toMatchObject({
      status: 'stopping',
    });
  });
});
