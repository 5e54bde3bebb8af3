import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { escapeIdentifier } from 'pg';
import { createStrategyRegistry } from '../../../functions/strategies/registry';
import type { LocalPostgres } from '../../../local/databases/postgres';
import { freeLoopbackPort } from '../../../local/net/free-port';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { createSecret, jsonAt, rotateAndWait, stagesOf, valueAt, MANUAL_FUNCTION_ARN } from '../../support/secrets';
import { strategyContext } from '../../support/strategy-context';

let stack: LocalStack;
let pg: LocalPostgres;
let counter = 0;

beforeAll(async () => {
  stack = await startLocalStack({ postgres: true });
  pg = stack.postgres as LocalPostgres;
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
});
afterAll(() => stack.stop());

interface DbUser {
  readonly name: string;
  readonly password: string;
  readonly secretArn: string;
}

async function givenUserWithSecret(userName?: string, extra: Record<string, unknown> = {}): Promise<DbUser> {
  const name = userName ?? `app_${++counter}`;
  if (userName) counter++;
  const password = `Initial-${counter}-pw`;
  await pg.admin(`CREATE ROLE ${escapeIdentifier(name)} WITH LOGIN PASSWORD '${password}'`);
  const secret = await createSecret(stack.client, `db/single/${counter}`, pg.secretValue(name, password, extra));
  return { name, password, secretArn: secret.arn };
}

async function step(Step: string, user: DbUser, token: string): Promise<void> {
  await stack.rotationHandler({ Step, SecretId: user.secretArn, ClientRequestToken: token });
}

/** Leaves a fresh AWSPENDING placeholder, as RotateSecret does, without running any step. */
async function placeholderRotation(user: DbUser): Promise<string> {
  const result = await rotateAndWait(stack, user.secretArn, MANUAL_FUNCTION_ARN);
  return result.token;
}

describe('PostgreSQL single user: rotation through RotateSecret', () => {
  it('changes the password: the new one logs in, the old one is rejected, and the labels move', async () => {
    const user = await givenUserWithSecret();
    const before = await stagesOf(stack.client, user.secretArn);
    const oldVersionId = Object.keys(before)[0] as string;

    const result = await rotateAndWait(stack, user.secretArn);

    expect(result).toMatchObject({ succeeded: true });
    const current = await jsonAt<{ password: string; username: string }>(stack.client, user.secretArn, 'AWSCURRENT');
    expect(current.username).toBe(user.name);
    expect(current.password).not.toBe(user.password);
    expect(await pg.canLogin(user.name, current.password)).toBe(true);
    expect(await pg.canLogin(user.name, user.password)).toBe(false);
    expect(await stagesOf(stack.client, user.secretArn)).toEqual({
      [result.token]: ['AWSCURRENT'],
      [oldVersionId]: ['AWSPREVIOUS'],
    });
  });

  it('keeps fields it does not know and every field but the password', async () => {
    const user = await givenUserWithSecret(undefined, { note: 'owned by payments', dbClusterIdentifier: 'c1' });
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    const current = await jsonAt(stack.client, user.secretArn, 'AWSCURRENT');
    expect(current).toMatchObject({
      engine: 'postgres',
      host: pg.host,
      port: pg.port,
      username: user.name,
      note: 'owned by payments',
      dbClusterIdentifier: 'c1',
    });
  });

  it('rotates again and again, each time from the password the last rotation set', async () => {
    const user = await givenUserWithSecret();
    const passwords = [user.password];
    for (let i = 0; i < 3; i++) {
      expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
      passwords.push((await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT')).password);
    }
    expect(new Set(passwords).size).toBe(4);
    for (const old of passwords.slice(0, -1)) expect(await pg.canLogin(user.name, old)).toBe(false);
    expect(await pg.canLogin(user.name, passwords[3] as string)).toBe(true);
  });

  it('refuses a second RotateSecret while one is unfinished, and changes nothing', async () => {
    const user = await givenUserWithSecret();
    const token = await placeholderRotation(user);
    const before = await stagesOf(stack.client, user.secretArn);

    await expect(rotateAndWait(stack, user.secretArn)).rejects.toMatchObject({ name: 'InvalidRequestException' });

    expect(await stagesOf(stack.client, user.secretArn)).toEqual(before);
    expect(before[token]).toEqual(['AWSPENDING']);
    expect(await pg.canLogin(user.name, user.password)).toBe(true);
  });
});

describe('PostgreSQL single user: every step is idempotent', () => {
  it('gives the same result when each step is invoked twice', async () => {
    const user = await givenUserWithSecret();
    const token = await placeholderRotation(user);

    await step('createSecret', user, token);
    const pending = await valueAt(stack.client, user.secretArn, 'AWSPENDING');
    await step('createSecret', user, token);
    expect(await valueAt(stack.client, user.secretArn, 'AWSPENDING')).toBe(pending);
    const newPassword = (JSON.parse(pending) as { password: string }).password;

    await step('setSecret', user, token);
    await step('setSecret', user, token);
    expect(await pg.canLogin(user.name, newPassword)).toBe(true);
    expect(await pg.canLogin(user.name, user.password)).toBe(false);

    await step('testSecret', user, token);
    await step('testSecret', user, token);

    await step('finishSecret', user, token);
    const afterFirstFinish = await stagesOf(stack.client, user.secretArn);
    await step('finishSecret', user, token);
    expect(await stagesOf(stack.client, user.secretArn)).toEqual(afterFirstFinish);
    expect(afterFirstFinish[token]).toEqual(['AWSCURRENT']);
    expect(
      Object.values(afterFirstFinish)
        .flat()
        .filter((s) => s === 'AWSPENDING'),
    ).toHaveLength(0);
  });
});

describe('PostgreSQL single user: recovering from a crash after setSecret', () => {
  it('re-running the interrupted rotation with its token completes it', async () => {
    const user = await givenUserWithSecret();
    const token = await placeholderRotation(user);
    await step('createSecret', user, token);
    await step('setSecret', user, token); // the database now has the pending password; then the "crash"

    const result = await rotateAndWait(stack, user.secretArn, undefined, token);

    expect(result).toMatchObject({ succeeded: true, token });
    const current = await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT');
    expect(await pg.canLogin(user.name, current.password)).toBe(true);
  });

  it('a new rotation after the stuck one was cleared finds the password the crashed rotation set', async () => {
    const user = await givenUserWithSecret();
    const stuck = await placeholderRotation(user);
    await step('createSecret', user, stuck);
    await step('setSecret', user, stuck);
    // An operator clears the stuck label; the password the crashed rotation set is only in that unlabelled version.
    await stack.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: user.secretArn,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: stuck,
      }),
    );

    const result = await rotateAndWait(stack, user.secretArn);

    expect(result).toMatchObject({ succeeded: true });
    const current = await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT');
    expect(await pg.canLogin(user.name, current.password)).toBe(true);
  });
});

