/**
 * The local RDS against moto (`python3 -m moto.server`), through the same @aws-sdk/client-rds:
 * the same instance, cluster and read replica, described by both, must parse into the same
 * shape for every field keyturn reads, answer the same errors, and resolve the same way. When
 * moto is missing the moto target is skipped with the reason printed.
 */
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { clearRdsEndpointCache, resolveDatabaseEndpoint } from '../../../functions/strategies/database/rds-endpoint';
import { sameDatabase } from '../../../functions/strategies/database/same-database';
import { startLocalRds } from '../../../local/rds';
import { motoUnavailableReason, startMotoServer } from '../../support/moto';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };

interface RunningTarget {
  readonly client: RDSClient;
  stop(): Promise<void>;
}

/** The same fixture on each target: an instance with a read replica, and a cluster with one member. */
async function startLocal(): Promise<RunningTarget> {
  const rds = await startLocalRds();
  rds.addInstance({ identifier: 'conf-db', engine: 'postgres' });
  rds.addInstance({ identifier: 'conf-db-replica', engine: 'postgres', replicaSourceIdentifier: 'conf-db' });
  rds.addCluster({ identifier: 'conf-cluster', engine: 'aurora-postgresql' });
  rds.addInstance({ identifier: 'conf-cluster-a', engine: 'aurora-postgresql', clusterIdentifier: 'conf-cluster' });
  const client = new RDSClient({ endpoint: rds.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  return {
    client,
    async stop() {
      client.destroy();
      await rds.stop();
    },
  };
}

async function startMoto(): Promise<RunningTarget> {
  const moto = await startMotoServer();
  const endpoint = moto.endpoint;
  const client = new RDSClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  const base = { DBInstanceClass: 'db.t4g.micro', MasterUsername: 'postgres', MasterUserPassword: 'Conformance-pw-1' };
  await client.send(
    new CreateDBInstanceCommand({ ...base, DBInstanceIdentifier: 'conf-db', Engine: 'postgres', AllocatedStorage: 20 }),
  );
  await client.send(
    new CreateDBInstanceReadReplicaCommand({
      DBInstanceIdentifier: 'conf-db-replica',
      SourceDBInstanceIdentifier: 'conf-db',
    }),
  );
  await client.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: 'conf-cluster',
      Engine: 'aurora-postgresql',
      MasterUsername: 'postgres',
      MasterUserPassword: 'Conformance-pw-1',
    }),
  );
  await client.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'conf-cluster-a',
      DBInstanceClass: 'db.r6g.large',
      Engine: 'aurora-postgresql',
      DBClusterIdentifier: 'conf-cluster',
    }),
  );
  return {
    client,
    async stop() {
      client.destroy();
      await moto.stop();
    },
  };
}

const targets: [string, () => Promise<RunningTarget>][] = [['local', startLocal]];
const motoReason = motoUnavailableReason();
if (motoReason === undefined) {
  targets.push(['moto', startMoto]);
} else {
  // eslint-disable-next-line no-console -- a skipped target must be visible in the test output, with its reason
  console.warn(`RDS conformance: the moto target is SKIPPED because ${motoReason}. Only the local target runs.`);
}

/** The part of DescribeDBInstances keyturn reads, as types and stable values. */
async function instanceShape(client: RDSClient, id: string) {
  const out = await client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
  const instance = out.DBInstances?.[0];
  return {
    count: out.DBInstances?.length,
    DBInstanceIdentifier: instance?.DBInstanceIdentifier,
    Engine: instance?.Engine,
    DBInstanceStatus: instance?.DBInstanceStatus,
    address: typeof instance?.Endpoint?.Address,
    port: instance?.Endpoint?.Port,
    arn: instance?.DBInstanceArn?.replace(/:\d{12}:/, ':ACCOUNT:'),
    DBClusterIdentifier: instance?.DBClusterIdentifier,
    ReadReplicaSourceDBInstanceIdentifier: instance?.ReadReplicaSourceDBInstanceIdentifier,
    ReadReplicaDBInstanceIdentifiers: instance?.ReadReplicaDBInstanceIdentifiers,
  };
}

