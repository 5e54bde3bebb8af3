import { CreateSecretCommand, GetSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RDS_CA_BUNDLE_FILE } from '../../../functions/strategies/tls-trust';
import { ROTATE_SECRET_FUNCTION } from '../../../infra/constructs/bundling-options';
import { rdsCaBundlePem, rdsCaCertificates } from '../../../infra/constructs/rds-ca-bundle';
import type { LocalMariadb } from '../../../local/databases/mariadb';
import type { LocalPostgres } from '../../../local/databases/postgres';
import type { LocalRedis } from '../../../local/databases/redis';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { GetItemCommand, CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TaskEnvironment } from '../../../functions/shared/lifecycle-contract';
import { PACER_TABLE_KEY, PACER_TAT_ATTRIBUTE } from '../../../functions/shared/write-pacer-dynamodb';
import { motoUnavailableReason, startMotoServer, type MotoServer } from '../../support/moto';
import { describeWithServers } from '../../support/servers';
import { startBundledFunction, type BundledFunction } from '../../support/bundled-function';

/**
 * The rotation function as deployed: the esbuild bundle the CDK app ships (its aliases stand in for
 * the SDK's credential chain and mysql2's code pages; mysql2 and the RDS client are bundles of their
 * own in its node_modules/, loaded on first use), loaded as Lambda loads it, rotates a user of each
 * engine. The other tests run the TypeScript sources; this one proves the bundle works too. Its writes
 * are paced on a DynamoDB table (moto's, when the machine's Python has it: the DynamoDB client is a
 * bundle of its own too); without moto, on a schedule in its process, and the test says so.
 */

const BUNDLED_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-rotate-bundled';
const PACER_TABLE = 'keyturn-write-pacer';
const motoReason = motoUnavailableReason();
if (motoReason !== undefined) {
  // eslint-disable-next-line no-console -- a skipped check must be visible in the test output, with its reason
  console.warn(`bundled function: pacing on DynamoDB is SKIPPED because ${motoReason}; writes are paced in process.`);
}

