import { DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretStore } from '../../../functions/shared/secret-store';
import { readMasterSecret } from '../../../functions/strategies/database/master-secret';
import { clearRdsEndpointCache } from '../../../functions/strategies/database/rds-endpoint';

const sm = mockClient(SecretsManagerClient);
const rdsMock = mockClient(RDSClient);
let rds: RDSClient;
const store = new SecretStore(new SecretsManagerClient({}));

const MASTER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0f1e2d3c-AbCdEf';
const PLAIN_MASTER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db/master-XyZ123';
const MASTER_PASSWORD = 'Master-Secret-Value-42';
const RDS = 'arn:aws:rds:us-east-1:123456789012';

function givenMaster(
  arn: string,
  describe: Record<string, unknown>,
  value: Record<string, unknown> | string | undefined,
) {
  sm.on(DescribeSecretCommand, { SecretId: arn }).resolves({ ARN: arn, Name: arn.split(':secret:')[1], ...describe });
  const get = sm.on(GetSecretValueCommand, { SecretId: arn, VersionStage: 'AWSCURRENT' });
  if (value === undefined) get.rejects(new ResourceNotFoundException({ message: 'no value', $metadata: {} }));
  else
    get.resolves({
      ARN: arn,
      VersionId: 'v1',
      SecretString: typeof value === 'string' ? value : JSON.stringify(value),
      VersionStages: ['AWSCURRENT'],
    });
}

function givenRdsManagedMaster(tag: { Key: string; Value: string }) {
  givenMaster(
    MASTER_ARN,
    { OwningService: 'rds', Tags: [tag, { Key: 'aws:secretsmanager:owningService', Value: 'rds' }] },
    { username: 'postgres', password: MASTER_PASSWORD },
  );
}

async function refusal(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a refusal');
}

beforeEach(() => {
  sm.reset();
  rdsMock.reset();
  clearRdsEndpointCache();
  rds = new RDSClient({});
});

describe('readMasterSecret: an RDS-managed master secret', () => {
  it("reads {username, password}, takes the target from the user's location, and never writes", async () => {
    givenRdsManagedMaster({ Key: 'aws:rds:primaryDBInstanceArn', Value: `${RDS}:db:orders` });
    const userLocation = { instanceIdentifier: 'orders' };

    const master = await readMasterSecret({
      store,
      rds,
      masterArn: MASTER_ARN,
      userLocation,
      engineFamily: 'postgres',
    });

    expect(master).toEqual({
      masterArn: MASTER_ARN,
      username: 'postgres',
      password: MASTER_PASSWORD,
      managedByRds: true,
      location: userLocation,
      relation: 'same-database',
      fields: {},
    });
    expect(sm.commandCalls(PutSecretValueCommand)).toHaveLength(0);
    expect(sm.commandCalls(UpdateSecretVersionStageCommand)).toHaveLength(0);
    expect(sm.commandCalls(RotateSecretCommand)).toHaveLength(0);
    expect(rdsMock.calls()).toHaveLength(0); // same identifier: no RDS call needed
  });

  it('is recognised by its rds! name even without OwningService', async () => {
    givenMaster(
      MASTER_ARN,
      { Tags: [{ Key: 'aws:rds:primaryDBClusterArn', Value: `${RDS}:cluster:c1` }] },
      { username: 'postgres', password: MASTER_PASSWORD },
    );
    await expect(
      readMasterSecret({
        store,
        rds,
        masterArn: MASTER_ARN,
        userLocation: { clusterIdentifier: 'c1' },
        engineFamily: 'postgres',
      }),
    ).resolves.toMatchObject({ managedByRds: true });
  });

  it("resolves the user's host through RDS (a reader endpoint of the tagged cluster) and logs in at the cluster, whose writer RDS names", async () => {
    givenRdsManagedMaster({ Key: 'aws:rds:primaryDBClusterArn', Value: `${RDS}:cluster:c1` });
    rdsMock.on(DescribeDBClustersCommand).resolves({
      DBClusters: [
        {
          DBClusterIdentifier: 'c1',
          Engine: 'aurora-postgresql',
          Status: 'available',
          Endpoint: 'c1.cluster-x.rds.amazonaws.com',
          ReaderEndpoint: 'c1.cluster-ro-x.rds.amazonaws.com',
          Port: 5432,
        },
      ],
    });
    rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [] });
    const userLocation = { host: 'c1.cluster-ro-x.rds.amazonaws.com', port: 5432 };
    await expect(
      readMasterSecret({ store, rds, masterArn: MASTER_ARN, userLocation, engineFamily: 'postgres' }),
    ).resolves.toMatchObject({ managedByRds: true, relation: 'same-database', location: { clusterIdentifier: 'c1' } });
  });

  it('refuses a managed secret whose tag names another database, naming both and not the password', async () => {
    givenRdsManagedMaster({ Key: 'aws:rds:primaryDBInstanceArn', Value: `${RDS}:db:billing` });
    rdsMock.on(DescribeDBInstancesCommand).callsFake((input: { DBInstanceIdentifier?: string }) => ({
      DBInstances: [
        { DBInstanceIdentifier: input.DBInstanceIdentifier, Engine: 'postgres', DBInstanceStatus: 'available' },
      ],
    }));
    const error = await refusal(
      readMasterSecret({
        store,
        rds,
        masterArn: MASTER_ARN,
        userLocation: { instanceIdentifier: 'orders' },
        engineFamily: 'postgres',
      }),
    );
    expect(error).toMatchObject({ name: 'MasterSecretError' });
    expect(error.message).toContain(MASTER_ARN);
    expect(error.message).toContain('"billing"');
    expect(error.message).toContain('"orders"');
    expect(error.message).not.toContain(MASTER_PASSWORD);
  });

  it('refuses a managed secret without the aws:rds:primaryDB* tag', async () => {
    givenMaster(MASTER_ARN, { OwningService: 'rds', Tags: [] }, { username: 'postgres', password: MASTER_PASSWORD });
    await expect(
      readMasterSecret({ store, rds, masterArn: MASTER_ARN, userLocation: { host: 'h' }, engineFamily: 'postgres' }),
    ).rejects.toMatchObject({
      name: 'MasterSecretError',
      message: expect.stringContaining('aws:rds:primaryDBInstanceArn or aws:rds:primaryDBClusterArn') as string,
    });
  });
});