describe.each(targets)('RDS conformance: %s', (_name, start) => {
  let target: RunningTarget;

  beforeAll(async () => {
    target = await start();
  });
  afterAll(async () => {
    await target.stop();
  });
  beforeEach(() => {
    clearRdsEndpointCache();
  });

  it('describes an instance with its endpoint, engine, status, ARN and read replica', async () => {
    await expect(instanceShape(target.client, 'conf-db')).resolves.toEqual({
      count: 1,
      DBInstanceIdentifier: 'conf-db',
      Engine: 'postgres',
      DBInstanceStatus: 'available',
      address: 'string',
      port: 5432,
      arn: 'arn:aws:rds:us-east-1:ACCOUNT:db:conf-db',
      DBClusterIdentifier: undefined,
      ReadReplicaSourceDBInstanceIdentifier: undefined,
      ReadReplicaDBInstanceIdentifiers: ['conf-db-replica'],
    });
    await expect(instanceShape(target.client, 'conf-db-replica')).resolves.toMatchObject({
      ReadReplicaSourceDBInstanceIdentifier: 'conf-db',
      ReadReplicaDBInstanceIdentifiers: [],
    });
  });

  it('describes a cluster with its writer endpoint, port and members, the writer flagged', async () => {
    const out = await target.client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'conf-cluster' }));
    const cluster = out.DBClusters?.[0];
    expect({
      count: out.DBClusters?.length,
      engine: cluster?.Engine,
      status: cluster?.Status,
      endpoint: typeof cluster?.Endpoint,
      reader: typeof cluster?.ReaderEndpoint,
      port: cluster?.Port,
      members: cluster?.DBClusterMembers?.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter]),
    }).toEqual({
      count: 1,
      engine: 'aurora-postgresql',
      status: 'available',
      endpoint: 'string',
      reader: 'string',
      port: 5432,
      members: [['conf-cluster-a', true]],
    });
    await expect(instanceShape(target.client, 'conf-cluster-a')).resolves.toMatchObject({
      DBClusterIdentifier: 'conf-cluster',
    });
  });

  it('filters instances by db-cluster-id', async () => {
    const out = await target.client.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['conf-cluster'] }] }),
    );
    expect(out.DBInstances?.map((i) => i.DBInstanceIdentifier)).toEqual(['conf-cluster-a']);
  });

  it('answers DBInstanceNotFoundFault and DBClusterNotFoundFault with HTTP 404', async () => {
    await expect(
      target.client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'conf-missing' })),
    ).rejects.toMatchObject({ name: 'DBInstanceNotFoundFault', $metadata: { httpStatusCode: 404 } });
    await expect(
      target.client.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'conf-missing' })),
    ).rejects.toMatchObject({ name: 'DBClusterNotFoundFault', $metadata: { httpStatusCode: 404 } });
  });

  it('resolves and relates the databases the same way in keyturn', async () => {
    await expect(
      resolveDatabaseEndpoint(target.client, { clusterIdentifier: 'conf-cluster' }, 'postgres'),
    ).resolves.toMatchObject({ port: 5432, engine: 'aurora-postgresql', clusterIdentifier: 'conf-cluster' });
    await expect(
      resolveDatabaseEndpoint(target.client, { instanceIdentifier: 'conf-missing' }, 'postgres'),
    ).rejects.toMatchObject({ name: 'RdsDatabaseNotFoundError' });
    const opts = { defaultPort: 5432 };
    await expect(
      sameDatabase(target.client, { instanceIdentifier: 'conf-db' }, { instanceIdentifier: 'conf-db-replica' }, opts),
    ).resolves.toEqual({ same: true, relation: 'replication-group' });
    await expect(
      sameDatabase(
        target.client,
        { clusterIdentifier: 'conf-cluster' },
        { instanceIdentifier: 'conf-cluster-a' },
        opts,
      ),
    ).resolves.toEqual({ same: true, relation: 'same-database' });
    await expect(
      sameDatabase(target.client, { clusterIdentifier: 'conf-cluster' }, { instanceIdentifier: 'conf-db' }, opts),
    ).resolves.toMatchObject({ same: false });
  });
});
