import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeIdentifier } from 'pg';
import type { LocalPostgres } from '../../local/databases/postgres';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { runStateMachine, type LambdaHandler, type StateMachineRunResult } from '../../local/stepfunctions/runner';
import { assertValidAsl } from '../support/asl';
import { createSecret, jsonAt, MANUAL_FUNCTION_ARN, rotateAndWait, stagesOf, type DbSecret } from '../support/secrets';
import { givenDbUser } from '../integration/tasks/fixtures';

/** The CDK construct fills these with function ARNs; here they name the in-process handlers. */
const PLACEHOLDERS: Record<string, string> = {
  PreflightFunction: 'preflightHandler',
  VerifyFunction: 'verifyHandler',
  DrainFunction: 'drainHandler',
  RevokeFunction: 'revokeHandler',
  RollbackFunction: 'rollbackHandler',
};

function loadLifecycle(): object {
  const source = readFileSync(join(__dirname, '../../statemachines/lifecycle.asl.json'), 'utf8');
  const filled = source.replace(/\$\{(\w+)\}/g, (match, name: string) => PLACEHOLDERS[name] ?? match);
  return JSON.parse(filled) as object;
}

let stack: LocalStack;
let pg: LocalPostgres;
let masterArn: string;
let definition: object;
let handlers: Record<string, LambdaHandler>;
let verifyHandler: LambdaHandler;

beforeAll(async () => {
  stack = await startLocalStack({ postgres: true });
  pg = stack.postgres as LocalPostgres;
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
  masterArn = (await createSecret(stack.client, 'db/lifecycle/master', pg.masterSecretValue())).arn;
  // The handlers build their Secrets Manager client at import: only now does the environment point at the stack.
  const tasks = await import('../../functions/tasks/handlers');
  handlers = { ...tasks };
  verifyHandler = tasks.verifyHandler;
  definition = loadLifecycle();
});
afterAll(() => stack.stop());

const revocation = { waitForIdle: false, maxWaitSeconds: 0, whenStillInUse: 'revoke', terminateSessions: false };

function run(
  secretArn: string,
  overrides: { revocation?: Partial<typeof revocation>; taskOverrides?: Record<string, LambdaHandler> } = {},
): Promise<StateMachineRunResult> {
  return runStateMachine(
    definition,
    {
      entryId: `entry-${secretArn}`,
      secretArn,
      trigger: 'schedule',
      graceSeconds: 300,
      revocation: { ...revocation, ...overrides.revocation },
    },
    { lambdaHandlers: handlers, taskOverrides: overrides.taskOverrides, wait: { ms: 5 }, retryIntervalMs: 100 },
  );
}

/** An alternating-users secret that has rotated once (so rotation is enabled); returns its AWSCURRENT. */
async function givenAlternatingSecret(): Promise<{ secretArn: string; versionId: string; current: DbSecret }> {
  const user = await givenDbUser(stack, masterArn);
  const first = await rotateAndWait(stack, user.secretArn);
  expect(first).toMatchObject({ succeeded: true });
  const current = await jsonAt<DbSecret>(stack.client, user.secretArn, 'AWSCURRENT');
  expect(await pg.canLogin(current.username, current.password)).toBe(true);
  return { secretArn: user.secretArn, versionId: first.token, current };
}

it('is valid ASL once its placeholders are filled', () => {
  expect(() => {
    assertValidAsl(definition);
  }).not.toThrow();
  expect(JSON.stringify(definition)).not.toMatch(/\$\{/);
});

it('rotates an alternating-users secret: the new user logs in, the old password stops working', async () => {
  const secret = await givenAlternatingSecret();

  const result = await run(secret.secretArn);

  expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'revoked', revoke: { status: 'revoked' } } });
  const stages = await stagesOf(stack.client, secret.secretArn);
  const newVersionId = (result.output as { rotation: { versionId: string } }).rotation.versionId;
  expect(stages[newVersionId]).toEqual(['AWSCURRENT']);
  expect(stages[secret.versionId]).toEqual(['AWSPREVIOUS']);
  // RotateSecret sent the execution's own token: a retry would have joined this rotation, not started another.
  expect(newVersionId).toBe((result.output as { rotationToken: { value: string } }).rotationToken.value);
  const now = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
  expect(now.username).not.toBe(secret.current.username);
  expect(await pg.canLogin(now.username, now.password)).toBe(true);
  expect(await pg.canLogin(secret.current.username, secret.current.password)).toBe(false);
  expect(result.history).toEqual([
    'Preflight',
    'NewRotationToken',
    'RotateSecret',
    'Verify',
    'Grace',
    'StartDrainClock',
    'Drain',
    'OldCredentialInUse',
    'Revoke',
    'MarkRevoked',
    'Rotated',
  ]);
  // Task outputs stay value-free: no password reaches the execution history.
  expect(JSON.stringify(result.events)).not.toContain(now.password);
  expect(JSON.stringify(result.events)).not.toContain(secret.current.password);
});