describe('PostgreSQL single user: recovery never locks anyone out', () => {
  async function clearPending(user: DbUser, token: string): Promise<void> {
    await stack.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: user.secretArn,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: token,
      }),
    );
  }

  it('finds the password a crashed rotation set however many times an operator cleared AWSPENDING and started over', async () => {
    const user = await givenUserWithSecret();
    // The rotation that changed the password, then failed (the database went away before testSecret).
    const changed = await placeholderRotation(user);
    await step('createSecret', user, changed);
    await step('setSecret', user, changed);
    await clearPending(user, changed);
    // Five more attempts while the database stayed down: each stored its value, none reached the database.
    for (let attempt = 0; attempt < 5; attempt++) {
      const token = await placeholderRotation(user);
      await step('createSecret', user, token);
      await clearPending(user, token);
    }

    const result = await rotateAndWait(stack, user.secretArn);

    expect(result).toMatchObject({ succeeded: true });
    const current = await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT');
    expect(await pg.canLogin(user.name, current.password)).toBe(true);
  });

  it('names every version it tried (ids, never values) when none is accepted', async () => {
    const user = await givenUserWithSecret();
    const stuck = await placeholderRotation(user);
    await step('createSecret', user, stuck);
    await clearPending(user, stuck);
    await pg.admin(`ALTER ROLE ${escapeIdentifier(user.name)} PASSWORD 'changed-by-hand-again'`);
    const versions = Object.keys(await stagesOf(stack.client, user.secretArn));

    const result = await rotateAndWait(stack, user.secretArn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'AuthenticationFailedError' });
    expect(result.errorMessage).toContain('tried 2 version(s)');
    for (const versionId of versions) expect(result.errorMessage).toContain(versionId);
    expect(result.errorMessage).toContain(stuck);
    expect(result.errorMessage).not.toContain(user.password);
  });
});

describe('PostgreSQL single user: twin invocations', () => {
  it('two setSecret invocations at once both succeed: never "changed outside keyturn", never a raw server error', async () => {
    for (let round = 0; round < 5; round++) {
      const user = await givenUserWithSecret();
      const token = await placeholderRotation(user);
      await step('createSecret', user, token);

      const results = await Promise.allSettled([step('setSecret', user, token), step('setSecret', user, token)]);

      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok'))).toEqual(['ok', 'ok']);
      const pending = await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSPENDING');
      expect(await pg.canLogin(user.name, pending.password)).toBe(true);
    }
  });
});

