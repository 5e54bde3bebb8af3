import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { createMysqlAlternatingUsersStrategy } from '../../../functions/strategies/mysql/alternating-users';
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
  rotateAndWait,
  stagesOf,
  valueAt,
  type DbSecret,
  MANUAL_FUNCTION_ARN,
} from '../../support/secrets';
import { strategyContext } from '../../support/strategy-context';

let stack: LocalStack;
let db: LocalMariadb;
let rotationFunction: StrategyRotationFunction;
let masterArn: string;
let counter = 0;
const strategy = createMysqlAlternatingUsersStrategy();

beforeAll(async () => {
  stack = await startLocalStack({ mariadb: true });
  db = stack.mariadb as LocalMariadb;
  rotationFunction = registerStrategyRotationFunction(stack, 'mysql-alternating-users', strategy);
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  masterArn = (await createSecret(stack.client, 'db/mysql-master', db.masterSecretValue())).arn;
  await db.admin('CREATE DATABASE shop');
  await db.admin('CREATE TABLE shop.orders (id int, note varchar(20))');
  await db.admin('INSERT INTO shop.orders VALUES (1, "a"), (2, "b")');
  await db.admin('CREATE TABLE shop.audit (id int)');
  await db.admin('CREATE ROLE order_readers');
  await db.admin('GRANT SELECT ON shop.orders TO order_readers');
});
afterAll(() => stack.stop());

interface AppUser {
  readonly name: string;
  readonly host: string;
  readonly password: string;
  readonly secretArn: string;
}

/** A user with database, table, column and role grants, a default role and a resource limit. */
async function givenAppUser(
  options: { name?: string; host?: string; extra?: Record<string, unknown> } = {},
): Promise<AppUser> {
  const name = options.name ?? `svc_${++counter}`;
  if (options.name) counter++;
  const host = options.host ?? '%';
  const password = `Start-${counter}-password`;
  await db.admin('CREATE USER ?@? IDENTIFIED BY ? WITH MAX_USER_CONNECTIONS 7', [name, host, password]);
  await db.admin('GRANT SELECT, INSERT ON shop.* TO ?@?', [name, host]);
  await db.admin('GRANT UPDATE (note) ON shop.orders TO ?@?', [name, host]);
  await db.admin('GRANT order_readers TO ?@?', [name, host]);
  await db.admin('SET DEFAULT ROLE order_readers FOR ?@?', [name, host]);
  const secret = await createSecret(
    stack.client,
    `db/mysql-alternating/${counter}`,
    db.secretValue(name, password, { masterarn: masterArn, ...options.extra }),
    rotationFunction.tags,
  );
  return { name, host, password, secretArn: secret.arn };
}

const rotate = (arn: string) => rotateAndWait(stack, arn, rotationFunction.arn);

/** SHOW GRANTS of an account, with its own name taken out so two accounts can be compared. */
async function grantsOf(name: string, host: string): Promise<string[]> {
  const rows = await db.admin<Record<string, string>>('SHOW GRANTS FOR ?@?', [name, host]);
  const self = `\`${name.replace(/`/g, '``')}\`@\`${host}\``;
  return rows
    .map((row) => String(Object.values(row)[0]))
    .map((line) =>
      line
        .split(self)
        .join('<account>')
        .replace(/ IDENTIFIED BY PASSWORD '[^']*'/, ''),
    )
    .sort();
}

async function accountsNamed(name: string): Promise<{ Host: string; plugin: string; max_user_connections: number }[]> {
  return db.admin('SELECT Host, plugin, max_user_connections FROM mysql.user WHERE User = ?', [name]);
}

async function rowsAs(user: DbSecret, sql: string): Promise<unknown[]> {
  const session = await db.openSession(user.username, user.password);
  try {
    const [rows] = await session.query(sql);
    return rows as unknown[];
  } finally {
    await session.end();
  }
}

