import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { TagResourceCommand, UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { encodeProbe, PROBE_TAG } from '../../../functions/strategies/probe/probe';
import { escapeIdentifier } from 'pg';
import { preflight } from '../../../functions/tasks/preflight';
import { verifyRotation } from '../../../functions/tasks/verify';
import type { LocalPostgres } from '../../../local/databases/postgres';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { jsonAt, rotateAndWait, stagesOf, valueAt, MANUAL_FUNCTION_ARN } from '../../support/secrets';
import { givenDbUser, recordingAuditTrail, taskDeps, testRun, virtualClock, type DbUser } from './fixtures';
import { AuditEventType, DEFAULT_LIFECYCLE_SETTINGS } from '../../../functions/shared/lifecycle-contract';

let stack: LocalStack;
let pg: LocalPostgres;

beforeAll(async () => {
  stack = await startLocalStack({ postgres: true });
  pg = stack.postgres as LocalPostgres;
  stack.secretsManager.registerRotationFunction(MANUAL_FUNCTION_ARN, () => Promise.resolve());
});
afterAll(() => stack.stop());

/** A single-user secret that has rotated once, so rotation is enabled; returns its current password. */
async function givenRotatedUser(): Promise<DbUser & { currentPassword: string; currentVersionId: string }> {
  const user = await givenDbUser(stack);
  const result = await rotateAndWait(stack, user.secretArn);
  expect(result).toMatchObject({ succeeded: true });
  const current = await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT');
  return { ...user, currentPassword: current.password, currentVersionId: result.token };
}

describe('preflight', () => {
  it('passes on a healthy secret and returns a value-free summary', async () => {
    const user = await givenRotatedUser();

    const summary = await preflight({ secretArn: user.secretArn, rotation: testRun() }, taskDeps(stack));

    expect(summary).toEqual({
      secretArn: user.secretArn,
      strategy: 'postgres-single-user',
      currentVersionId: user.currentVersionId,
      currentCredentialAuthenticates: true,
      settings: DEFAULT_LIFECYCLE_SETTINGS,
    });
    expect(JSON.stringify(summary)).not.toContain(user.currentPassword);
  });

  it('in a dry run checks the same, then records nothing: no audit event, no metric', async () => {
    const user = await givenRotatedUser();
    const audit = recordingAuditTrail();
    const metrics = new Metrics({ namespace: 'keyturn-test', serviceName: 'keyturn-lifecycle' });
    const deps = taskDeps(stack, { audit, metrics });

    const summary = await preflight({ secretArn: user.secretArn, rotation: testRun({ dryRun: true }) }, deps);

    expect(summary).toMatchObject({ currentVersionId: user.currentVersionId, currentCredentialAuthenticates: true });
    expect(audit.recorded).toEqual([]);
    expect(metrics.hasStoredMetrics()).toBe(false);
    // The same pre-flight for real records and counts its start.
    await preflight({ secretArn: user.secretArn, rotation: testRun() }, deps);
    expect(audit.recorded.map(({ event }) => event.type)).toEqual([AuditEventType.Started]);
    expect(metrics.hasStoredMetrics()).toBe(true);
  });

  it('refuses a secret whose rotation is not enabled', async () => {
    const user = await givenDbUser(stack);
    await expect(preflight({ secretArn: user.secretArn, rotation: testRun() }, taskDeps(stack))).rejects.toMatchObject({
      name: 'RotationNotEnabledError',
    });
  });

  it('refuses a secret Amazon RDS manages, saying RDS rotates it, before any rule', async () => {
    const owned = stack.secretsManager.createServiceOwnedSecret({
      owningService: 'rds',
      name: 'rds!db-0a1b2c3d-preflight',
      value: JSON.stringify({ username: 'postgres', password: 'rds-owned-password-1' }),
    });

    const attempt = preflight({ secretArn: owned.arn, rotation: testRun() }, taskDeps(stack));

    await expect(attempt).rejects.toMatchObject({ name: 'RdsManagedSecretError' });
    await expect(attempt).rejects.toThrow(/managed by Amazon RDS/);
    await expect(attempt).rejects.not.toThrow(/rds-owned-password-1/);
  });

  it('refuses a secret that does not exist', async () => {
    await expect(preflight({ secretArn: 'db/tasks/nope', rotation: testRun() }, taskDeps(stack))).rejects.toMatchObject(
      {
        name: 'SecretNotFoundError',
      },
    );
  });

  it('reports a stuck AWSPENDING with its version id and leaves it untouched', async () => {
    const user = await givenRotatedUser();
    const stuck = await rotateAndWait(stack, user.secretArn, MANUAL_FUNCTION_ARN);
    const before = await stagesOf(stack.client, user.secretArn);
    expect(before[stuck.token]).toEqual(['AWSPENDING']);

    const attempt = preflight({ secretArn: user.secretArn, rotation: testRun() }, taskDeps(stack));

    await expect(attempt).rejects.toMatchObject({ name: 'RotationInProgressError', stuckVersionId: stuck.token });
    await expect(attempt).rejects.toThrow(stuck.token);
    expect(await stagesOf(stack.client, user.secretArn)).toEqual(before);
    expect(await jsonAt(stack.client, user.secretArn, 'AWSCURRENT')).toMatchObject({ password: user.currentPassword });
  });

  it('reports a current password the database no longer accepts, naming the reason but not the password', async () => {
    const user = await givenRotatedUser();
    await pg.admin(`ALTER ROLE ${escapeIdentifier(user.name)} PASSWORD 'changed-behind-keyturn-1'`);

    const attempt = preflight({ secretArn: user.secretArn, rotation: testRun() }, taskDeps(stack));

    await expect(attempt).rejects.toMatchObject({ name: 'CurrentCredentialBrokenError' });
    const error = (await attempt.catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(user.currentVersionId);
    expect(error.message).not.toContain(user.currentPassword);
    expect(error.message).not.toContain('changed-behind-keyturn-1');
  });

  it('refuses to start when the entry probe already fails with the current credential, before anything changes', async () => {
    const user = await givenRotatedUser();
    await pg.admin('CREATE TABLE IF NOT EXISTS preflight_private (id int)');
    await stack.client.send(
      new TagResourceCommand({
        SecretId: user.secretArn,
        Tags: [{ Key: PROBE_TAG, Value: encodeProbe({ sql: 'SELECT id FROM preflight_private' }) }],
      }),
    );
    const before = await stagesOf(stack.client, user.secretArn);

    const attempt = preflight({ secretArn: user.secretArn, rotation: testRun() }, taskDeps(stack));

    await expect(attempt).rejects.toMatchObject({ name: 'ProbeFailedError' });
    await expect(attempt).rejects.toThrow(/probe "SELECT id FROM preflight_private" failed.*permission denied/);
    expect(await stagesOf(stack.client, user.secretArn)).toEqual(before);
  });
});

describe('verify', () => {
  it('accepts a real rotation: AWSCURRENT moved and the new password logs in', async () => {
    const user = await givenRotatedUser();
    const logged: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(chunk.toString());
      return true;
    });
    const deps = taskDeps(stack, { logger: new Logger({ logLevel: 'DEBUG' }) });
    let summary;
    let rotation;
    let verified;
    try {
      summary = await preflight({ secretArn: user.secretArn, rotation: testRun() }, deps);
      rotation = await rotateAndWait(stack, user.secretArn);
      verified = await verifyRotation(
        { secretArn: user.secretArn, rotation: testRun(), previousVersionId: summary.currentVersionId },
        deps,
      );
    } finally {
      write.mockRestore();
    }

    expect(rotation).toMatchObject({ succeeded: true });
    expect(verified).toEqual({
      currentVersionId: rotation.token,
      previousVersionId: user.currentVersionId,
      replicas: { replicated: false, inSync: true, lagging: [], waitedSeconds: 0 },
      timeToRotateMs: expect.any(Number) as number,
    });
    const newPassword = (await jsonAt<{ password: string }>(stack.client, user.secretArn, 'AWSCURRENT')).password;
    expect(await pg.canLogin(user.name, newPassword)).toBe(true);
    expect(logged.join('')).toContain('new credential verified');
    const everything = JSON.stringify([summary, verified]) + logged.join('');
    for (const password of [user.password, user.currentPassword, newPassword]) {
      expect(everything).not.toContain(password);
    }
  });

  it('waits for finishSecret to take AWSPENDING off the new version, so success leaves no AWSPENDING', async () => {
    const user = await givenRotatedUser();
    const token = await rotateAndWait(stack, user.secretArn, MANUAL_FUNCTION_ARN);
    for (const Step of ['createSecret', 'setSecret', 'testSecret']) {
      await stack.rotationHandler({ Step, SecretId: user.secretArn, ClientRequestToken: token.token });
    }
    // finishSecret's first half: AWSCURRENT moved, AWSPENDING still on the same version.
    await stack.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: user.secretArn,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token.token,
        RemoveFromVersionId: user.currentVersionId,
      }),
    );
    let polls = 0;
    const clock = virtualClock();
    const deps = taskDeps(stack, {
      ...clock,
      sleep: async (ms) => {
        // The second half lands while Verify waits.
        if (++polls === 2)
          await stack.client.send(
            new UpdateSecretVersionStageCommand({
              SecretId: user.secretArn,
              VersionStage: 'AWSPENDING',
              RemoveFromVersionId: token.token,
            }),
          );
        await clock.sleep?.(ms);
      },
    });

    const verified = await verifyRotation(
      { secretArn: user.secretArn, rotation: testRun(), previousVersionId: user.currentVersionId },
      deps,
    );

    expect(verified.currentVersionId).toBe(token.token);
    expect(polls).toBe(2);
    expect(Object.values(await stagesOf(stack.client, user.secretArn)).flat()).not.toContain('AWSPENDING');
  });

  it('reports RotationDidNotHappenError when AWSCURRENT did not move', async () => {
    const user = await givenRotatedUser();
    await expect(
      verifyRotation(
        { secretArn: user.secretArn, rotation: testRun(), previousVersionId: user.currentVersionId },
        taskDeps(stack, virtualClock()),
      ),
    ).rejects.toMatchObject({ name: 'RotationDidNotHappenError' });
  });

  it('reports a rotation still running as RotationInProgressError, so the state machine can wait', async () => {
    const user = await givenRotatedUser();
    const stuck = await rotateAndWait(stack, user.secretArn, MANUAL_FUNCTION_ARN);
    await expect(
      verifyRotation(
        { secretArn: user.secretArn, rotation: testRun(), previousVersionId: user.currentVersionId },
        taskDeps(stack, virtualClock()),
      ),
    ).rejects.toMatchObject({ name: 'RotationInProgressError', stuckVersionId: stuck.token });
  });

  it('reports NewCredentialRejectedError when the new password does not log in', async () => {
    const user = await givenRotatedUser();
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    await pg.admin(`ALTER ROLE ${escapeIdentifier(user.name)} PASSWORD 'changed-behind-keyturn-2'`);
    const newPassword = await valueAt(stack.client, user.secretArn, 'AWSCURRENT');

    const attempt = verifyRotation(
      { secretArn: user.secretArn, rotation: testRun(), previousVersionId: user.currentVersionId },
      taskDeps(stack),
    );

    await expect(attempt).rejects.toMatchObject({ name: 'NewCredentialRejectedError' });
    const error = (await attempt.catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain((JSON.parse(newPassword) as { password: string }).password);
  });
});

