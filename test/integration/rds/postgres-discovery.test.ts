/**
 * RDS discovery end to end: the RDS API served locally, its endpoints pointing at an embedded
 * PostgreSQL (127.0.0.1 and its port). A secret that names only its DB instance or cluster
 * resolves to that server and logs in; an RDS-managed master secret (`rds!...`, OwningService
 * rds) held by the local Secrets Manager is read, checked against the user's database, and
 * logs in there.
 */
import { RDSClient } from '@aws-sdk/client-rds';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  ListSecretsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { escapeIdentifier } from 'pg';
import { SecretStore } from '../../../functions/shared/secret-store';
import { parseDatabaseLocation } from '../../../functions/strategies/database/location';
import { readMasterSecret } from '../../../functions/strategies/database/master-secret';
import { clearRdsEndpointCache, resolveDatabaseEndpoint } from '../../../functions/strategies/database/rds-endpoint';
import { loginToPostgres } from '../../../functions/strategies/postgres/connection';
import { startLocalPostgres, type LocalPostgres } from '../../../local/databases/postgres';
import { startLocalRds, type LocalRds } from '../../../local/rds';
import { startLocalSecretsManager, type LocalSecretsManager } from '../../../local/secretsmanager';

const credentials = { accessKeyId: 'keyturn-local', secretAccessKey: 'keyturn-local' };
const APP_USER = 'app_discovery';
const APP_PASSWORD = 'App-Discovery-pw-1';

let pg: LocalPostgres;
let localRds: LocalRds;
let sm: LocalSecretsManager;
let rds: RDSClient;
let smClient: SecretsManagerClient;
let store: SecretStore;
const savedEndpoint = process.env.AWS_ENDPOINT_URL_RDS;

beforeAll(async () => {
  [pg, localRds, sm] = await Promise.all([startLocalPostgres(), startLocalRds(), startLocalSecretsManager()]);
  // As a deployed function would find it: the SDK reads the endpoint from the environment.
  process.env.AWS_ENDPOINT_URL_RDS = localRds.endpoint;
  rds = new RDSClient({ credentials, maxAttempts: 1 });
  smClient = new SecretsManagerClient({ endpoint: sm.endpoint, region: 'us-east-1', credentials });
  store = new SecretStore(smClient);
  await pg.admin(`CREATE ROLE ${escapeIdentifier(APP_USER)} WITH LOGIN PASSWORD '${APP_PASSWORD}'`);

  const local = { address: '127.0.0.1', port: pg.port };
  localRds.addInstance({ identifier: 'orders', engine: 'postgres', endpoint: local });
  localRds.addInstance({ identifier: 'orders-replica', engine: 'postgres', replicaSourceIdentifier: 'orders' });
  localRds.addInstance({ identifier: 'billing', engine: 'postgres' });
  localRds.addInstance({ identifier: 'shop-mysql', engine: 'mysql', endpoint: local });
  localRds.addCluster({
    identifier: 'orders-cluster',
    engine: 'aurora-postgresql',
    endpoint: '127.0.0.1',
    port: pg.port,
  });
  localRds.addInstance({
    identifier: 'orders-cluster-a',
    engine: 'aurora-postgresql',
    clusterIdentifier: 'orders-cluster',
  });
});

afterAll(async () => {
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_RDS;
  else process.env.AWS_ENDPOINT_URL_RDS = savedEndpoint;
  rds.destroy();
  smClient.destroy();
  await Promise.all([sm.stop(), localRds.stop(), pg.stop()]);
});

beforeEach(() => {
  clearRdsEndpointCache();
});

async function canLogIn(host: string, port: number, username: string, password: string): Promise<boolean> {
  const result = await loginToPostgres({
    location: { host, port },
    username,
    password,
    dbname: 'postgres',
    ssl: false,
    fields: {},
  });
  if (result.accepted) await result.session.close();
  return result.accepted;
}

