import { PutSecretValueCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { escapeIdentifier } from 'pg';
import { createStrategyRegistry } from '../../../functions/strategies/registry';
import type { LocalPostgres } from '../../../local/databases/postgres';
import { LOCAL_ROTATION_FUNCTION_ARN, startLocalStack, type LocalStack } from '../../../local/stack';
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
let pg: LocalPostgres;
let masterArn: string;
let counter = 0;

beforeAll(async () => {
  stack = await startLocalStack({ postgres: true });
  pg = stack.postgres as LocalPostgres;
  const master = await createSecret(stack.client, 'db/master', pg.masterSecretValue());
  masterArn = master.arn;
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  await pg.admin('CREATE ROLE app_readers NOLOGIN');
  await pg.admin('CREATE TABLE orders (id int)');
  await pg.admin('INSERT INTO orders VALUES (1), (2)');
  await pg.admin('GRANT SELECT ON orders TO app_readers');
});
afterAll(() => stack.stop());

async function givenAppUser(
  extra: Record<string, unknown> = {},
  userName?: string,
): Promise<{ name: string; password: string; secretArn: string }> {
  const name = userName ?? `svc_${++counter}`;
  if (userName) counter++;
  const password = `Start-${counter}-password`;
  const role = escapeIdentifier(name);
  await pg.admin(`CREATE ROLE ${role} WITH LOGIN CREATEDB CONNECTION LIMIT 7 PASSWORD '${password}'`);
  await pg.admin(`GRANT app_readers TO ${role}`);
  await pg.admin(`CREATE TABLE ${escapeIdentifier(`own_${counter}`)} (id int)`);
  await pg.admin(`ALTER TABLE ${escapeIdentifier(`own_${counter}`)} OWNER TO ${role}`);
  const secret = await createSecret(
    stack.client,
    `db/alternating/${counter}`,
    pg.secretValue(name, password, { masterarn: masterArn, ...extra }),
  );
  return { name, password, secretArn: secret.arn };
}

async function query(user: string, password: string, sql: string): Promise<unknown[]> {
  const client = await pg.openSession(user, password);
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL alternating users', () => {
  it("first rotation creates the clone with the original's memberships, privileges and attributes", async () => {
    const app = await givenAppUser();

    const result = await rotateAndWait(stack, app.secretArn);

    expect(result).toMatchObject({ succeeded: true });
    const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    expect(current.username).toBe(`${app.name}_clone`);
    // Both users log in: the previous one keeps working until it is revoked.
    expect(await pg.canLogin(current.username, current.password)).toBe(true);
    expect(await pg.canLogin(app.name, app.password)).toBe(true);
    // Privileges through a membership, and on objects the original owns.
    expect(await query(current.username, current.password, 'SELECT count(*)::int AS n FROM orders')).toEqual([
      { n: 2 },
    ]);
    expect(await query(current.username, current.password, `SELECT count(*)::int AS n FROM own_${counter}`)).toEqual([
      { n: 0 },
    ]);
    const [attributes] = await pg.admin<{ rolcreatedb: boolean; rolconnlimit: number; rolsuper: boolean }>(
      'SELECT rolcreatedb, rolconnlimit, rolsuper FROM pg_roles WHERE rolname = $1',
      [current.username],
    );
    expect(attributes).toEqual({ rolcreatedb: true, rolconnlimit: 7, rolsuper: false });
    const memberships = await pg.admin<{ rolname: string }>(
      `SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
        WHERE u.rolname = $1 ORDER BY 1`,
      [current.username],
    );
    // A member of the original only: the original's own memberships reach it through that one, as the server
    // resolves them (so a NOINHERIT original's memberships stay SET ROLE-only for the clone too).
    expect(memberships.map((m) => m.rolname)).toEqual([app.name]);
    const [effective] = await pg.admin<{ inherits: boolean }>(
      `SELECT pg_has_role($1, 'app_readers', 'USAGE') AS inherits`,
      [current.username],
    );
    expect(effective).toEqual({ inherits: true });
  });

  it('alternates back and forth, changing only the user that is not current', async () => {
    const app = await givenAppUser();
    expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });
    const first = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');

    const second = await rotateAndWait(stack, app.secretArn);

    expect(second).toMatchObject({ succeeded: true });
    const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    const previous = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSPREVIOUS');
    expect(current.username).toBe(app.name);
    expect(current.password).not.toBe(app.password);
    expect(previous).toMatchObject({ username: first.username, password: first.password });
    expect(await pg.canLogin(current.username, current.password)).toBe(true);
    expect(await pg.canLogin(previous.username, previous.password)).toBe(true);
    expect(await pg.canLogin(app.name, app.password)).toBe(false);
    expect((await stagesOf(stack.client, app.secretArn))[second.token]).toEqual(['AWSCURRENT']);
  });

  it('reports the old user in use while it has sessions, and revoke locks only the old user out', async () => {
    const app = await givenAppUser();
    // A client still on the old user: usage must see it, and revoke with terminateSessions ends it.
    await pg.openSession(app.name, app.password);
    expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });
    const strategy = createStrategyRegistry()['postgres-alternating-users'];
    const ctx = strategyContext(stack, app.secretArn);
    const store = ctx.store;
    const current = await store.requireVersion(app.secretArn, { stage: 'AWSCURRENT' });
    const previous = await store.requireVersion(app.secretArn, { stage: 'AWSPREVIOUS' });

    expect(await strategy.usage(previous, current, ctx)).toMatchObject({ inUse: true, activeSessions: 1 });
    await expect(strategy.revoke(current, current, ctx)).rejects.toMatchObject({ name: 'RevokeRefusedError' });

    const revoked = await strategy.revoke(previous, current, ctx, { terminateSessions: true });

    expect(revoked).toMatchObject({ status: 'revoked', terminatedSessions: 1 });
    expect(await strategy.verify(previous, ctx)).toMatchObject({ ok: false });
    expect(await strategy.verify(current, ctx)).toEqual({ ok: true });
    expect(await pg.admin('SELECT 1 FROM pg_roles WHERE rolname = $1', [app.name])).toHaveLength(1);
    // The next rotation brings the revoked user back with a fresh password.
    expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });
    const next = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    expect(next.username).toBe(app.name);
    expect(await pg.canLogin(next.username, next.password)).toBe(true);
  });

  it('a wrong master password fails with MasterSecretError and creates no clone', async () => {
    const badMaster = await createSecret(
      stack.client,
      `db/bad-master/${++counter}`,
      pg.masterSecretValue({ password: 'not-the-master-password' }),
    );
    const app = await givenAppUser({ masterarn: badMaster.arn });
    const before = await valueAt(stack.client, app.secretArn, 'AWSCURRENT');

    const result = await rotateAndWait(stack, app.secretArn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'MasterSecretError' });
    expect(result.errorMessage).not.toContain('not-the-master-password');
    expect(await pg.admin('SELECT 1 FROM pg_roles WHERE rolname = $1', [`${app.name}_clone`])).toHaveLength(0);
    expect(await valueAt(stack.client, app.secretArn, 'AWSCURRENT')).toBe(before);
    expect(await pg.canLogin(app.name, app.password)).toBe(true);
  });

  it('a master secret for another server is refused before anything is changed', async () => {
    const elsewhere = await createSecret(
      stack.client,
      `db/other-master/${++counter}`,
      JSON.stringify({ engine: 'postgres', host: '127.0.0.2', port: pg.port, username: 'postgres', password: 'x' }),
    );
    const app = await givenAppUser({ masterarn: elsewhere.arn });

    const result = await rotateAndWait(stack, app.secretArn);

    expect(result).toMatchObject({ succeeded: false, errorName: 'MasterSecretError' });
    expect(result.errorMessage).toContain('127.0.0.2');
    expect(await pg.admin('SELECT 1 FROM pg_roles WHERE rolname = $1', [`${app.name}_clone`])).toHaveLength(0);
  });

  it('a missing master secret is named in the error', async () => {
    const app = await givenAppUser({ masterarn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf' });
    const result = await rotateAndWait(stack, app.secretArn);
    expect(result).toMatchObject({ succeeded: false, errorName: 'MasterSecretError' });
    expect(result.errorMessage).toContain('nope-AbCdEf');
  });

  it('two revokes at once both succeed (no raw "tuple concurrently updated"), and the old user is locked out', async () => {
    for (let round = 0; round < 4; round++) {
      const app = await givenAppUser();
      expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });
      const strategy = createStrategyRegistry()['postgres-alternating-users'];
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
      expect(await pg.canLogin(app.name, app.password)).toBe(false);
      expect(await strategy.verify(current, ctx)).toEqual({ ok: true });
    }
  });

  it("a late revoke of the old user never undoes the next rotation's new password for that same user", async () => {
    const app = await givenAppUser();
    expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });
    const strategy = createStrategyRegistry()['postgres-alternating-users'];
    const ctx = strategyContext(stack, app.secretArn);
    const replacement = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSCURRENT' });
    const previous = await ctx.store.requireVersion(app.secretArn, { stage: 'AWSPREVIOUS' });
    // The next rotation has already given the original user its new password (setSecret and testSecret done).
    const { token } = await rotateAndWait(stack, app.secretArn, MANUAL_FUNCTION_ARN);
    const step = (Step: string) => stack.rotationHandler({ Step, SecretId: app.secretArn, ClientRequestToken: token });
    await step('createSecret');
    await step('setSecret');
    await step('testSecret');

    // WHEN the lifecycle's revoke of the first rotation's old user arrives only now
    const revoked = await strategy.revoke(previous, replacement, ctx);

    // THEN it changes nothing: the pending password of that user still works, and finishing moves AWSCURRENT to it
    expect(revoked.status).toBe('revoked');
    expect(revoked.detail).toMatch(/already rejected/);
    const pending = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSPENDING');
    expect(pending.username).toBe(app.name);
    expect(await pg.canLogin(pending.username, pending.password)).toBe(true);
    await step('finishSecret');
    const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    expect(await pg.canLogin(current.username, current.password)).toBe(true);
  });

  it('gives the same result when each step is invoked twice, the clone created once', async () => {
    const app = await givenAppUser();
    const { token } = await rotateAndWait(stack, app.secretArn, MANUAL_FUNCTION_ARN);
    const step = (Step: string) => stack.rotationHandler({ Step, SecretId: app.secretArn, ClientRequestToken: token });

    for (const name of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) {
      await step(name);
      await step(name);
    }

    const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    expect(current.username).toBe(`${app.name}_clone`);
    expect(await pg.canLogin(current.username, current.password)).toBe(true);
    expect(await pg.admin('SELECT 1 FROM pg_roles WHERE rolname = $1', [current.username])).toHaveLength(1);
    expect((await stagesOf(stack.client, app.secretArn))[token]).toEqual(['AWSCURRENT']);
  });

  it('two setSecret invocations at once create the clone once and both succeed (no raw "role already exists")', async () => {
    for (let round = 0; round < 4; round++) {
      const app = await givenAppUser();
      const { token } = await rotateAndWait(stack, app.secretArn, MANUAL_FUNCTION_ARN);
      const step = (Step: string) =>
        stack.rotationHandler({ Step, SecretId: app.secretArn, ClientRequestToken: token });
      await step('createSecret');

      const results = await Promise.allSettled([step('setSecret'), step('setSecret')]);

      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok']);
      const pending = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSPENDING');
      expect(await pg.canLogin(pending.username, pending.password)).toBe(true);
      await step('testSecret');
    }
  });

  it("passes Secrets Manager's configuration test (RotateImmediately=false), changing nothing; a broken master fails it", async () => {
    const app = await givenAppUser();
    const before = await stagesOf(stack.client, app.secretArn);
    const configurationTest = async (secretArn: string) => {
      const out = await stack.client.send(
        new RotateSecretCommand({
          SecretId: secretArn,
          RotationLambdaARN: LOCAL_ROTATION_FUNCTION_ARN,
          RotationRules: { AutomaticallyAfterDays: 30 },
          RotateImmediately: false,
        }),
      );
      return stack.secretsManager.waitForRotation(secretArn, out.VersionId, 30_000);
    };

    expect(await configurationTest(app.secretArn)).toMatchObject({ outcome: 'succeeded', mode: 'test-only' });
    expect(await stagesOf(stack.client, app.secretArn)).toEqual(before);
    expect(await pg.admin('SELECT 1 FROM pg_roles WHERE rolname = $1', [`${app.name}_clone`])).toHaveLength(0);

    const orphan = await givenAppUser({ masterarn: `${masterArn}-missing` });
    expect(await configurationTest(orphan.secretArn)).toMatchObject({
      outcome: 'failed',
      step: 'testSecret',
      error: { name: 'MasterSecretError' },
    });
  });

  it('a hostile user name stays one quoted identifier through the clone, its grants and its password', async () => {
    await pg.admin('CREATE ROLE victim NOLOGIN');
    const app = await givenAppUser({}, 'a"b; DROP ROLE victim; --');

    expect(await rotateAndWait(stack, app.secretArn)).toMatchObject({ succeeded: true });

    const current = await jsonAt<DbSecret>(stack.client, app.secretArn, 'AWSCURRENT');
    expect(current.username).toBe('a"b; DROP ROLE victim; --_clone');
    expect(await pg.canLogin(current.username, current.password)).toBe(true);
    expect(await query(current.username, current.password, 'SELECT count(*)::int AS n FROM orders')).toEqual([
      { n: 2 },
    ]);
    expect(await pg.admin("SELECT 1 FROM pg_roles WHERE rolname = 'victim'")).toHaveLength(1);
  });

  it('a pending value that points at another server is refused, and nothing is created', async () => {
    const app = await givenAppUser();
    const { token } = await rotateAndWait(stack, app.secretArn, MANUAL_FUNCTION_ARN);
    const tampered = pg.secretValue(`${app.name}_clone`, 'attacker-chosen-1', {
      masterarn: masterArn,
      host: '127.0.0.9',
    });
    await stack.client.send(
      new PutSecretValueCommand({
        SecretId: app.secretArn,
        ClientRequestToken: token,
        SecretString: tampered,
        VersionStages: ['AWSPENDING'],
      }),
    );

    await expect(
      stack.rotationHandler({ Step: 'setSecret', SecretId: app.secretArn, ClientRequestToken: token }),
    ).rejects.toMatchObject({
      name: 'InvalidSecretValueError',
      message: expect.stringContaining('another host') as string,
    });

    expect(await pg.admin('SELECT 1 FROM pg_roles WHERE rolname = $1', [`${app.name}_clone`])).toHaveLength(0);
    expect(await pg.canLogin(app.name, app.password)).toBe(true);
  });
});
