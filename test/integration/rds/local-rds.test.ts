/**
 * The local RDS through the real @aws-sdk/client-rds (awsQuery XML): what the SDK parses out of
 * DescribeDBInstances / DescribeDBClusters, filters, paging, and the errors RDS answers with.
 */
import {
  DBClusterNotFoundFault,
  DBInstanceNotFoundFault,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { clearRdsEndpointCache, resolveDatabaseEndpoint } from '../../../functions/strategies/database/rds-endpoint';
import { startLocalRds, type LocalRds } from '../../../local/rds';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
let rds: LocalRds;
let client: RDSClient;

beforeAll(async () => {
  rds = await startLocalRds();
  client = new RDSClient({ endpoint: rds.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  rds.addCluster({
    identifier: 'orders-cluster',
    engine: 'aurora-postgresql',
    endpoint: 'orders-cluster.cluster-abc.us-east-1.rds.amazonaws.com',
    customEndpoints: ['orders-analytics.cluster-custom-abc.us-east-1.rds.amazonaws.com'],
    masterUserSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1-AbCdEf',
  });
  rds.addInstance({ identifier: 'orders-cluster-a', engine: 'aurora-postgresql', clusterIdentifier: 'orders-cluster' });
  rds.addInstance({ identifier: 'orders-cluster-b', engine: 'aurora-postgresql', clusterIdentifier: 'orders-cluster' });
  rds.addInstance({ identifier: 'billing', engine: 'mysql', endpoint: { address: '127.0.0.1', port: 33306 } });
  rds.addInstance({ identifier: 'billing-replica', engine: 'mysql', replicaSourceIdentifier: 'billing' });
});

afterAll(async () => {
  client.destroy();
  await rds.stop();
});

beforeEach(() => {
  clearRdsEndpointCache();
});

describe('local RDS: DescribeDBInstances', () => {
  it('returns the instance with its endpoint, engine, status, ARN and replicas as the SDK types them', async () => {
    const out = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'billing' }));
    expect(out.DBInstances).toHaveLength(1);
    expect(out.DBInstances?.[0]).toMatchObject({
      DBInstanceIdentifier: 'billing',
      Engine: 'mysql',
      DBInstanceStatus: 'available',
      Endpoint: { Address: '127.0.0.1', Port: 33306 },
      DBInstanceArn: 'arn:aws:rds:us-east-1:123456789012:db:billing',
      ReadReplicaDBInstanceIdentifiers: ['billing-replica'],
      MultiAZ: false,
      InstanceCreateTime: expect.any(Date) as Date,
    });
    const replica = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'billing-replica' }));
    expect(replica.DBInstances?.[0]).toMatchObject({ ReadReplicaSourceDBInstanceIdentifier: 'billing' });
  });

  it('accepts the ARN as the identifier', async () => {
    const out = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: rds.instanceArn('billing') }));
    expect(out.DBInstances?.[0]?.DBInstanceIdentifier).toBe('billing');
  });

  it('filters by db-cluster-id and db-instance-id', async () => {
    const members = await client.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['orders-cluster'] }] }),
    );
    expect(members.DBInstances?.map((i) => [i.DBInstanceIdentifier, i.DBClusterIdentifier])).toEqual([
      ['orders-cluster-a', 'orders-cluster'],
      ['orders-cluster-b', 'orders-cluster'],
    ]);
    const some = await client.send(
      new DescribeDBInstancesCommand({
        Filters: [{ Name: 'db-instance-id', Values: ['billing', 'orders-cluster-b'] }],
      }),
    );
    expect(some.DBInstances?.map((i) => i.DBInstanceIdentifier)).toEqual(['orders-cluster-b', 'billing']);
  });

  it('pages with MaxRecords and Marker', async () => {
    const local = await startLocalRds();
    const paging = new RDSClient({ endpoint: local.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    try {
      for (let i = 0; i < 25; i++) local.addInstance({ identifier: `db-${i}`, engine: 'postgres' });
      const first = await paging.send(new DescribeDBInstancesCommand({ MaxRecords: 20 }));
      expect(first.DBInstances).toHaveLength(20);
      expect(first.Marker).toEqual(expect.any(String));
      const second = await paging.send(new DescribeDBInstancesCommand({ MaxRecords: 20, Marker: first.Marker }));
      expect(second.DBInstances).toHaveLength(5);
      expect(second.Marker).toBeUndefined();
      await expect(paging.send(new DescribeDBInstancesCommand({ MaxRecords: 5 }))).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        $metadata: { httpStatusCode: 400 },
      });
    } finally {
      paging.destroy();
      await local.stop();
    }
  });

  it('answers DBInstanceNotFound (HTTP 404), which the SDK turns into DBInstanceNotFoundFault', async () => {
    const error: unknown = await client
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DBInstanceNotFoundFault);
    expect(error).toMatchObject({ message: 'DBInstance nope not found.', $metadata: { httpStatusCode: 404 } });
  });

  it('refuses an unknown filter and an invalid identifier with InvalidParameterValue', async () => {
    await expect(
      client.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'vpc-id', Values: ['x'] }] })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue', message: 'Unrecognized filter name: vpc-id' });
    await expect(client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'a--b' }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
  });
});

