import { PutSecretValueCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { createMysqlSingleUserStrategy } from '../../../functions/strategies/mysql/single-user';
import { ed25519PublicKey } from '../../../functions/strategies/mysql/ed25519';
import { nativePasswordHash } from '../../../functions/strategies/mysql/password-statements';
import type { LocalMariadb } from '../../../local/databases/mariadb';
import { freeLoopbackPort } from '../../../local/net/free-port';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import {
  describeIfMariadb,
  registerStrategyRotationFunction,
  type StrategyRotationFunction,
} from '../../support/mariadb';
import { createSecret, jsonAt, rotateAndWait, stagesOf, valueAt, MANUAL_FUNCTION_ARN } from '../../support/secrets';
import { strategyContext } from '../../support/strategy-context';

let stack: LocalStack;
let db: LocalMariadb;
let rotationFunction: StrategyRotationFunction;
let counter = 0;
const strategy = createMysqlSingleUserStrategy();

beforeAll(async () => {
  stack = await startLocalStack({ mariadb: true });
  db = stack.mariadb as LocalMariadb;
  rotationFunction = registerStrategyRotationFunction(stack, 'mysql-single-user', strategy);
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  await db.admin('CREATE DATABASE shop');
  await db.admin('CREATE TABLE shop.orders (id int)');
});
afterAll(() => stack.stop());

interface DbUser {
  readonly name: string;
  readonly host: string;
  readonly password: string;
  readonly secretArn: string;
}

interface UserOptions {
  readonly name?: string;
  readonly host?: string;
  readonly via?: 'ed25519';
  readonly extra?: Record<string, unknown>;
}

async function givenUserWithSecret(options: UserOptions = {}): Promise<DbUser> {
  const name = options.name ?? `app_${++counter}`;
  if (options.name) counter++;
  const host = options.host ?? '127.0.0.1';
  const password = `Initial-${counter}-pw`;
  if (options.via === 'ed25519') {
    await db.admin('CREATE USER ?@? IDENTIFIED VIA ed25519 USING PASSWORD(?)', [name, host, password]);
  } else {
    await db.admin('CREATE USER ?@? IDENTIFIED BY ?', [name, host, password]);
  }
  await db.admin('GRANT SELECT ON shop.* TO ?@?', [name, host]);
  const secret = await createSecret(
    stack.client,
    `db/mysql-single/${counter}`,
    db.secretValue(name, password, options.extra),
    rotationFunction.tags,
  );
  return { name, host, password, secretArn: secret.arn };
}

async function account(name: string, host: string): Promise<{ plugin: string; authentication_string: string }> {
  const [row] = await db.admin<{ plugin: string; authentication_string: string }>(
    'SELECT plugin, authentication_string FROM mysql.user WHERE User = ? AND Host = ?',
    [name, host],
  );
  if (!row) throw new Error(`no account ${name}@${host}`);
  return row;
}

const rotate = (arn: string) => rotateAndWait(stack, arn, rotationFunction.arn);
const runStep = (Step: string, user: DbUser, token: string) =>
  rotationFunction.invoke({ Step, SecretId: user.secretArn, ClientRequestToken: token });

function versionAt(user: DbUser, stage: string) {
  return strategyContext(stack, user.secretArn).store.requireVersion(user.secretArn, { stage });
}

async function placeholderRotation(user: DbUser): Promise<string> {
  return (await rotateAndWait(stack, user.secretArn, MANUAL_FUNCTION_ARN)).token;
}

describeIfMariadb('MySQL single user on MariaDB: rotation through RotateSecret', () => {
  it('changes the password: the new one logs in, the old one is rejected, and the labels move', async () => {
    const user = await givenUserWithSecret();
    const before = await stagesOf(stack.client, user.secretArn);
    const oldVersionId = Object.keys(before)[0] as string;

    const result = await rotate(user.secretArn);

    expect(result).toMatchObject({ succeeded: true });
    const current = await jsonAt<{ password: string; username: string }>(stack.client, user.secretArn, 'AWSCURRENT');
    expect(current.username).toBe(user.name);
    expect(current.password).not.toBe(user.password);
    expect(await db.canLogin(user.name, current.password)).toBe(true);
    // MariaDB has no dual passwords: the old one stops working at setSecret.
    expect(await db.canLogin(user.name, user.password)).toBe(false);
    expect(await stagesOf(stack.client, user.secretArn)).toEqual({
      [result.token]: ['AWSCURRENT'],
      [oldVersionId]: ['AWSPREVIOUS'],
    });
  });

  it('sends the server a hash, not the password, for a mysql_native_password account', async () => {
    const user = await givenUserWithSecret();
    await db.admin("SET GLOBAL log_output = 'TABLE'");
    await db.admin('TRUNCATE TABLE mysql.general_log');
    await db.admin('SET GLOBAL general_log = 1');
    try {
      expect(await rotate(user.secretArn)).toMatchObject({ succeeded: true });
    } finally {
      await db.admin('SET GLOBAL general_log = 0');
    }
    const current = await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT');
    const logged = await db.admin<{ argument: string }>(
      "SELECT CONVERT(argument USING utf8mb4) AS argument FROM mysql.general_log WHERE command_type = 'Query'",
    );
    const statements = logged.map((r) => r.argument);
    expect(statements.some((s) => s.includes(nativePasswordHash(current.password)))).toBe(true);
    expect(statements.some((s) => s.includes(current.password))).toBe(false);
    expect(await account(user.name, user.host)).toEqual({
      plugin: 'mysql_native_password',
      authentication_string: nativePasswordHash(current.password),
    });
  });

  it('keeps an ed25519 account on ed25519, and sends its public key, not the password', async () => {
    const user = await givenUserWithSecret({ via: 'ed25519' });
    await db.admin("SET GLOBAL log_output = 'TABLE'");
    await db.admin('TRUNCATE TABLE mysql.general_log');
    await db.admin('SET GLOBAL general_log = 1');
    try {
      expect(await rotate(user.secretArn)).toMatchObject({ succeeded: true });
    } finally {
      await db.admin('SET GLOBAL general_log = 0');
    }

    const current = await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT');
    expect(await account(user.name, user.host)).toEqual({
      plugin: 'ed25519',
      authentication_string: ed25519PublicKey(current.password),
    });
    expect(await strategy.verify(await versionAt(user, 'AWSCURRENT'), strategyContext(stack, user.secretArn))).toEqual({
      ok: true,
    });
    expect(
      await strategy.verify(await versionAt(user, 'AWSPREVIOUS'), strategyContext(stack, user.secretArn)),
    ).toMatchObject({
      ok: false,
    });
    const logged = await db.admin<{ argument: string }>(
      "SELECT CONVERT(argument USING utf8mb4) AS argument FROM mysql.general_log WHERE command_type = 'Query'",
    );
    expect(logged.some((r) => r.argument.includes(current.password))).toBe(false);
  });

  it("changes the account the login resolves to: 'name'@'%' stays '%'", async () => {
    const user = await givenUserWithSecret({ host: '%' });
    expect(await rotate(user.secretArn)).toMatchObject({ succeeded: true });
    const current = await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT');
    expect(await db.admin('SELECT Host FROM mysql.user WHERE User = ?', [user.name])).toEqual([{ Host: '%' }]);
    expect((await account(user.name, '%')).authentication_string).toBe(nativePasswordHash(current.password));
  });

  it("of two accounts with one name, changes only the one the login authenticates as ('name'@'127.0.0.1')", async () => {
    const user = await givenUserWithSecret({ host: '127.0.0.1' });
    await db.admin('CREATE USER ?@? IDENTIFIED BY ?', [user.name, '%', 'the-wildcard-account-pw']);
    const wildcardBefore = await account(user.name, '%');

    expect(await rotate(user.secretArn)).toMatchObject({ succeeded: true });

    const current = await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT');
    expect((await account(user.name, '127.0.0.1')).authentication_string).toBe(nativePasswordHash(current.password));
    expect(await account(user.name, '%')).toEqual(wildcardBefore);
  });

  it('keeps fields it does not know and every field but the password; engine "mysql" works on MariaDB too', async () => {
    const user = await givenUserWithSecret({
      extra: { engine: 'mysql', dbname: 'shop', note: 'owned by payments', dbInstanceIdentifier: 'orders-db' },
    });
    expect(await rotate(user.secretArn)).toMatchObject({ succeeded: true });
    expect(await jsonAt(stack.client, user.secretArn, 'AWSCURRENT')).toMatchObject({
      engine: 'mysql',
      host: db.host,
      port: db.port,
      username: user.name,
      dbname: 'shop',
      note: 'owned by payments',
      dbInstanceIdentifier: 'orders-db',
    });
  });

  it('rotates again and again, each time from the password the last rotation set', async () => {
    const user = await givenUserWithSecret();
    const passwords = [user.password];
    for (let i = 0; i < 3; i++) {
      expect(await rotate(user.secretArn)).toMatchObject({ succeeded: true });
      passwords.push((await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT')).password);
    }
    expect(new Set(passwords).size).toBe(4);
    for (const old of passwords.slice(0, -1)) expect(await db.canLogin(user.name, old)).toBe(false);
    expect(await db.canLogin(user.name, passwords[3] as string)).toBe(true);
  });
});

describeIfMariadb('MySQL single user on MariaDB: every step is idempotent', () => {
  it('gives the same result when each step is invoked twice', async () => {
    const user = await givenUserWithSecret();
    const token = await placeholderRotation(user);

    await runStep('createSecret', user, token);
    const pending = await valueAt(stack.client, user.secretArn, 'AWSPENDING');
    await runStep('createSecret', user, token);
    expect(await valueAt(stack.client, user.secretArn, 'AWSPENDING')).toBe(pending);
    const newPassword = (JSON.parse(pending) as { password: string }).password;

    await runStep('setSecret', user, token);
    await runStep('setSecret', user, token);
    expect(await db.canLogin(user.name, newPassword)).toBe(true);
    expect(await db.canLogin(user.name, user.password)).toBe(false);

    await runStep('testSecret', user, token);
    await runStep('testSecret', user, token);

    await runStep('finishSecret', user, token);
    const afterFirstFinish = await stagesOf(stack.client, user.secretArn);
    await runStep('finishSecret', user, token);
    expect(await stagesOf(stack.client, user.secretArn)).toEqual(afterFirstFinish);
    expect(afterFirstFinish[token]).toEqual(['AWSCURRENT']);
  });

  it('a new rotation after a stuck one was cleared finds the password the crashed rotation set', async () => {
    const user = await givenUserWithSecret();
    const stuck = await placeholderRotation(user);
    await runStep('createSecret', user, stuck);
    await runStep('setSecret', user, stuck);
    await stack.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: user.secretArn,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: stuck,
      }),
    );

    expect(await rotate(user.secretArn)).toMatchObject({ succeeded: true });

    const current = await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT');
    expect(await db.canLogin(user.name, current.password)).toBe(true);
  });
});

