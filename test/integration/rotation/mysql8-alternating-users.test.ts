import { createMysqlAlternatingUsersStrategy } from '../../../functions/strategies/mysql/alternating-users';
import { createMysqlSingleUserStrategy } from '../../../functions/strategies/mysql/single-user';
import { encodeProbe, PROBE_TAG } from '../../../functions/strategies/probe/probe';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { registerStrategyRotationFunction, type StrategyRotationFunction } from '../../support/mariadb';
import { Mysql8Double } from '../../support/mysql8/server';
import {
  createSecret,
  jsonAt,
  MANUAL_FUNCTION_ARN,
  rotateAndWait,
  stagesOf,
  type DbSecret,
} from '../../support/secrets';

/**
 * Privilege parity and the entry's probe for the MySQL strategies against the MySQL 8 double:
 * the clone gets the original's default roles too (MySQL keeps them apart from SHOW GRANTS),
 * testSecret refuses a clone that lacks anything the original holds (naming it, never a value)
 * and moves nothing, and the probe runs as a read-only subquery with a time limit.
 */

let stack: LocalStack;
let double: Mysql8Double;
let alternating: StrategyRotationFunction;
let single: StrategyRotationFunction;
let masterArn: string;
let counter = 0;

beforeAll(async () => {
  [stack, double] = await Promise.all([startLocalStack(), Mysql8Double.start()]);
  alternating = registerStrategyRotationFunction(stack, 'mysql8-alternating', createMysqlAlternatingUsersStrategy());
  single = registerStrategyRotationFunction(stack, 'mysql8-single-probe', createMysqlSingleUserStrategy());
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  masterArn = (await createSecret(stack.client, 'mysql8/master', double.masterSecretValue())).arn;
  await double.admin('CREATE DATABASE shop');
  await double.admin('CREATE TABLE shop.orders (id int, note varchar(20))');
  await double.admin('CREATE TABLE shop.audit (id int)');
  await double.admin('CREATE ROLE order_reader');
  await double.admin('GRANT SELECT ON shop.orders TO order_reader');
});
afterAll(async () => {
  await Promise.all([stack.stop(), double.stop()]);
});

const probeTags = (sql: string) => ({ [PROBE_TAG]: encodeProbe({ sql }) });

/** An original user that reads shop.orders only through its default role. */
async function givenOriginal(tags: Record<string, string> = {}): Promise<{ name: string; arn: string }> {
  const name = `alt_${++counter}`;
  await double.admin(`CREATE USER '${name}'@'%' IDENTIFIED BY 'start-${counter}-pw'`);
  await double.admin(`GRANT INSERT ON shop.audit TO '${name}'@'%'`);
  await double.admin(`GRANT UPDATE (note) ON shop.orders TO '${name}'@'%'`);
  await double.admin(`GRANT order_reader TO '${name}'@'%'`);
  await double.admin(`SET DEFAULT ROLE order_reader TO '${name}'@'%'`);
  const secret = await createSecret(
    stack.client,
    `mysql8/alternating/${counter}`,
    double.secretValue(name, `start-${counter}-pw`, { masterarn: masterArn }),
    { ...alternating.tags, ...tags },
  );
  return { name, arn: secret.arn };
}

describe('mysql-alternating-users on MySQL 8 (double): privilege parity', () => {
  it('copies the default roles: the clone reads through its role, and the probe passes with it', async () => {
    const user = await givenOriginal(probeTags('SELECT id FROM shop.orders'));
    expect(await rotateAndWait(stack, user.arn, alternating.arn)).toMatchObject({ succeeded: true });
    const now = await jsonAt<DbSecret>(stack.client, user.arn, 'AWSCURRENT');
    expect(now.username).toBe(`${user.name}_clone`);
    expect(double.account(`${user.name}_clone`)?.defaultRoles).toEqual([{ user: 'order_reader', host: '%' }]);
    const clone = await double.connect(now.username, now.password);
    await clone.query('SELECT id FROM shop.orders');
    await clone.end();
  });

  it('refuses a clone that lacks a grant or a default role, naming them, and moves nothing', async () => {
    const user = await givenOriginal();
    const stuck = await rotateAndWait(stack, user.arn, MANUAL_FUNCTION_ARN);
    const step = (Step: string) => alternating.invoke({ Step, SecretId: user.arn, ClientRequestToken: stuck.token });
    await step('createSecret');
    await step('setSecret');
    // Drift between setSecret and testSecret.
    await double.admin(`REVOKE INSERT ON shop.audit FROM '${user.name}_clone'@'%'`);
    await double.admin(`SET DEFAULT ROLE NONE TO '${user.name}_clone'@'%'`);
    const error = await step('testSecret').then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe('PrivilegeParityError');
    expect(error?.message).toContain('INSERT on `shop`.`audit`');
    expect(error?.message).toContain('default role `order_reader`@`%`');
    const pending = await jsonAt<DbSecret>(stack.client, user.arn, 'AWSPENDING');
    expect(error?.message).not.toContain(pending.password);
    const stages = await stagesOf(stack.client, user.arn);
    expect(stages[stuck.token]).toEqual(['AWSPENDING']);
    expect((await jsonAt<DbSecret>(stack.client, user.arn, 'AWSCURRENT')).username).toBe(user.name);
  });
});

describe('mysql-single-user on MySQL 8 (double): the entry probe', () => {
  async function givenSingle(tags: Record<string, string>): Promise<{ name: string; arn: string }> {
    const name = `probe_${++counter}`;
    await double.admin(`CREATE USER '${name}'@'%' IDENTIFIED BY 'probe-${counter}-pw'`);
    await double.admin(`GRANT APPLICATION_PASSWORD_ADMIN ON *.* TO '${name}'@'%'`);
    await double.admin(`GRANT SELECT ON shop.audit TO '${name}'@'%'`);
    const secret = await createSecret(
      stack.client,
      `mysql8/probe/${counter}`,
      double.secretValue(name, `probe-${counter}-pw`),
      {
        ...single.tags,
        ...tags,
      },
    );
    return { name, arn: secret.arn };
  }

  it('runs the probe read-only, as a subquery with a time limit, and passes', async () => {
    const seen: string[] = [];
    double.hooks.afterStatement = ({ sql }) => seen.push(sql);
    const user = await givenSingle(probeTags('SELECT id FROM shop.audit'));
    expect(await rotateAndWait(stack, user.arn, single.arn)).toMatchObject({ succeeded: true });
    delete double.hooks.afterStatement;
    const at = seen.indexOf('START TRANSACTION READ ONLY');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(seen[at + 1]).toMatch(
      /^SELECT \/\*\+ MAX_EXECUTION_TIME\(\d+\) \*\/ 1 AS ok FROM \(SELECT id FROM shop\.audit\) AS keyturn_probe LIMIT 1$/,
    );
    expect(seen[at + 2]).toBe('ROLLBACK');
  });

  it("fails testSecret with ProbeFailedError and the server's answer when the new credential cannot run it", async () => {
    const user = await givenSingle(probeTags('SELECT id FROM shop.orders'));
    const result = await rotateAndWait(stack, user.arn, single.arn);
    expect(result).toMatchObject({ succeeded: false, failedStep: 'testSecret', errorName: 'ProbeFailedError' });
    expect(result.errorMessage).toContain('SELECT command denied');
    expect(result.errorMessage).toContain('probe "SELECT id FROM shop.orders"');
  });
});
