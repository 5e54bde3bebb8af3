import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { Logger } from '@aws-lambda-powertools/logger';
import type { SecretVersion } from '../../../functions/shared/secret-store';
import { createMysqlSingleUserStrategy } from '../../../functions/strategies/mysql/single-user';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { Mysql8Double } from '../../support/mysql8/server';
import { registerStrategyRotationFunction, type StrategyRotationFunction } from '../../support/mariadb';
import { createSecret, jsonAt, MANUAL_FUNCTION_ARN, rotateAndWait, type DbSecret } from '../../support/secrets';
import { strategyContext } from '../../support/strategy-context';

/**
 * mysql-single-user against the MySQL 8 double, through the real rotation function: REPLACE as a
 * compare-and-swap (never a blind RETAIN), AWSCURRENT authenticating after every statement, revoke
 * that proves what it discards, no failed login where one can be avoided, and two invocations of
 * the same step at once.
 */

let stack: LocalStack;
let double: Mysql8Double;
let fn: StrategyRotationFunction;
let counter = 0;
const warnings: string[] = [];
const strategy = createMysqlSingleUserStrategy();

/** Per user: failed logins and the answers the server gave. */
const logins = new Map<string, { failed: number; locked: number }>();
/** Statements the server ran for the user under test, passwords blanked. */
const statements: string[] = [];
let watched: { user: string; password: () => string } | undefined;
const violations: string[] = [];

beforeAll(async () => {
  [stack, double] = await Promise.all([startLocalStack(), Mysql8Double.start()]);
  fn = registerStrategyRotationFunction(stack, 'mysql8-single-user', strategy);
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  double.hooks.afterLogin = ({ user, outcome }) => {
    const entry = logins.get(user) ?? { failed: 0, locked: 0 };
    if (outcome === 1045) entry.failed++;
    if (outcome === 3955) entry.locked++;
    logins.set(user, entry);
  };
  double.hooks.afterStatement = ({ sql, session, error }) => {
    if (session.clientUser.startsWith('su_'))
      statements.push(`${sql.replace(/'[^']*'/g, "'…'")}${error ? ` → ${error.errno}` : ''}`);
    if (watched && !double.accepts(watched.user, watched.password()))
      violations.push(`AWSCURRENT rejected after: ${sql.replace(/'[^']*'/g, "'…'")}`);
  };
});
afterAll(async () => {
  await Promise.all([stack.stop(), double.stop()]);
});
beforeEach(() => {
  statements.length = 0;
  violations.length = 0;
  warnings.length = 0;
  watched = undefined;
});

interface User {
  readonly name: string;
  readonly arn: string;
  readonly initial: string;
}

async function givenUser(
  options: { extra?: string; grant?: string | null; server?: Mysql8Double } = {},
): Promise<User> {
  const server = options.server ?? double;
  const name = `su_${++counter}`;
  const initial = `initial-${counter}-pw`;
  await server.admin(`CREATE USER '${name}'@'%' IDENTIFIED BY '${initial}' ${options.extra ?? ''}`);
  if (options.grant !== null)
    await server.admin(`GRANT ${options.grant ?? 'APPLICATION_PASSWORD_ADMIN'} ON *.* TO '${name}'@'%'`);
  const secret = await createSecret(
    stack.client,
    `mysql8/single/${counter}`,
    server.secretValue(name, initial),
    fn.tags,
  );
  return { name, arn: secret.arn, initial };
}

const current = async (u: User) => (await jsonAt<DbSecret>(stack.client, u.arn, 'AWSCURRENT')).password;
const failedLogins = (u: User) => logins.get(u.name)?.failed ?? 0;

function context(u: User) {
  return {
    ...strategyContext(stack, u.arn),
    logger: Object.assign(new Logger({ logLevel: 'SILENT' }), { warn: (m: string) => warnings.push(m) }) as Logger,
  };
}

async function version(u: User, stage: string): Promise<SecretVersion> {
  return strategyContext(stack, u.arn).store.requireVersion(u.arn, { stage });
}

/** Keeps an eye on AWSCURRENT: the password read now, checked after every statement. */
async function watch(u: User): Promise<void> {
  const password = await current(u);
  watched = { user: u.name, password: () => password };
}