describe('a secret that names its database by identifier', () => {
  it('with only dbInstanceIdentifier resolves to 127.0.0.1:<port> and the user logs in there', async () => {
    const secret = { engine: 'postgres', dbInstanceIdentifier: 'orders', username: APP_USER, password: APP_PASSWORD };
    const endpoint = await resolveDatabaseEndpoint(rds, parseDatabaseLocation(secret, 'current'), 'postgres');
    expect(endpoint).toEqual({ host: '127.0.0.1', port: pg.port, engine: 'postgres', instanceIdentifier: 'orders' });
    expect(await canLogIn(endpoint.host, endpoint.port, APP_USER, APP_PASSWORD)).toBe(true);
    // real password checks: the endpoint is a real server, not a stub
    expect(await canLogIn(endpoint.host, endpoint.port, APP_USER, 'wrong-password')).toBe(false);
  });

  it("with only dbClusterIdentifier resolves to the cluster's writer endpoint", async () => {
    const endpoint = await resolveDatabaseEndpoint(rds, { clusterIdentifier: 'orders-cluster' }, 'postgres');
    expect(endpoint).toMatchObject({ host: '127.0.0.1', port: pg.port, engine: 'aurora-postgresql' });
    expect(await canLogIn(endpoint.host, endpoint.port, APP_USER, APP_PASSWORD)).toBe(true);
  });

  it('is refused when the instance is stopped, unknown, or runs another engine', async () => {
    localRds.setInstanceStatus('billing', 'stopped');
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'billing' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsDatabaseNotAvailableError',
      status: 'stopped',
    });
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'nowhere' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsDatabaseNotFoundError',
    });
    await expect(resolveDatabaseEndpoint(rds, { instanceIdentifier: 'shop-mysql' }, 'postgres')).rejects.toMatchObject({
      name: 'RdsEngineMismatchError',
    });
  });
});