describe('local RDS: DescribeDBClusters', () => {
  it('returns the writer, reader and custom endpoints, the members with the writer flagged, and the master secret', async () => {
    const out = await client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'orders-cluster' }));
    expect(out.DBClusters?.[0]).toMatchObject({
      DBClusterIdentifier: 'orders-cluster',
      Engine: 'aurora-postgresql',
      Status: 'available',
      Endpoint: 'orders-cluster.cluster-abc.us-east-1.rds.amazonaws.com',
      ReaderEndpoint: 'orders-cluster.cluster-ro-c0keyturn0local.us-east-1.rds.amazonaws.com',
      CustomEndpoints: ['orders-analytics.cluster-custom-abc.us-east-1.rds.amazonaws.com'],
      Port: 5432,
      DBClusterArn: 'arn:aws:rds:us-east-1:123456789012:cluster:orders-cluster',
      DBClusterMembers: [
        { DBInstanceIdentifier: 'orders-cluster-a', IsClusterWriter: true },
        { DBInstanceIdentifier: 'orders-cluster-b', IsClusterWriter: false },
      ],
      MasterUserSecret: {
        SecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-1-AbCdEf',
        SecretStatus: 'active',
      },
    });
  });

  it('answers DBClusterNotFoundFault (HTTP 404)', async () => {
    const error: unknown = await client
      .send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nope' }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DBClusterNotFoundFault);
    expect(error).toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});

describe('local RDS: what keyturn makes of it', () => {
  it('resolves a cluster to its writer endpoint and an instance to its own', async () => {
    await expect(
      resolveDatabaseEndpoint(client, { clusterIdentifier: 'orders-cluster' }, 'postgres'),
    ).resolves.toMatchObject({ host: 'orders-cluster.cluster-abc.us-east-1.rds.amazonaws.com', port: 5432 });
    await expect(resolveDatabaseEndpoint(client, { instanceIdentifier: 'billing' }, 'mysql')).resolves.toEqual({
      host: '127.0.0.1',
      port: 33306,
      engine: 'mysql',
      instanceIdentifier: 'billing',
    });
  });

  it('reports an AccessDenied answer (HTTP 403) as the missing permission', async () => {
    rds.faults.failNext('DescribeDBInstances', 1, 'AccessDenied');
    await expect(resolveDatabaseEndpoint(client, { instanceIdentifier: 'billing' }, 'mysql')).rejects.toMatchObject({
      name: 'RdsAccessDeniedError',
      message: expect.stringContaining('needs rds:DescribeDBInstances') as string,
    });
  });
});