describe('PostgreSQL single user: bad input changes nothing', () => {
  async function expectUnchanged(user: DbUser, currentBefore: string): Promise<void> {
    expect(await valueAt(stack.client, user.secretArn, 'AWSCURRENT')).toBe(currentBefore);
    expect(await pg.canLogin(user.name, user.password)).toBe(true);
  }

  it.each([
    ['malformed JSON', '{"engine": "postgres", "host": ', 'InvalidSecretValueError', /not valid JSON/],
    [
      'a missing password',
      { engine: 'postgres', host: '127.0.0.1', port: 1, username: 'x' },
      'InvalidSecretValueError',
      /password: /,
    ],
    [
      'neither a host nor an RDS identifier',
      { engine: 'postgres', port: 1, username: 'x', password: 'p-secret-1' },
      'InvalidSecretValueError',
      /does not say where the database is: it needs "host" \(with "port"\), "dbInstanceIdentifier" or "dbClusterIdentifier"/,
    ],
    [
      'the wrong engine',
      { engine: 'mysql', host: '127.0.0.1', username: 'x', password: 'p-secret-2' },
      'InvalidSecretValueError',
      /"mysql"/,
    ],
  ])('%s: a named error, AWSCURRENT untouched', async (_label, value, errorName, message) => {
    const raw = typeof value === 'string' ? value : JSON.stringify(value);
    const secret = await createSecret(stack.client, `db/bad/${++counter}`, raw, {
      'keyturn:strategy': 'postgres-single-user',
    });

    const result = await rotateAndWait(stack, secret.arn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'createSecret', errorName });
    expect(result.errorMessage).toMatch(message);
    expect(result.errorMessage).not.toContain('p-secret');
    expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).toBe(raw);
  });

  it('an unreachable host: TargetUnreachableError at setSecret, the database and AWSCURRENT untouched', async () => {
    const user = await givenUserWithSecret();
    const closedPort = await freeLoopbackPort();
    const before = JSON.stringify({
      engine: 'postgres',
      host: '127.0.0.1',
      port: closedPort,
      username: user.name,
      password: user.password,
    });
    const secret = await createSecret(stack.client, `db/unreachable/${counter}`, before);

    const result = await rotateAndWait(stack, secret.arn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'TargetUnreachableError' });
    expect(result.errorMessage).toContain(`127.0.0.1:${closedPort}`);
    expect(await valueAt(stack.client, secret.arn, 'AWSCURRENT')).toBe(before);
    expect(await pg.canLogin(user.name, user.password)).toBe(true);
  });

  it('a password changed outside keyturn: AuthenticationFailedError, nothing changed', async () => {
    const user = await givenUserWithSecret();
    await pg.admin(`ALTER ROLE ${escapeIdentifier(user.name)} PASSWORD 'changed-by-hand'`);
    const before = await valueAt(stack.client, user.secretArn, 'AWSCURRENT');

    const result = await rotateAndWait(stack, user.secretArn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'AuthenticationFailedError' });
    expect(await valueAt(stack.client, user.secretArn, 'AWSCURRENT')).toBe(before);
    expect(await pg.canLogin(user.name, 'changed-by-hand')).toBe(true);
  });

  it('ssl: true against a server without TLS fails with TlsRequiredError and never falls back to plaintext', async () => {
    const user = await givenUserWithSecret(undefined, { ssl: true });
    const before = await valueAt(stack.client, user.secretArn, 'AWSCURRENT');

    const result = await rotateAndWait(stack, user.secretArn);

    expect(result).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'TlsRequiredError' });
    await expectUnchanged(user, before);
  });

  it('a hostile user name is one quoted identifier: rotation works and nothing else is touched', async () => {
    await pg.admin('CREATE ROLE x');
    const user = await givenUserWithSecret('a"b; DROP ROLE x; --');

    const result = await rotateAndWait(stack, user.secretArn);

    expect(result).toMatchObject({ succeeded: true });
    const current = await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT');
    expect(await pg.canLogin(user.name, current.password)).toBe(true);
    expect(await pg.admin("SELECT 1 FROM pg_roles WHERE rolname = 'x'")).toHaveLength(1);
  });
});

describe('PostgreSQL single user: verify, usage and revoke for the lifecycle', () => {
  it('counts sessions still open with the old password, and revoke can end them', async () => {
    const strategy = createStrategyRegistry()['postgres-single-user'];
    const user = await givenUserWithSecret();
    const lingering = await pg.openSession(user.name, user.password);

    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    const ctx = strategyContext(stack, user.secretArn);
    const current = await ctx.store.requireVersion(user.secretArn, { stage: 'AWSCURRENT' });
    const previous = await ctx.store.requireVersion(user.secretArn, { stage: 'AWSPREVIOUS' });

    expect(await strategy.verify(current, ctx)).toEqual({ ok: true });
    expect(await strategy.verify(previous, ctx)).toMatchObject({ ok: false });
    expect(await strategy.usage(previous, current, ctx)).toMatchObject({ inUse: true, activeSessions: 1 });

    const revoked = await strategy.revoke(previous, current, ctx, { terminateSessions: true });

    expect(revoked).toMatchObject({ status: 'revoked', terminatedSessions: 1 });
    expect(await strategy.usage(previous, current, ctx)).toMatchObject({ inUse: false, activeSessions: 0 });
    expect(await pg.canLogin(user.name, (JSON.parse(current.value) as { password: string }).password)).toBe(true);
    await lingering.end().catch(() => undefined);
  });
});