describe('mysql-single-user on MySQL 8 (double): dual passwords by compare-and-swap', () => {
  it('makes the pending password the primary only while AWSCURRENT is the primary, keeps AWSCURRENT as the secondary, and revoke discards it once proven', async () => {
    const u = await givenUser();
    await watch(u);
    expect(await rotateAndWait(stack, u.arn, fn.arn)).toMatchObject({ succeeded: true });
    const now = await current(u);
    expect(statements).toContain(
      'ALTER USER `' + u.name + "`@`%` IDENTIFIED BY '…' REPLACE '…' RETAIN CURRENT PASSWORD",
    );
    expect([double.passwordRole(u.name, now), double.passwordRole(u.name, u.initial)]).toEqual([
      'primary',
      'secondary',
    ]);

    watched = { user: u.name, password: () => now };
    const revoked = await strategy.revoke(await version(u, 'AWSPREVIOUS'), await version(u, 'AWSCURRENT'), context(u));
    expect(revoked).toMatchObject({
      status: 'revoked',
      detail: expect.stringContaining('proven the primary') as string,
    });
    expect([double.accepts(u.name, now), double.accepts(u.name, u.initial)]).toEqual([true, false]);
    expect(violations).toEqual([]);
    expect(failedLogins(u)).toBe(0);
  });

  it('a retried setSecret changes nothing and fails no login (the server answers "already the primary")', async () => {
    const u = await givenUser();
    const stuck = await rotateAndWait(stack, u.arn, MANUAL_FUNCTION_ARN);
    const step = (Step: string) => fn.invoke({ Step, SecretId: u.arn, ClientRequestToken: stuck.token });
    await step('createSecret');
    await watch(u);
    await step('setSecret');
    await step('setSecret');
    await step('testSecret');
    const pending = (await jsonAt<DbSecret>(stack.client, u.arn, 'AWSPENDING')).password;
    expect([double.passwordRole(u.name, pending), double.passwordRole(u.name, u.initial)]).toEqual([
      'primary',
      'secondary',
    ]);
    expect(violations).toEqual([]);
    expect(failedLogins(u)).toBe(0);
  });

  it('two invocations of setSecret at once: one changes the password, the other waits its turn and finds it done', async () => {
    const u = await givenUser();
    const stuck = await rotateAndWait(stack, u.arn, MANUAL_FUNCTION_ARN);
    await fn.invoke({ Step: 'createSecret', SecretId: u.arn, ClientRequestToken: stuck.token });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    double.hooks.beforeStatement = async ({ sql }) => {
      if (/GET_LOCK/.test(sql)) await gate.then(() => undefined);
      return undefined;
    };
    const twins = Promise.allSettled(
      [1, 2].map(() => fn.invoke({ Step: 'setSecret', SecretId: u.arn, ClientRequestToken: stuck.token })),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    const outcomes = await twins;
    delete double.hooks.beforeStatement;
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(statements.filter((s) => /RETAIN CURRENT PASSWORD$/.test(s))).toHaveLength(1);
    const pending = (await jsonAt<DbSecret>(stack.client, u.arn, 'AWSPENDING')).password;
    expect([double.passwordRole(u.name, pending), double.passwordRole(u.name, u.initial)]).toEqual([
      'primary',
      'secondary',
    ]);
  });

  it('after a rollback, with password_require_current on, finds the primary by REPLACE and keeps AWSCURRENT (the secondary) working', async () => {
    const u = await givenUser({ extra: 'PASSWORD REQUIRE CURRENT' });
    expect(await rotateAndWait(stack, u.arn, fn.arn)).toMatchObject({ succeeded: true });
    // Roll back by hand, as the lifecycle's Rollback does: AWSCURRENT is now only the secondary.
    const p1 = await version(u, 'AWSPREVIOUS');
    const p2 = await version(u, 'AWSCURRENT');
    await stack.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: u.arn,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: p1.versionId,
        RemoveFromVersionId: p2.versionId,
      }),
    );
    expect(double.passwordRole(u.name, u.initial)).toBe('secondary');
    await watch(u);
    expect(await rotateAndWait(stack, u.arn, fn.arn)).toMatchObject({ succeeded: true });
    expect(violations).toEqual([]);
    const p3 = await current(u);
    expect([double.passwordRole(u.name, p3), double.passwordRole(u.name, u.initial)]).toEqual(['primary', 'secondary']);
    expect(double.accepts(u.name, (JSON.parse(p2.value) as DbSecret).password)).toBe(false);
    expect(failedLogins(u)).toBe(0);
  });

  it('without APPLICATION_PASSWORD_ADMIN: changes the password without a grace window; revoke has nothing to discard', async () => {
    const u = await givenUser({ grant: null });
    expect(await rotateAndWait(stack, u.arn, fn.arn)).toMatchObject({ succeeded: true });
    expect(double.accepts(u.name, u.initial)).toBe(false);
    const revoked = await strategy.revoke(await version(u, 'AWSPREVIOUS'), await version(u, 'AWSCURRENT'), context(u));
    expect(revoked.status).toBe('revoked');
  });

  it('MySQL 8.0.13 (no dual passwords): a plain change; revoke checks the old password is rejected', async () => {
    const v13 = await Mysql8Double.start({ version: '8.0.13' });
    try {
      const u = await givenUser({ server: v13, grant: null });
      expect(await rotateAndWait(stack, u.arn, fn.arn)).toMatchObject({ succeeded: true });
      expect(v13.accepts(u.name, u.initial)).toBe(false);
      const revoked = await strategy.revoke(
        await version(u, 'AWSPREVIOUS'),
        await version(u, 'AWSCURRENT'),
        context(u),
      );
      expect(revoked.detail).toMatch(/replaced at setSecret/);
    } finally {
      await v13.stop();
    }
  });
});