it('rolls back when the new credential is rejected: the original user stays current and logs in', async () => {
  const secret = await givenAlternatingSecret();
  let sabotaged: string | undefined;
  const sabotageThenVerify: LambdaHandler = async (input) => {
    const { Payload } = input as { Payload: unknown };
    // Once the rotation has finished and verifies, someone changes the new user's password behind keyturn's back.
    await verifyHandler(Payload);
    const fresh = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
    sabotaged = fresh.username;
    await pg.admin(`ALTER ROLE ${escapeIdentifier(fresh.username)} WITH PASSWORD 'changed-behind-keyturns-back'`);
    return { Payload: await verifyHandler(Payload) };
  };

  const result = await run(secret.secretArn, { taskOverrides: { Verify: sabotageThenVerify } });

  expect(result).toMatchObject({ status: 'FAILED', error: 'NewCredentialRejectedError' });
  expect(sabotaged).toBeDefined();
  expect(result.history).toEqual([
    'Preflight',
    'NewRotationToken',
    'RotateSecret',
    'Verify',
    'Rollback',
    'VerificationFailed',
  ]);
  expect((await stagesOf(stack.client, secret.secretArn))[secret.versionId]).toEqual(['AWSCURRENT']);
  const now = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
  expect(now).toMatchObject(secret.current);
  expect(await pg.canLogin(now.username, now.password)).toBe(true);
});

it('leaves the old credential working when it is still in use and whenStillInUse is "alert"', async () => {
  const secret = await givenAlternatingSecret();
  const session = await pg.openSession(secret.current.username, secret.current.password);
  try {
    const result = await run(secret.secretArn, {
      revocation: { waitForIdle: true, maxWaitSeconds: 120, whenStillInUse: 'alert' },
    });

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'left-in-use', drain: { inUse: true } } });
    expect(result.history.filter((state) => state === 'DrainWait')).toHaveLength(2);
    expect(result.history).not.toContain('Revoke');
    expect(result.history.at(-1)).toBe('RotatedOldCredentialLeftInUse');
    const now = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
    expect(now.username).not.toBe(secret.current.username);
    expect(await pg.canLogin(now.username, now.password)).toBe(true);
    expect(await pg.canLogin(secret.current.username, secret.current.password)).toBe(true);
  } finally {
    await session.end();
  }
});

it('revokes after the wait when the old credential is still in use and whenStillInUse is "revoke"', async () => {
  const secret = await givenAlternatingSecret();
  const session = await pg.openSession(secret.current.username, secret.current.password);
  session.on('error', () => undefined); // terminated by the revoke
  try {
    const result = await run(secret.secretArn, {
      revocation: { waitForIdle: true, maxWaitSeconds: 60, whenStillInUse: 'revoke', terminateSessions: true },
    });

    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      output: { outcome: 'revoked', revoke: { status: 'revoked', terminatedSessions: 1 } },
    });
    expect(result.history.filter((state) => state === 'DrainWait')).toHaveLength(1);
    expect(await pg.canLogin(secret.current.username, secret.current.password)).toBe(false);
  } finally {
    await session.end().catch(() => undefined);
  }
});

it('refuses to start over a stuck AWSPENDING and changes no label', async () => {
  const user = await givenDbUser(stack, masterArn);
  const stuck = await rotateAndWait(stack, user.secretArn, MANUAL_FUNCTION_ARN);
  const before = await stagesOf(stack.client, user.secretArn);
  expect(before[stuck.token]).toEqual(['AWSPENDING']);

  const result = await run(user.secretArn);

  expect(result).toMatchObject({ status: 'FAILED', error: 'RotationInProgressError' });
  expect(result.cause).toContain(stuck.token);
  expect(result.history).toEqual(['Preflight', 'PreflightFailed']);
  expect(await stagesOf(stack.client, user.secretArn)).toEqual(before);
  expect(await pg.canLogin(user.name, user.password)).toBe(true);
});