describe('an RDS-managed master secret in the local Secrets Manager', () => {
  function givenRdsMasterSecret(primary: { Key: string; Value: string }, password = pg.masterPassword) {
    return sm.createServiceOwnedSecret({
      owningService: 'rds',
      value: JSON.stringify({ username: pg.masterUser, password }),
      tags: [primary],
    });
  }

  it('is described with OwningService rds and its service tags, and found by the owning-service filter', async () => {
    const master = givenRdsMasterSecret({ Key: 'aws:rds:primaryDBInstanceArn', Value: localRds.instanceArn('orders') });
    expect(master.name).toMatch(/^rds!db-/);
    const described = await smClient.send(new DescribeSecretCommand({ SecretId: master.arn }));
    expect(described).toMatchObject({ OwningService: 'rds', RotationEnabled: true });
    expect(described.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'aws:rds:primaryDBInstanceArn', Value: localRds.instanceArn('orders') },
        { Key: 'aws:secretsmanager:owningService', Value: 'rds' },
      ]),
    );
    const listed = await smClient.send(
      new ListSecretsCommand({ Filters: [{ Key: 'owning-service', Values: ['rds'] }] }),
    );
    expect(listed.SecretList?.map((s) => s.ARN)).toContain(master.arn);
    expect(listed.SecretList?.every((s) => s.OwningService === 'rds')).toBe(true);
  });

  it("is read for a user who names the same instance, and the master logs in at the user's endpoint", async () => {
    const master = givenRdsMasterSecret({ Key: 'aws:rds:primaryDBInstanceArn', Value: localRds.instanceArn('orders') });
    const userLocation = parseDatabaseLocation({ dbInstanceIdentifier: 'orders', masterarn: master.arn }, 'current');

    const credential = await readMasterSecret({
      store,
      rds,
      masterArn: master.arn,
      userLocation,
      engineFamily: 'postgres',
    });

    expect(credential).toMatchObject({ managedByRds: true, username: pg.masterUser, location: userLocation });
    const endpoint = await resolveDatabaseEndpoint(rds, credential.location, 'postgres');
    expect(await canLogIn(endpoint.host, endpoint.port, credential.username, credential.password)).toBe(true);
  });

  it("is read for a user whose secret has only a host, when RDS says that host is the tagged instance's, and logs in at that instance", async () => {
    const master = givenRdsMasterSecret({ Key: 'aws:rds:primaryDBInstanceArn', Value: localRds.instanceArn('orders') });
    const userLocation = { host: '127.0.0.1', port: pg.port };
    await expect(
      readMasterSecret({ store, rds, masterArn: master.arn, userLocation, engineFamily: 'postgres' }),
    ).resolves.toMatchObject({
      managedByRds: true,
      relation: 'same-database',
      location: { instanceIdentifier: 'orders' },
    });
  });

  it('is read for a user on a read replica of the tagged instance', async () => {
    const master = givenRdsMasterSecret({ Key: 'aws:rds:primaryDBInstanceArn', Value: localRds.instanceArn('orders') });
    await expect(
      readMasterSecret({
        store,
        rds,
        masterArn: master.arn,
        userLocation: { instanceIdentifier: 'orders-replica' },
        engineFamily: 'postgres',
      }),
    ).resolves.toMatchObject({
      managedByRds: true,
      relation: 'replication-group',
      // the password is set on the primary: a replica is read-only
      location: { instanceIdentifier: 'orders' },
    });
  });

  it('is refused, naming the ARN and both databases, when its tag names another database', async () => {
    const master = givenRdsMasterSecret({
      Key: 'aws:rds:primaryDBInstanceArn',
      Value: localRds.instanceArn('billing'),
    });
    const error = (await readMasterSecret({
      store,
      rds,
      masterArn: master.arn,
      userLocation: { instanceIdentifier: 'orders' },
      engineFamily: 'postgres',
    }).catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('MasterSecretError');
    expect(error.message).toContain(master.arn);
    expect(error.message).toMatch(/"billing".*"orders"/);
    expect(error.message).not.toContain(pg.masterPassword);
  });

  it('cannot be given a Lambda rotation function: the local Secrets Manager refuses it as for a managed secret', async () => {
    const master = givenRdsMasterSecret({
      Key: 'aws:rds:primaryDBClusterArn',
      Value: localRds.clusterArn('orders-cluster'),
    });
    await expect(
      smClient.send(
        new RotateSecretCommand({
          SecretId: master.arn,
          RotationLambdaARN: 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-rotate-secret',
        }),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidRequestException',
      message: expect.stringContaining('managed by rds') as string,
    });
  });

  it('can also be created through the control surface by a test in another process', async () => {
    const response = await fetch(`${sm.endpoint}/_keyturn/service-owned-secrets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        owningService: 'rds',
        name: 'rds!cluster-control-1',
        secretString: JSON.stringify({ username: 'postgres', password: 'x-Control-pw' }),
        tags: [{ Key: 'aws:rds:primaryDBClusterArn', Value: localRds.clusterArn('orders-cluster') }],
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ARN: string; Name: string };
    expect(body.Name).toBe('rds!cluster-control-1');
    await expect(store.describe(body.ARN)).resolves.toMatchObject({ owningService: 'rds', rotationEnabled: true });
    const refused = await fetch(`${sm.endpoint}/_keyturn/service-owned-secrets`, {
      method: 'POST',
      body: JSON.stringify({ owningService: 'rds', name: 'not-prefixed', secretString: '{}' }),
    });
    expect(refused.status).toBe(400);
  });
});

describe('an ordinary master secret', () => {
  it('is read with its own location when it reaches the same server, refused when it names another database', async () => {
    const created = await smClient.send(
      new CreateSecretCommand({
        Name: 'db/discovery/master',
        SecretString: pg.masterSecretValue({ dbInstanceIdentifier: 'orders' }),
      }),
    );
    const arn = created.ARN as string;
    await expect(
      readMasterSecret({
        store,
        rds,
        masterArn: arn,
        userLocation: { host: '127.0.0.1', port: pg.port },
        engineFamily: 'postgres',
      }),
    ).resolves.toMatchObject({
      managedByRds: false,
      location: { host: '127.0.0.1', port: pg.port, instanceIdentifier: 'orders' },
    });
    // Identifiers speak before hosts: the instance "orders" is not the cluster "orders-cluster".
    await expect(
      readMasterSecret({
        store,
        rds,
        masterArn: arn,
        userLocation: { clusterIdentifier: 'orders-cluster' },
        engineFamily: 'postgres',
      }),
    ).rejects.toMatchObject({ name: 'MasterSecretError' });
  });
});