describe('mysql-single-user on MySQL 8 (double): revoke under the password history', () => {
  it('the history forbids the REPLACE proof: no password newer than AWSCURRENT works, so the secondary is discarded', async () => {
    const u = await givenUser({ extra: 'PASSWORD HISTORY 3' });
    expect(await rotateAndWait(stack, u.arn, fn.arn)).toMatchObject({ succeeded: true });
    const revoked = await strategy.revoke(await version(u, 'AWSPREVIOUS'), await version(u, 'AWSCURRENT'), context(u));
    expect(revoked.detail).toMatch(/password history forbids the REPLACE check/);
    expect(double.accepts(u.name, u.initial)).toBe(false);
  });

  it('AWSCURRENT only the secondary and the history forbids making it primary: refused, nothing changed', async () => {
    const u = await givenUser({ extra: 'PASSWORD HISTORY 3' });
    expect(await rotateAndWait(stack, u.arn, fn.arn)).toMatchObject({ succeeded: true });
    const p1 = await version(u, 'AWSPREVIOUS');
    const p2 = await version(u, 'AWSCURRENT');
    // A later rotation set P3 and was cleared by hand: P3 is the primary, AWSCURRENT (P2) the secondary.
    const stuck = await rotateAndWait(stack, u.arn, MANUAL_FUNCTION_ARN);
    for (const Step of ['createSecret', 'setSecret'])
      await fn.invoke({ Step, SecretId: u.arn, ClientRequestToken: stuck.token });
    const p3 = (await jsonAt<DbSecret>(stack.client, u.arn, 'AWSPENDING')).password;
    await stack.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: u.arn,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: stuck.token,
      }),
    );

    await expect(strategy.revoke(p1, p2, context(u))).rejects.toMatchObject({ name: 'RevokeRefusedError' });
    const p2Password = (JSON.parse(p2.value) as DbSecret).password;
    expect([double.passwordRole(u.name, p3), double.passwordRole(u.name, p2Password)]).toEqual([
      'primary',
      'secondary',
    ]);
  });
});

describe('mysql-single-user on MySQL 8 (double): failed-login tracking', () => {
  for (const attempts of [1, 2]) {
    it(`FAILED_LOGIN_ATTEMPTS ${attempts}: a rotation, a retried step, a recovery after a rollback and revoke fail no login`, async () => {
      const u = await givenUser({ extra: `FAILED_LOGIN_ATTEMPTS ${attempts} PASSWORD_LOCK_TIME 1` });
      expect(await rotateAndWait(stack, u.arn, fn.arn)).toMatchObject({ succeeded: true });
      // A retried step.
      const stuck = await rotateAndWait(stack, u.arn, MANUAL_FUNCTION_ARN);
      for (const Step of ['createSecret', 'setSecret', 'setSecret', 'testSecret', 'finishSecret']) {
        await fn.invoke({ Step, SecretId: u.arn, ClientRequestToken: stuck.token });
      }
      // A rollback, then a recovery rotation from the secondary.
      const previous = await version(u, 'AWSPREVIOUS');
      const latest = await version(u, 'AWSCURRENT');
      await stack.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: u.arn,
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: previous.versionId,
          RemoveFromVersionId: latest.versionId,
        }),
      );
      expect(await rotateAndWait(stack, u.arn, fn.arn)).toMatchObject({ succeeded: true });
      await strategy.revoke(await version(u, 'AWSPREVIOUS'), await version(u, 'AWSCURRENT'), context(u));
      expect(logins.get(u.name)).toEqual({ failed: 0, locked: 0 });
      expect(await double.canLogin(u.name, await current(u))).toBe(true);
    });
  }

  it('stops at the first "account locked" answer with AccountLockedError', async () => {
    const u = await givenUser({ extra: 'FAILED_LOGIN_ATTEMPTS 1 PASSWORD_LOCK_TIME 1' });
    // FAILED_LOGIN_ATTEMPTS 1: the first wrong password locks it.
    await expect(double.canLogin(u.name, 'wrong')).rejects.toMatchObject({ errno: 3955 });
    const result = await rotateAndWait(stack, u.arn, fn.arn);
    expect(result).toMatchObject({ succeeded: false, errorName: 'AccountLockedError' });
    expect(result.errorMessage).not.toContain(u.initial);
    expect(logins.get(u.name)?.locked).toBe(2); // its own lock, then keyturn's single attempt
  });
});