describeIfMariadb('MySQL single user on MariaDB: bad input changes nothing', () => {
  it.each([
    ['malformed JSON', '{"engine": "mariadb", "host": ', 'InvalidSecretValueError', /not valid JSON/],
    [
      'a missing password',
      { engine: 'mariadb', host: '127.0.0.1', port: 1, username: 'x' },
      'InvalidSecretValueError',
      /password: /,
    ],
    [
      'the wrong engine',
      { engine: 'postgres', host: '127.0.0.1', username: 'x', password: 'p-secret-2' },
      'InvalidSecretValueError',
      /needs "engine": "mysql" or "mariadb" in the secret, found "postgres"/,
    ],
    [
      'a user name longer than any server allows',
      { engine: 'mariadb', host: '127.0.0.1', username: 'u'.repeat(81), password: 'p-secret-3' },
      'InvalidSecretValueError',
      /username: must be at most 80 characters/,
    ],
  ])('%s: a named error, AWSCURRENT untouched', async (_label, value, errorName, message) => {
    const raw = typeof value === 'string' ? value : JSON.stringify(value);
    const secret = await createSecret(stack.client, `db/mysql-bad/${++counter}`, raw, rotationFunction.tags);

    const result = await rotate(secret.arn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'createSecret', errorName });
    expect(result.errorMessage).toMatch(message);
    expect(result.errorMessage).not.toContain('p-secret');
    expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).toBe(raw);
  });

  it('a pending value naming another user is refused at setSecret, and the password is unchanged', async () => {
    const user = await givenUserWithSecret();
    const victim = await givenUserWithSecret();
    const token = await placeholderRotation(user);
    await stack.client.send(
      new PutSecretValueCommand({
        SecretId: user.secretArn,
        ClientRequestToken: token,
        SecretString: db.secretValue(victim.name, 'attacker-chosen-1'),
        VersionStages: ['AWSPENDING'],
      }),
    );

    await expect(runStep('setSecret', user, token)).rejects.toMatchObject({
      name: 'InvalidSecretValueError',
      message: expect.stringContaining('another engine, host, port, database, ssl setting or user') as string,
    });

    expect(await db.canLogin(user.name, user.password)).toBe(true);
    expect(await db.canLogin(victim.name, victim.password)).toBe(true);
  });

  it('an unreachable host: TargetUnreachableError at setSecret, AWSCURRENT untouched', async () => {
    const user = await givenUserWithSecret();
    const closedPort = await freeLoopbackPort();
    const before = db.secretValue(user.name, user.password, { port: closedPort });
    const secret = await createSecret(stack.client, `db/mysql-unreachable/${counter}`, before, rotationFunction.tags);

    const result = await rotate(secret.arn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'TargetUnreachableError' });
    expect(result.errorMessage).toContain(`127.0.0.1:${closedPort}`);
    expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).toBe(before);
    expect(await db.canLogin(user.name, user.password)).toBe(true);
  });

  it('a password changed outside keyturn: AuthenticationFailedError, nothing changed', async () => {
    const user = await givenUserWithSecret();
    await db.admin("SET PASSWORD FOR ?@? = PASSWORD('changed-by-hand')", [user.name, user.host]);
    const before = await valueAt(stack.client, user.secretArn, 'AWSCURRENT');

    const result = await rotate(user.secretArn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'AuthenticationFailedError' });
    expect(await valueAt(stack.client, user.secretArn, 'AWSCURRENT')).toBe(before);
    expect(await db.canLogin(user.name, 'changed-by-hand')).toBe(true);
  });

  it('ssl: true against a server without TLS fails with TlsRequiredError and never falls back to plaintext', async () => {
    const user = await givenUserWithSecret({ extra: { ssl: true } });
    const before = await valueAt(stack.client, user.secretArn, 'AWSCURRENT');

    const result = await rotate(user.secretArn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'TlsRequiredError' });
    expect(result.errorMessage).toMatch(/does not fall back to plaintext/);
    expect(await valueAt(stack.client, user.secretArn, 'AWSCURRENT')).toBe(before);
    expect(await db.canLogin(user.name, user.password)).toBe(true);
  });

  it('a hostile user name is one quoted name: rotation works and nothing else is touched', async () => {
    await db.admin("CREATE USER 'bystander'@'%' IDENTIFIED BY 'bystander-pw'");
    const name = "a'b`c \\d; DROP USER 'bystander'@'%'; --";
    const user = await givenUserWithSecret({ name });

    expect(await rotate(user.secretArn)).toMatchObject({ succeeded: true });

    const current = await jsonAt<{ password: string; username: string }>(stack.client, user.secretArn, 'AWSCURRENT');
    expect(current.username).toBe(name);
    expect(await db.canLogin(name, current.password)).toBe(true);
    expect(await db.canLogin('bystander', 'bystander-pw')).toBe(true);
  });
});