describe('the rotation function as task runner', () => {
  it('runs preflight for a { task } event, and rejects malformed input and unknown tasks by name', async () => {
    const user = await givenRotatedUser();

    expect(
      await stack.rotationHandler({
        task: 'preflight',
        secretArn: user.secretArn,
        rotation: testRun(),
        extra: 'ignored',
      }),
    ).toEqual({
      secretArn: user.secretArn,
      strategy: 'postgres-single-user',
      currentVersionId: user.currentVersionId,
      currentCredentialAuthenticates: true,
      settings: DEFAULT_LIFECYCLE_SETTINGS,
    });
    await expect(stack.rotationHandler({ task: 'preflight' })).rejects.toMatchObject({ name: 'InvalidTaskInputError' });
    await expect(stack.rotationHandler({ task: 'rotate-everything' })).rejects.toMatchObject({
      name: 'InvalidTaskInputError',
      message: expect.stringContaining('preflight, verify, drain, revoke, rollback') as string,
    });
    await expect(
      stack.rotationHandler({
        task: 'verify',
        secretArn: user.secretArn,
        rotation: testRun(),
        previousVersionId: 'short',
      }),
    ).rejects.toMatchObject({
      name: 'InvalidTaskInputError',
      message: expect.stringContaining('previousVersionId') as string,
    });
  });

  it('refuses every task after pre-flight for a dry run, before it changes or records anything', async () => {
    const user = await givenRotatedUser();
    const before = await stagesOf(stack.client, user.secretArn);

    for (const task of ['verify', 'drain', 'revoke', 'rollback']) {
      await expect(
        stack.rotationHandler({
          task,
          secretArn: user.secretArn,
          rotation: testRun({ dryRun: true }),
          previousVersionId: user.currentVersionId,
        }),
      ).rejects.toMatchObject({
        name: 'InvalidTaskInputError',
        message: `the ${task} task never runs in a dry run (a dry run ends after pre-flight)`,
      });
    }
    expect(await stagesOf(stack.client, user.secretArn)).toEqual(before);
    expect(await pg.canLogin(user.name, user.currentPassword)).toBe(true);
  });
});