describeIfMariadb('MySQL alternating users on MariaDB', () => {
  it("first rotation creates the clone with the original's plugin, host part, grants, roles and limits", async () => {
    const app = await givenAppUser();

    const result = await rotate(app.secretArn);

    expect(result).toMatchObject({ succeeded: true });
    const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    expect(current.username).toBe(`${app.name}_clone`);
    expect(await db.canLogin(current.username, current.password)).toBe(true);
    expect(await db.canLogin(app.name, app.password)).toBe(true); // the previous user keeps working
    expect(await accountsNamed(current.username)).toEqual([
      { Host: '%', plugin: 'mysql_native_password', max_user_connections: 7 },
    ]);
    expect(await grantsOf(current.username, '%')).toEqual(await grantsOf(app.name, '%'));
    expect(await rowsAs(current, 'SELECT id FROM shop.orders ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('creates the clone of an ed25519 account on ed25519', async () => {
    const app = await givenAppUser();
    await db.admin('ALTER USER ?@? IDENTIFIED VIA ed25519 USING PASSWORD(?)', [app.name, app.host, app.password]);

    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });

    const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    expect((await accountsNamed(current.username)).map((a) => a.plugin)).toEqual(['ed25519']);
    expect((await accountsNamed(app.name)).map((a) => a.plugin)).toEqual(['ed25519']);
    expect(await rowsAs(current, 'SELECT COUNT(*) AS n FROM shop.orders')).toEqual([{ n: 2 }]);
  });

  it("keeps the host part of a 'name'@'127.0.0.1' account", async () => {
    const app = await givenAppUser({ host: '127.0.0.1' });
    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });
    expect((await accountsNamed(`${app.name}_clone`)).map((a) => a.Host)).toEqual(['127.0.0.1']);
    expect(await grantsOf(`${app.name}_clone`, '127.0.0.1')).toEqual(await grantsOf(app.name, '127.0.0.1'));
  });

  it("repairs drift on every rotation: the clone ends with exactly the original's privileges", async () => {
    const app = await givenAppUser();
    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });
    const clone = `${app.name}_clone`;
    // Drift both ways: the clone gains what the original lacks, the original loses what the clone has.
    await db.admin('GRANT DELETE ON shop.* TO ?@?', [clone, '%']);
    await db.admin('GRANT SELECT ON shop.audit TO ?@? WITH GRANT OPTION', [clone, '%']);
    await db.admin('REVOKE UPDATE (note) ON shop.orders FROM ?@?', [app.name, '%']);
    await db.admin('REVOKE INSERT ON shop.* FROM ?@?', [app.name, '%']);
    expect(await grantsOf(clone, '%')).not.toEqual(await grantsOf(app.name, '%'));

    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true }); // back to the original
    expect(await grantsOf(clone, '%')).toEqual(await grantsOf(app.name, '%'));

    await db.admin('GRANT SELECT ON shop.audit TO ?@?', [app.name, '%']);
    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true }); // to the clone again
    expect(await grantsOf(clone, '%')).toEqual(await grantsOf(app.name, '%'));
    expect(await grantsOf(clone, '%')).toContain('GRANT SELECT ON `shop`.`audit` TO <account>');
  });

  it('a secret that starts on a clone name creates the missing original as a copy of it, never the reverse', async () => {
    const app = await givenAppUser({ name: `started_${++counter}_clone` });
    const grantsBefore = await grantsOf(app.name, '%');

    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });

    const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    expect(current.username).toBe(app.name.slice(0, -'_clone'.length));
    expect(await grantsOf(app.name, '%')).toEqual(grantsBefore);
    expect(await grantsOf(current.username, '%')).toEqual(grantsBefore);
    expect(await rowsAs(current, 'SELECT COUNT(*) AS n FROM shop.orders')).toEqual([{ n: 2 }]);
  });

  it('alternates back and forth, changing only the user that is not current', async () => {
    const app = await givenAppUser();
    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });
    const first = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');

    const second = await rotate(app.secretArn);

    expect(second).toMatchObject({ succeeded: true });
    const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    const previous = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSPREVIOUS');
    expect(current.username).toBe(app.name);
    expect(previous).toMatchObject({ username: first.username, password: first.password });
    expect(await db.canLogin(current.username, current.password)).toBe(true);
    expect(await db.canLogin(previous.username, previous.password)).toBe(true);
    expect(await db.canLogin(app.name, app.password)).toBe(false);
    expect((await stagesOf(stack.client, app.secretArn))[second.token]).toEqual(['AWSCURRENT']);
  });

  it('counts sessions of the old user, and revoke leaves its account present but unusable', async () => {
    const app = await givenAppUser();
    const lingering = await db.openSession(app.name, app.password);
    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });
    const ctx = strategyContext(stack, app.secretArn);
    const current = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSCURRENT' });
    const previous = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSPREVIOUS' });

    expect(await strategy.usage(previous, current, ctx)).toMatchObject({ inUse: true, activeSessions: 1 });
    await expect(strategy.revoke(current, current, ctx)).rejects.toMatchObject({ name: 'RevokeRefusedError' });

    const revoked = await strategy.revoke(previous, current, ctx, { terminateSessions: true });

    expect(revoked).toMatchObject({ status: 'revoked', terminatedSessions: 1 });
    await expect(lingering.query('SELECT 1')).rejects.toBeDefined();
    expect(await strategy.verify(previous, ctx)).toMatchObject({ ok: false });
    expect(await strategy.verify(current, ctx)).toEqual({ ok: true });
    expect(await strategy.usage(previous, current, ctx)).toMatchObject({ inUse: false, activeSessions: 0 });
    expect(await accountsNamed(app.name)).toHaveLength(1);
    // The next rotation brings the revoked user back with a fresh password.
    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });
    const next = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    expect(next.username).toBe(app.name);
    expect(await db.canLogin(next.username, next.password)).toBe(true);
    lingering.destroy();
  });

  it('two revokes at once both succeed, and the old account is locked out', async () => {
    const app = await givenAppUser();
    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });
    const ctx = strategyContext(stack, app.secretArn);
    const current = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSCURRENT' });
    const previous = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSPREVIOUS' });

    const results = await Promise.allSettled([
      strategy.revoke(previous, current, ctx),
      strategy.revoke(previous, current, ctx),
    ]);

    expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : r.value.status))).toEqual([
      'revoked',
      'revoked',
    ]);
    expect(await db.canLogin(app.name, app.password)).toBe(false);
    expect(await strategy.verify(current, ctx)).toEqual({ ok: true });
  });

  it("a late revoke of the old account never undoes the next rotation's new password for that same account", async () => {
    const app = await givenAppUser();
    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });
    const ctx = strategyContext(stack, app.secretArn);
    const replacement = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSCURRENT' });
    const previous = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSPREVIOUS' });
    // The next rotation has already given the original account its new password (setSecret and testSecret done).
    const { token } = await rotateAndWait(stack, app.secretArn, MANUAL_FUNCTION_ARN);
    const step = (Step: string) =>
      rotationFunction.invoke({ Step, SecretId: app.secretArn, ClientRequestToken: token });
    await step('createSecret');
    await step('setSecret');
    await step('testSecret');

    // WHEN the lifecycle's revoke of the first rotation's old account arrives only now
    const revoked = await strategy.revoke(previous, replacement, ctx);

    // THEN it changes nothing: the pending password of that account still works, and finishing moves AWSCURRENT to it
    expect(revoked).toMatchObject({ status: 'revoked', confirmedRejected: true });
    expect(revoked.detail).toMatch(/already rejected/);
    const pending = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSPENDING');
    expect(pending.username).toBe(app.name);
    expect(await db.canLogin(pending.username, pending.password)).toBe(true);
    await step('finishSecret');
    const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    expect(await db.canLogin(current.username, current.password)).toBe(true);
  });

  it('reinstate after revoke gives the old account its previous password again, once, never touching AWSCURRENT', async () => {
    const app = await givenAppUser();
    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });
    const ctx = strategyContext(stack, app.secretArn);
    const current = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSCURRENT' });
    const previous = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSPREVIOUS' });
    await strategy.revoke(previous, current, ctx);
    expect(await db.canLogin(app.name, app.password)).toBe(false);

    const [first, twin] = await Promise.all([
      strategy.reinstate?.(previous, current, ctx),
      strategy.reinstate?.(previous, current, ctx),
    ]);
    const again = await strategy.reinstate?.(previous, current, ctx);

    expect([first, twin].sort()).toEqual([false, true]);
    expect(again).toBe(false);
    expect(await db.canLogin(app.name, app.password)).toBe(true);
    expect(await strategy.verify(current, ctx)).toEqual({ ok: true });
    expect(await accountsNamed(app.name)).toHaveLength(1);
  });

  it('reinstate refuses while the next rotation is under way: its setSecret gives that same account its next password', async () => {
    const app = await givenAppUser();
    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });
    const ctx = strategyContext(stack, app.secretArn);
    const current = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSCURRENT' });
    const previous = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSPREVIOUS' });
    await strategy.revoke(previous, current, ctx);
    const { token } = await rotateAndWait(stack, app.secretArn, MANUAL_FUNCTION_ARN);
    await rotationFunction.invoke({ Step: 'createSecret', SecretId: app.secretArn, ClientRequestToken: token });
    await rotationFunction.invoke({ Step: 'setSecret', SecretId: app.secretArn, ClientRequestToken: token });

    await expect(strategy.reinstate?.(previous, current, ctx)).rejects.toMatchObject({ name: 'ReinstateRefusedError' });
    const pending = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSPENDING');
    expect(await db.canLogin(pending.username, pending.password)).toBe(true);
    expect(await db.canLogin(app.name, app.password)).toBe(false);
  });

  it('revoke without terminateSessions leaves open sessions alone', async () => {
    const app = await givenAppUser();
    const lingering = await db.openSession(app.name, app.password);
    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });
    const ctx = strategyContext(stack, app.secretArn);
    const current = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSCURRENT' });
    const previous = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSPREVIOUS' });

    expect(await strategy.revoke(previous, current, ctx)).toMatchObject({ status: 'revoked', terminatedSessions: 0 });

    await expect(lingering.query('SELECT 1')).resolves.toBeDefined();
    expect(await db.canLogin(app.name, app.password)).toBe(false);
    await lingering.end();
  });

  it('gives the same result when each step is invoked twice, the clone created once', async () => {
    const app = await givenAppUser();
    const { token } = await rotateAndWait(stack, app.secretArn, MANUAL_FUNCTION_ARN);

    for (const Step of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      await rotationFunction.invoke({ Step, SecretId: app.secretArn, ClientRequestToken: token });
      await rotationFunction.invoke({ Step, SecretId: app.secretArn, ClientRequestToken: token });
    }

    const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    expect(current.username).toBe(`${app.name}_clone`);
    expect(await db.canLogin(current.username, current.password)).toBe(true);
    expect(await accountsNamed(current.username)).toHaveLength(1);
    expect((await stagesOf(stack.client, app.secretArn))[token]).toEqual(['AWSCURRENT']);
  });

  it('a hostile user name stays one quoted name through the clone, its grants and its password', async () => {
    await db.admin("CREATE USER 'victim'@'%' IDENTIFIED BY 'victim-pw'");
    const app = await givenAppUser({ name: "a'b`c \\d; DROP USER 'victim'@'%'; --" });

    expect(await rotate(app.secretArn)).toMatchObject({ succeeded: true });

    const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    expect(current.username).toBe(`${app.name}_clone`);
    expect(await db.canLogin(current.username, current.password)).toBe(true);
    expect(await grantsOf(current.username, '%')).toEqual(await grantsOf(app.name, '%'));
    expect(await db.canLogin('victim', 'victim-pw')).toBe(true);
  });
});