/** Polls the process list until the server lists no session of `user` (bounded: a session that never goes fails). */
async function untilNoSessionOf(user: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const rows = await db.admin<{ n: number }>(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE USER = ?',
      [user],
    );
    if (Number(rows[0]?.n) === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`a session of ${user} is still listed after 30 s`);
}

describeIfMariadb('MySQL single user on MariaDB: verify, usage and revoke for the lifecycle', () => {
  it('counts a session opened with the old password, and revoke ends it (and only it) when asked', async () => {
    const user = await givenUserWithSecret();
    const lingering = await db.openSession(user.name, user.password);
    // The process list has no start time: a session proves its age by being idle since before the change.
    await new Promise((resolve) => setTimeout(resolve, 1_300));

    expect(await rotate(user.secretArn)).toMatchObject({ succeeded: true });
    const ctx = strategyContext(stack, user.secretArn);
    const current = await ctx.store.requireVersion(user.secretArn, { stage: 'AWSCURRENT' });
    const previous = await ctx.store.requireVersion(user.secretArn, { stage: 'AWSPREVIOUS' });
    const newPassword = (JSON.parse(current.value) as { password: string }).password;
    const fresh = await db.openSession(user.name, newPassword);

    expect(await strategy.verify(current, ctx)).toEqual({ ok: true });
    expect(await strategy.verify(previous, ctx)).toMatchObject({ ok: false });
    expect(await strategy.usage(previous, current, ctx)).toMatchObject({ inUse: true, activeSessions: 1 });

    const revoked = await strategy.revoke(previous, current, ctx, { terminateSessions: true });

    expect(revoked).toMatchObject({ status: 'revoked', terminatedSessions: 1 });
    await expect(lingering.query('SELECT 1')).rejects.toBeDefined();
    await expect(fresh.query('SELECT 1')).resolves.toBeDefined();
    // Only the new session is left, and it cannot be dated: the answer says so rather than guessing.
    expect(await strategy.usage(previous, current, ctx)).toMatchObject({ inUse: 'unknown' });
    await fresh.end();
    // The client's QUIT returns before the server drops the thread: wait until it is gone from the process list.
    await untilNoSessionOf(user.name);
    expect(await strategy.usage(previous, current, ctx)).toEqual({
      inUse: false,
      activeSessions: 0,
      evidence: `no session of "${user.name}" is open`,
    });
    lingering.destroy();
  });

  it('revoke refuses when the replacement does not authenticate', async () => {
    const user = await givenUserWithSecret();
    expect(await rotate(user.secretArn)).toMatchObject({ succeeded: true });
    const ctx = strategyContext(stack, user.secretArn);
    const current = await ctx.store.requireVersion(user.secretArn, { stage: 'AWSCURRENT' });
    const previous = await ctx.store.requireVersion(user.secretArn, { stage: 'AWSPREVIOUS' });
    await db.admin("SET PASSWORD FOR ?@? = PASSWORD('changed-by-hand-2')", [user.name, user.host]);

    await expect(strategy.revoke(previous, current, ctx)).rejects.toMatchObject({ name: 'RevokeRefusedError' });
  });
});