describeWithServers(['mariadb', 'redis'])('the rotation function as deployed (its bundle)', () => {
  let stack: LocalStack;
  let bundled: BundledFunction;
  let pg: LocalPostgres;
  let mariadb: LocalMariadb;
  let redis: LocalRedis;
  let moto: MotoServer | undefined;
  let dynamodb: DynamoDBClient | undefined;

  /** moto's DynamoDB with the pacing table, as the core stack deploys it; the function's environment for it. */
  async function startPacingTable(): Promise<Record<string, string>> {
    if (motoReason !== undefined) return {};
    moto = await startMotoServer({ oneRequestAtATime: true });
    dynamodb = new DynamoDBClient({ endpoint: moto.endpoint, region: 'us-east-1', maxAttempts: 1 });
    await dynamodb.send(
      new CreateTableCommand({
        TableName: PACER_TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: PACER_TABLE_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: PACER_TABLE_KEY, KeyType: 'HASH' }],
      }),
    );
    return { [TaskEnvironment.writePacerTable]: PACER_TABLE, AWS_ENDPOINT_URL_DYNAMODB: moto.endpoint };
  }

  beforeAll(async () => {
    stack = await startLocalStack({ postgres: true, mariadb: true, redis: true, rds: true, elasticache: true });
    if (!stack.postgres || !stack.mariadb || !stack.redis)
      throw new Error('the local stack did not start every server');
    ({ postgres: pg, mariadb, redis } = stack);
    bundled = await startBundledFunction(ROTATE_SECRET_FUNCTION, { environment: await startPacingTable() });
    stack.secretsManager.registerRotationFunction(BUNDLED_FUNCTION_ARN, (event) => bundled.invoke(event));
  });

  afterAll(async () => {
    await bundled.stop();
    await stack.stop();
    dynamodb?.destroy();
    await moto?.stop();
  });

  let counter = 0;

  /** Rotates a new secret with the bundled function; returns AWSCURRENT's password afterwards. */
  async function rotateWithBundle(value: string): Promise<string> {
    const created = await stack.client.send(
      new CreateSecretCommand({ Name: `bundled/${++counter}`, SecretString: value }),
    );
    const rotation = await stack.client.send(
      new RotateSecretCommand({
        SecretId: created.ARN,
        RotationLambdaARN: BUNDLED_FUNCTION_ARN,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    const record = await stack.secretsManager.waitForRotation(created.ARN as string, rotation.VersionId, 30_000);
    expect({ outcome: record.outcome, error: record.error?.name, message: record.error?.message }).toEqual({
      outcome: 'succeeded',
      error: undefined,
      message: undefined,
    });
    const current = await stack.client.send(
      new GetSecretValueCommand({ SecretId: created.ARN, VersionStage: 'AWSCURRENT' }),
    );
    return (JSON.parse(current.SecretString ?? '{}') as { password: string }).password;
  }

  it("ships Amazon RDS's CA bundle beside index.js, not inside it (read on the first TLS connection to RDS)", () => {
    const shipped = readFileSync(join(bundled.dir, RDS_CA_BUNDLE_FILE), 'utf8');
    expect(shipped).toBe(rdsCaBundlePem());
    const index = readFileSync(join(bundled.dir, 'index.js'), 'utf8');
    for (const pem of rdsCaCertificates().slice(0, 5)) {
      expect(index).not.toContain(pem.split('\n')[2]);
    }
    expect(index).not.toContain('BEGIN CERTIFICATE');
  });

  it('rotates a MariaDB user (mysql2 without its code pages)', async () => {
    await mariadb.admin("CREATE USER 'bundled_app'@'%' IDENTIFIED BY 'bundled-initial-1'");
    const password = await rotateWithBundle(mariadb.secretValue('bundled_app', 'bundled-initial-1'));
    expect(await mariadb.canLogin('bundled_app', password)).toBe(true);
    expect(await mariadb.canLogin('bundled_app', 'bundled-initial-1')).toBe(false);
  });

  it('rotates MariaDB alternating users: the clone gets the grants', async () => {
    await mariadb.admin('CREATE DATABASE IF NOT EXISTS bundled');
    await mariadb.admin("CREATE USER 'bundled_alt'@'%' IDENTIFIED BY 'bundled-initial-4'");
    await mariadb.admin("GRANT SELECT ON bundled.* TO 'bundled_alt'@'%'");
    const master = await stack.client.send(
      new CreateSecretCommand({ Name: 'bundled/mariadb-master', SecretString: mariadb.masterSecretValue() }),
    );
    const password = await rotateWithBundle(
      mariadb.secretValue('bundled_alt', 'bundled-initial-4', { masterarn: master.ARN }),
    );
    expect(await mariadb.canLogin('bundled_alt_clone', password)).toBe(true);
    const grants = await mariadb.admin<Record<string, string>>('SHOW GRANTS FOR ?@?', ['bundled_alt_clone', '%']);
    expect(grants.map((row) => Object.values(row)[0])).toContain(
      'GRANT SELECT ON `bundled`.* TO `bundled_alt_clone`@`%`',
    );
  });

  it('rotates a PostgreSQL user', async () => {
    await pg.admin("CREATE ROLE bundled_app LOGIN PASSWORD 'bundled-initial-2'");
    const password = await rotateWithBundle(pg.secretValue('bundled_app', 'bundled-initial-2'));
    expect(await pg.canLogin('bundled_app', password)).toBe(true);
    expect(await pg.canLogin('bundled_app', 'bundled-initial-2')).toBe(false);
  });

  it('rotates a PostgreSQL user whose secret names its RDS instance (the RDS client, a bundle of its own)', async () => {
    stack.rds?.addInstance({
      identifier: 'bundled-pg',
      engine: 'postgres',
      endpoint: { address: '127.0.0.1', port: pg.port },
    });
    await pg.admin("CREATE ROLE bundled_rds LOGIN PASSWORD 'bundled-initial-5'");
    const password = await rotateWithBundle(
      JSON.stringify({
        engine: 'postgres',
        dbInstanceIdentifier: 'bundled-pg',
        username: 'bundled_rds',
        password: 'bundled-initial-5',
      }),
    );
    expect(await pg.canLogin('bundled_rds', password)).toBe(true);
    expect(await pg.canLogin('bundled_rds', 'bundled-initial-5')).toBe(false);
  });

  it('rotates an ElastiCache user through ModifyUser (the ElastiCache client, a bundle of its own)', async () => {
    await redis.admin('ACL', 'SETUSER', 'bundled_ec', 'on', '>bundled-initial-6-long', '~ec:*', '+get');
    await stack.elasticache?.addUser({
      userId: 'bundled-ec',
      userName: 'bundled_ec',
      passwords: ['bundled-initial-6-long'],
      redis,
    });
    const password = await rotateWithBundle(
      redis.secretValue('bundled_ec', 'bundled-initial-6-long', { userId: 'bundled-ec' }),
    );
    expect(await redis.canLogin('bundled_ec', password)).toBe(true);
    expect(await redis.canLogin('bundled_ec', 'bundled-initial-6-long')).toBe(true); // both until revoke
  });

  it('rotates a Redis ACL user (both passwords accepted until revoke)', async () => {
    await redis.admin('ACL', 'SETUSER', 'bundled_app', 'on', '>bundled-initial-3', '~bundled:*', '+get');
    const master = await stack.client.send(
      new CreateSecretCommand({ Name: 'bundled/redis-master', SecretString: redis.masterSecretValue() }),
    );
    const password = await rotateWithBundle(
      redis.secretValue('bundled_app', 'bundled-initial-3', { masterarn: master.ARN }),
    );
    expect(await redis.canLogin('bundled_app', password)).toBe(true);
    expect(await redis.canLogin('bundled_app', 'bundled-initial-3')).toBe(true);
  });

  // Last: by now every rotation above has written through the pacer.
  (motoReason === undefined ? it : it.skip)(
    "paced every write on the region's schedule in DynamoDB (the DynamoDB client, a bundle of its own)",
    async () => {
      const started = Date.now();
      const before = await scheduleTat();
      expect(before).toBeGreaterThan(0);

      const created = await stack.client.send(
        new CreateSecretCommand({
          Name: 'bundled/api-key',
          SecretString: 'an-api-key-value-000000000000001',
          Tags: [{ Key: 'keyturn:strategy', Value: 'random' }],
        }),
      );
      const rotation = await stack.client.send(
        new RotateSecretCommand({ SecretId: created.ARN, RotationLambdaARN: BUNDLED_FUNCTION_ARN }),
      );
      const record = await stack.secretsManager.waitForRotation(created.ARN as string, rotation.VersionId, 30_000);
      expect({ outcome: record.outcome, error: record.error }).toEqual({ outcome: 'succeeded', error: undefined });

      // The schedule moved on for this rotation's writes: one slot per write, all after the rotation started.
      const after = await scheduleTat();
      expect(after).toBeGreaterThan(Math.max(before, started));
    },
  );

  async function scheduleTat(): Promise<number> {
    const item = await dynamodb?.send(
      new GetItemCommand({
        TableName: PACER_TABLE,
        Key: { [PACER_TABLE_KEY]: { S: 'us-east-1' } },
        ConsistentRead: true,
      }),
    );
    return Number(item?.Item?.[PACER_TAT_ATTRIBUTE]?.N ?? 0);
  }
});