describe('readMasterSecret: an ordinary master secret', () => {
  it('returns its own location and fields (without the credential) when it is on the same host', async () => {
    givenMaster(
      PLAIN_MASTER_ARN,
      {},
      {
        engine: 'postgres',
        host: 'db.example.com',
        port: 5432,
        username: 'admin',
        password: MASTER_PASSWORD,
        dbname: 'app',
      },
    );
    const master = await readMasterSecret({
      store,
      rds,
      masterArn: PLAIN_MASTER_ARN,
      userLocation: { host: 'db.example.com' },
      engineFamily: 'postgres',
    });
    expect(master).toEqual({
      masterArn: PLAIN_MASTER_ARN,
      username: 'admin',
      password: MASTER_PASSWORD,
      managedByRds: false,
      location: { host: 'db.example.com', port: 5432 },
      relation: 'same-endpoint',
      fields: { engine: 'postgres', host: 'db.example.com', port: 5432, dbname: 'app' },
    });
  });

  it('refuses a master on another host, with a reason that names both hosts', async () => {
    givenMaster(PLAIN_MASTER_ARN, {}, { host: 'other.example.com', username: 'admin', password: MASTER_PASSWORD });
    await expect(
      readMasterSecret({
        store,
        rds,
        masterArn: PLAIN_MASTER_ARN,
        userLocation: { host: 'db.example.com' },
        engineFamily: 'postgres',
      }),
    ).rejects.toMatchObject({
      name: 'MasterSecretError',
      message: expect.stringMatching(/other\.example\.com:5432.*db\.example\.com:5432/) as string,
    });
  });

  it('refuses a master that does not say where its database is', async () => {
    givenMaster(PLAIN_MASTER_ARN, {}, { username: 'admin', password: MASTER_PASSWORD });
    const error = await refusal(
      readMasterSecret({ store, rds, masterArn: PLAIN_MASTER_ARN, userLocation: { host: 'h' }, engineFamily: 'mysql' }),
    );
    expect(error).toMatchObject({
      name: 'MasterSecretError',
      message: expect.stringContaining('does not locate') as string,
    });
    expect(error.message).not.toContain(MASTER_PASSWORD);
  });

  it.each([
    ['is missing', 'missing', /cannot be described: SecretNotFoundError/],
    ['has no AWSCURRENT value', 'novalue', /has no AWSCURRENT value/],
    ['is not JSON', 'notjson', /not valid JSON/],
    ['has no password', 'nopassword', /password/],
  ])('refuses a master secret that %s', async (_why, kind, message) => {
    if (kind === 'missing') {
      sm.on(DescribeSecretCommand).rejects(new ResourceNotFoundException({ message: 'nope', $metadata: {} }));
    } else if (kind === 'novalue') {
      givenMaster(PLAIN_MASTER_ARN, {}, undefined);
    } else if (kind === 'notjson') {
      givenMaster(PLAIN_MASTER_ARN, {}, `not json ${MASTER_PASSWORD}`);
    } else {
      givenMaster(PLAIN_MASTER_ARN, {}, { host: 'h', username: 'admin' });
    }
    const error = await refusal(
      readMasterSecret({
        store,
        rds,
        masterArn: PLAIN_MASTER_ARN,
        userLocation: { host: 'h' },
        engineFamily: 'postgres',
      }),
    );
    expect(error.name).toBe('MasterSecretError');
    expect(error.message).toMatch(message);
    expect(error.message).toContain(PLAIN_MASTER_ARN);
    expect(error.message).not.toContain(MASTER_PASSWORD);
  });

  it('reports a missing RDS permission as a MasterSecretError that names it', async () => {
    givenMaster(PLAIN_MASTER_ARN, {}, { dbClusterIdentifier: 'c1', username: 'admin', password: MASTER_PASSWORD });
    rdsMock.on(DescribeDBInstancesCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(
      readMasterSecret({
        store,
        rds,
        masterArn: PLAIN_MASTER_ARN,
        userLocation: { instanceIdentifier: 'orders' },
        engineFamily: 'postgres',
      }),
    ).rejects.toMatchObject({
      name: 'MasterSecretError',
      message: expect.stringContaining('rds:DescribeDBInstances') as string,
    });
  });
});
