import type { LocalMariadb } from '../../../local/databases/mariadb';
import type { LocalPostgres } from '../../../local/databases/postgres';
import type { LocalRds } from '../../../local/rds';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { describeWithServers } from '../../support/servers';
import { createSecret, jsonAt, rotateAndWait, stagesOf, valueAt, type DbSecret } from '../../support/secrets';

/**
 * Secrets that name their database the RDS way, rotated by the real rotation function through the
 * local Secrets Manager: the function asks the local RDS API where the instance or cluster is, and
 * RDS answers with the local PostgreSQL's or MariaDB's address. Master secrets RDS manages
 * (`rds!…`) are read, never rotated.
 */

describeWithServers(['mariadb'])('rotations that find their database through RDS', () => {
  let stack: LocalStack;
  let pg: LocalPostgres;
  let mariadb: LocalMariadb;
  let rds: LocalRds;

  beforeAll(async () => {
    stack = await startLocalStack({ postgres: true, mariadb: true, rds: true });
    if (!stack.postgres || !stack.mariadb || !stack.rds) throw new Error('the local stack did not start every server');
    ({ postgres: pg, mariadb, rds } = stack);
    rds.addInstance({ identifier: 'orders-pg', engine: 'postgres', endpoint: { address: '127.0.0.1', port: pg.port } });
    rds.addInstance({
      identifier: 'shop-db',
      engine: 'mariadb',
      endpoint: { address: '127.0.0.1', port: mariadb.port },
    });
    rds.addInstance({ identifier: 'other-db', engine: 'mariadb', endpoint: { address: '127.0.0.2', port: 3306 } });
    rds.addInstance({
      identifier: 'stopped-pg',
      engine: 'postgres',
      endpoint: { address: '127.0.0.1', port: pg.port },
    });
    rds.setInstanceStatus('stopped-pg', 'stopped');
  });

  afterAll(() => stack.stop());

  /** A secret RDS manages for `instance`, as ManageMasterUserPassword creates it. */
  function rdsManagedMaster(instance: string, username: string, password: string): string {
    return stack.secretsManager.createServiceOwnedSecret({
      owningService: 'rds',
      name: `rds!db-${instance}-master`,
      value: JSON.stringify({ username, password }),
      tags: [{ Key: 'aws:rds:primaryDBInstanceArn', Value: rds.instanceArn(instance) }],
    }).arn;
  }

  it('rotates a PostgreSQL user whose secret names only dbInstanceIdentifier', async () => {
    await pg.admin("CREATE ROLE rds_orders LOGIN PASSWORD 'rds-orders-initial'");
    const secret = await createSecret(
      stack.client,
      'rds/orders-app',
      JSON.stringify({
        engine: 'postgres',
        dbInstanceIdentifier: 'orders-pg',
        username: 'rds_orders',
        password: 'rds-orders-initial',
      }),
    );

    const result = await rotateAndWait(stack, secret.arn);

    expect(result).toMatchObject({ succeeded: true });
    const current = await jsonAt<DbSecret>(stack.client, secret.arn, 'AWSCURRENT');
    expect(current).not.toHaveProperty('host'); // the secret keeps naming the instance, not an address
    expect(await pg.canLogin('rds_orders', current.password)).toBe(true);
    expect(await pg.canLogin('rds_orders', 'rds-orders-initial')).toBe(false);
  });

  it('rotates MariaDB alternating users through a master secret RDS manages, and never writes that secret', async () => {
    await mariadb.admin("CREATE USER 'rds_shop'@'%' IDENTIFIED BY 'rds-shop-initial'");
    await mariadb.admin("GRANT SELECT ON mysql.db TO 'rds_shop'@'%'");
    const masterArn = rdsManagedMaster('shop-db', mariadb.masterUser, mariadb.masterPassword);
    const masterStagesBefore = await stagesOf(stack.client, masterArn);
    const secret = await createSecret(
      stack.client,
      'rds/shop-app',
      JSON.stringify({
        engine: 'mariadb',
        host: '127.0.0.1',
        port: mariadb.port,
        dbInstanceIdentifier: 'shop-db',
        username: 'rds_shop',
        password: 'rds-shop-initial',
        masterarn: masterArn,
      }),
    );

    const result = await rotateAndWait(stack, secret.arn);

    expect(result).toMatchObject({ succeeded: true });
    const current = await jsonAt<DbSecret>(stack.client, secret.arn, 'AWSCURRENT');
    expect(current.username).toBe('rds_shop_clone');
    expect(await mariadb.canLogin('rds_shop_clone', current.password)).toBe(true);
    expect(await stagesOf(stack.client, masterArn)).toEqual(masterStagesBefore);
  });

  it('refuses a master secret RDS manages for another instance, and changes nothing', async () => {
    await mariadb.admin("CREATE USER 'rds_wrong'@'%' IDENTIFIED BY 'rds-wrong-initial'");
    const masterArn = rdsManagedMaster('other-db', mariadb.masterUser, mariadb.masterPassword);
    const value = JSON.stringify({
      engine: 'mariadb',
      dbInstanceIdentifier: 'shop-db',
      username: 'rds_wrong',
      password: 'rds-wrong-initial',
      masterarn: masterArn,
    });
    const secret = await createSecret(stack.client, 'rds/wrong-master', value);

    const result = await rotateAndWait(stack, secret.arn);

    expect(result).toMatchObject({ succeeded: false, errorName: 'MasterSecretError' });
    expect(result.errorMessage).toMatch(/other-db/);
    expect(result.errorMessage).not.toContain(mariadb.masterPassword);
    expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).toBe(value);
    expect(await mariadb.canLogin('rds_wrong', 'rds-wrong-initial')).toBe(true);
    const [clone] = await mariadb.admin<{ n: number }>(
      "SELECT COUNT(*) AS n FROM mysql.user WHERE User = 'rds_wrong_clone'",
    );
    expect(Number(clone?.n)).toBe(0);
  });

  it('names a stopped instance and changes nothing', async () => {
    await pg.admin("CREATE ROLE rds_stopped LOGIN PASSWORD 'rds-stopped-initial'");
    const value = JSON.stringify({
      engine: 'postgres',
      dbInstanceIdentifier: 'stopped-pg',
      username: 'rds_stopped',
      password: 'rds-stopped-initial',
    });
    const secret = await createSecret(stack.client, 'rds/stopped', value);

    const result = await rotateAndWait(stack, secret.arn);

    expect(result).toMatchObject({ succeeded: false, errorName: 'RdsDatabaseNotAvailableError' });
    expect(result.errorMessage).toMatch(/stopped-pg.*stopped/);
    expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).toBe(value);
    expect(await pg.canLogin('rds_stopped', 'rds-stopped-initial')).toBe(true);
  });

  it('names an instance of another engine and changes nothing', async () => {
    const value = JSON.stringify({
      engine: 'postgres',
      dbInstanceIdentifier: 'shop-db',
      username: 'x',
      password: 'p-1',
    });
    const secret = await createSecret(stack.client, 'rds/other-engine', value);

    const result = await rotateAndWait(stack, secret.arn);

    expect(result).toMatchObject({ succeeded: false, errorName: 'RdsEngineMismatchError' });
    expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).toBe(value);
  });

  it('refuses to rotate the secret RDS manages itself, saying RDS rotates it', async () => {
    const masterArn = rdsManagedMaster('orders-pg', pg.masterUser, pg.masterPassword);
    const before = await valueAt(stack.client, masterArn, 'AWSCURRENT');

    await expect(rotateAndWait(stack, masterArn)).rejects.toMatchObject({ name: 'InvalidRequestException' });
    expect(await valueAt(stack.client, masterArn, 'AWSCURRENT')).toBe(before);
  });
});