describeIfMariadb('MySQL alternating users on MariaDB: refusals change nothing', () => {
  async function expectNoClone(app: AppUser): Promise<void> {
    expect(await accountsNamed(`${app.name}_clone`)).toHaveLength(0);
    expect(await db.canLogin(app.name, app.password)).toBe(true);
  }

  it('a wrong master password fails with MasterSecretError and creates no clone', async () => {
    const badMaster = await createSecret(
      stack.client,
      `db/mysql-bad-master/${++counter}`,
      db.masterSecretValue({ password: 'not-the-master-password' }),
    );
    const app = await givenAppUser({ extra: { masterarn: badMaster.arn } });
    const before = await valueAt(stack.client, app.secretArn, 'AWSCURRENT');

    const result = await rotate(app.secretArn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'MasterSecretError' });
    expect(result.errorMessage).not.toContain('not-the-master-password');
    expect(await valueAt(stack.client, app.secretArn, 'AWSCURRENT')).toBe(before);
    await expectNoClone(app);
  });

  it('a master secret for another server is refused before anything is changed', async () => {
    const elsewhere = await createSecret(
      stack.client,
      `db/mysql-other-master/${++counter}`,
      JSON.stringify({ engine: 'mariadb', host: '127.0.0.2', port: db.port, username: 'root', password: 'x' }),
    );
    const app = await givenAppUser({ extra: { masterarn: elsewhere.arn } });

    const result = await rotate(app.secretArn);

    expect(result).toMatchObject({ succeeded: false, errorName: 'MasterSecretError' });
    expect(result.errorMessage).toContain('127.0.0.2');
    await expectNoClone(app);
  });

  it('a missing master secret is named in the error; a secret without masterarn is refused at createSecret', async () => {
    const app = await givenAppUser({
      extra: { masterarn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf' },
    });
    const missing = await rotate(app.secretArn);
    expect(missing).toMatchObject({ succeeded: false, errorName: 'MasterSecretError' });
    expect(missing.errorMessage).toContain('nope-AbCdEf');

    const noMaster = await createSecret(
      stack.client,
      `db/mysql-no-master/${++counter}`,
      db.secretValue(app.name, app.password),
      rotationFunction.tags,
    );
    const refused = await rotate(noMaster.arn);
    expect(refused).toMatchObject({
      succeeded: false,
      failedStep: 'createSecret',
      errorName: 'InvalidSecretValueError',
    });
    expect(refused.errorMessage).toContain('masterarn');
    await expectNoClone(app);
  });

  it('a user whose clone name would not fit is refused at createSecret', async () => {
    const app = await givenAppUser({ name: 'u'.repeat(75) });
    const result = await rotate(app.secretArn);
    expect(result).toMatchObject({
      succeeded: false,
      failedStep: 'createSecret',
      errorName: 'InvalidSecretValueError',
    });
    expect(result.errorMessage).toMatch(/cannot alternate/);
    await expectNoClone(app);
  });

  it('a privilege the master may not grant fails with CloneGrantsError naming it, and the original keeps working', async () => {
    await db.admin("CREATE USER 'limited_master'@'%' IDENTIFIED BY 'limited-master-pw'");
    await db.admin("GRANT CREATE USER, PROCESS ON *.* TO 'limited_master'@'%'");
    await db.admin("GRANT SELECT ON mysql.* TO 'limited_master'@'%'");
    await db.admin("GRANT SELECT, INSERT, UPDATE ON shop.* TO 'limited_master'@'%' WITH GRANT OPTION");
    await db.admin("GRANT order_readers TO 'limited_master'@'%' WITH ADMIN OPTION");
    const limited = await createSecret(
      stack.client,
      `db/mysql-limited-master/${++counter}`,
      db.secretValue('limited_master', 'limited-master-pw'),
    );
    const app = await givenAppUser({ extra: { masterarn: limited.arn } });
    await db.admin('GRANT RELOAD ON *.* TO ?@?', [app.name, app.host]);
    const before = await valueAt(stack.client, app.secretArn, 'AWSCURRENT');

    const result = await rotate(app.secretArn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'CloneGrantsError' });
    expect(result.errorMessage).toContain('RELOAD');
    expect(await valueAt(stack.client, app.secretArn, 'AWSCURRENT')).toBe(before);
    expect(await db.canLogin(app.name, app.password)).toBe(true);
    expect(await grantsOf(`${app.name}_clone`, '%')).not.toContain('GRANT RELOAD ON *.* TO <account>');
  });

  it('a pending value that points at another server is refused, and nothing is created', async () => {
    const app = await givenAppUser();
    const { token } = await rotateAndWait(stack, app.secretArn, MANUAL_FUNCTION_ARN);
    await stack.client.send(
      new PutSecretValueCommand({
        SecretId: app.secretArn,
        ClientRequestToken: token,
        SecretString: db.secretValue(`${app.name}_clone`, 'attacker-chosen-1', {
          masterarn: masterArn,
          host: '127.0.0.9',
        }),
        VersionStages: ['AWSPENDING'],
      }),
    );

    await expect(
      rotationFunction.invoke({ Step: 'setSecret', SecretId: app.secretArn, ClientRequestToken: token }),
    ).rejects.toMatchObject({
      name: 'InvalidSecretValueError',
      message: expect.stringContaining('another engine, host') as string,
    });
    await expectNoClone(app);
  });
});
