import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { createMysqlAlternatingUsersStrategy } from '../../../functions/strategies/mysql/alternating-users';
import { createMysqlSingleUserStrategy } from '../../../functions/strategies/mysql/single-user';
import { encodeProbe, PROBE_TAG } from '../../../functions/strategies/probe/probe';
import type { LocalMariadb } from '../../../local/databases/mariadb';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import {
  describeIfMariadb,
  registerStrategyRotationFunction,
  type StrategyRotationFunction,
} from '../../support/mariadb';
import {
  createSecret,
  jsonAt,
  MANUAL_FUNCTION_ARN,
  rotateAndWait,
  stagesOf,
  type DbSecret,
} from '../../support/secrets';

/**
 * Issue 10 on a real MariaDB with password auth: privilege parity of the alternate user, the
 * entry's probe (SET STATEMENT max_statement_time … FOR, READ ONLY), twin invocations of a step
 * at once, and max_password_errors never reached by keyturn's own logins.
 */

let stack: LocalStack;
let db: LocalMariadb;
let alternating: StrategyRotationFunction;
let single: StrategyRotationFunction;
let masterArn: string;
let counter = 0;

beforeAll(async () => {
  stack = await startLocalStack({ mariadb: true });
  db = stack.mariadb as LocalMariadb;
  alternating = registerStrategyRotationFunction(stack, 'trust-alternating', createMysqlAlternatingUsersStrategy());
  single = registerStrategyRotationFunction(stack, 'trust-single', createMysqlSingleUserStrategy());
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  masterArn = (await createSecret(stack.client, 'trust/master', db.masterSecretValue())).arn;
  await db.admin('CREATE DATABASE shop');
  await db.admin('CREATE TABLE shop.orders (id int)');
  await db.admin('CREATE TABLE shop.audit (id int)');
});
afterAll(() => stack.stop());

const probeTags = (sql: string) => ({ [PROBE_TAG]: encodeProbe({ sql }) });

async function givenUser(
  fn: StrategyRotationFunction,
  options: { master?: boolean; tags?: Record<string, string> } = {},
): Promise<{ name: string; password: string; arn: string }> {
  const name = `trust_${++counter}`;
  const password = `trust-${counter}-pw`;
  await db.admin('CREATE USER ?@? IDENTIFIED BY ?', [name, '%', password]);
  await db.admin('GRANT SELECT ON shop.orders TO ?@?', [name, '%']);
  await db.admin('GRANT INSERT ON shop.audit TO ?@?', [name, '%']);
  const secret = await createSecret(
    stack.client,
    `trust/${counter}`,
    db.secretValue(name, password, options.master ? { masterarn: masterArn } : {}),
    { ...fn.tags, ...options.tags },
  );
  return { name, password, arn: secret.arn };
}

describeIfMariadb('MySQL strategies on MariaDB: verification, concurrency and lockout', () => {
  it('alternating users: testSecret refuses a clone that lacks a grant, naming it, and nothing moves', async () => {
    const user = await givenUser(alternating, { master: true });
    const stuck = await rotateAndWait(stack, user.arn, MANUAL_FUNCTION_ARN);
    const step = (Step: string) => alternating.invoke({ Step, SecretId: user.arn, ClientRequestToken: stuck.token });
    await step('createSecret');
    await step('setSecret');
    await db.admin('REVOKE INSERT ON shop.audit FROM ?@?', [`${user.name}_clone`, '%']);
    await expect(step('testSecret')).rejects.toMatchObject({
      name: 'PrivilegeParityError',
      message: expect.stringContaining('INSERT on `shop`.`audit`') as string,
    });
    expect((await stagesOf(stack.client, user.arn))[stuck.token]).toEqual(['AWSPENDING']);
    // The next setSecret repairs the drift, and testSecret passes.
    await step('setSecret');
    await step('testSecret');
  });

  it('single user: the probe runs under SET STATEMENT max_statement_time in a READ ONLY transaction; a failing one is ProbeFailedError', async () => {
    const passing = await givenUser(single, { tags: probeTags('SELECT id FROM shop.orders') });
    expect(await rotateAndWait(stack, passing.arn, single.arn)).toMatchObject({ succeeded: true });
    const failing = await givenUser(single, { tags: probeTags('SELECT id FROM shop.secrets_table') });
    const result = await rotateAndWait(stack, failing.arn, single.arn);
    expect(result).toMatchObject({ succeeded: false, failedStep: 'testSecret', errorName: 'ProbeFailedError' });
    expect(result.errorMessage).toContain('probe "SELECT id FROM shop.secrets_table"');
  });

  it('alternating users: two setSecret invocations at once (the first creating the clone) both succeed, with one clone', async () => {
    const user = await givenUser(alternating, { master: true });
    const stuck = await rotateAndWait(stack, user.arn, MANUAL_FUNCTION_ARN);
    await alternating.invoke({ Step: 'createSecret', SecretId: user.arn, ClientRequestToken: stuck.token });
    const twins = await Promise.allSettled(
      [1, 2].map(() => alternating.invoke({ Step: 'setSecret', SecretId: user.arn, ClientRequestToken: stuck.token })),
    );
    expect(twins.map((t) => (t.status === 'rejected' ? (t.reason as Error).message : 'ok'))).toEqual(['ok', 'ok']);
    const clones = await db.admin<{ n: number }>('SELECT COUNT(*) AS n FROM mysql.user WHERE User = ?', [
      `${user.name}_clone`,
    ]);
    expect(Number(clones[0]?.n)).toBe(1);
    const pending = await jsonAt<DbSecret>(stack.client, user.arn, 'AWSPENDING');
    expect(await db.canLogin(pending.username, pending.password)).toBe(true);
  });

  it('single user with max_password_errors 2: a rotation, a retried step and a recovery after a cleared AWSPENDING never block the user', async () => {
    await db.admin('SET GLOBAL max_password_errors = 2');
    try {
      const user = await givenUser(single);
      expect(await rotateAndWait(stack, user.arn, single.arn)).toMatchObject({ succeeded: true });
      // A retried step: MariaDB has one password, so AWSCURRENT fails once, then AWSPENDING works.
      const retried = await rotateAndWait(stack, user.arn, MANUAL_FUNCTION_ARN);
      for (const Step of ['createSecret', 'setSecret', 'setSecret', 'testSecret', 'finishSecret']) {
        await single.invoke({ Step, SecretId: user.arn, ClientRequestToken: retried.token });
      }
      // A rotation that changed the password, whose AWSPENDING an operator then cleared.
      const stuck = await rotateAndWait(stack, user.arn, MANUAL_FUNCTION_ARN);
      for (const Step of ['createSecret', 'setSecret']) {
        await single.invoke({ Step, SecretId: user.arn, ClientRequestToken: stuck.token });
      }
      await stack.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: user.arn,
          VersionStage: 'AWSPENDING',
          RemoveFromVersionId: stuck.token,
        }),
      );
      expect(await rotateAndWait(stack, user.arn, single.arn)).toMatchObject({ succeeded: true });
      const now = await jsonAt<DbSecret>(stack.client, user.arn, 'AWSCURRENT');
      expect(await db.canLogin(user.name, now.password)).toBe(true);
    } finally {
      await db.admin('SET GLOBAL max_password_errors = DEFAULT');
    }
  });
});
