import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import { escapeIdentifier } from 'pg';
import { AuditEventType, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import type { LocalPostgres } from '../../local/databases/postgres';
import type { LocalStack } from '../../local/stack';
import type { LambdaHandler } from '../../local/stepfunctions/runner';
import { givenDbUser } from '../integration/tasks/fixtures';
import { assertValidAsl } from '../support/asl';
import { startPostgresLifecycleStack } from '../support/postgres-lifecycle-stack';
import { runTestExecution, type TestExecution } from '../support/state-machine-run';
import {
  createSecret,
  jsonAt,
  MANUAL_FUNCTION_ARN,
  rotateAndWait,
  rotatedOnce,
  stagesOf,
  type DbSecret,
} from '../support/secrets';
import { loadStateMachine } from '../../local/stepfunctions/definitions';

let stack: LocalStack;
let pg: LocalPostgres;
let masterArn: string;
let handlers: Record<string, LambdaHandler>;
const lifecycle = loadStateMachine('lifecycle');
const emergency = loadStateMachine('emergency');

beforeAll(async () => {
  ({ stack, pg, masterArn, handlers } = await startPostgresLifecycleStack('lifecycle'));
});
afterAll(() => stack.stop());

/** Drain settings: revoke at once unless a test says otherwise. */
const REVOKE_AT_ONCE = { [LifecycleTag.drainMaxWaitSeconds]: '0', [LifecycleTag.whenStillInUse]: 'revoke' };

type Run = TestExecution;

const run = (definition: object, request: Record<string, unknown>, taskOverrides?: Record<string, LambdaHandler>) =>
  runTestExecution(stack, definition, request, handlers, taskOverrides);

const rotate = (secretArn: string, taskOverrides?: Record<string, LambdaHandler>) =>
  run(lifecycle, { secretArn, trigger: 'on-demand' }, taskOverrides);

/** The audit events one execution put on the audit bus, in order. */
function auditTrail(executionArn: string): { type: string; detail: Record<string, unknown> }[] {
  return stack.eventBridge
    .events()
    .filter((e) => e.busName === stack.auditBusName && e.detail.executionArn === executionArn)
    .map((e) => ({ type: e.detailType, detail: e.detail }));
}

function auditTypes(executionArn: string): string[] {
  return auditTrail(executionArn).map((e) => e.type);
}

/** The alerts published for one execution. */
function alertsFor(executionArn: string): { subject?: string; message: string; attributes: Record<string, string> }[] {
  return stack.sns
    .messages()
    .filter((m) => m.message.includes(executionArn))
    .map((m) => ({
      subject: m.subject,
      message: m.message,
      attributes: Object.fromEntries(Object.entries(m.attributes).map(([name, a]) => [name, a.stringValue ?? ''])),
    }));
}

/** An alternating-users secret that has rotated once (so rotation is enabled); returns its AWSCURRENT. */
async function givenAlternatingSecret(
  tags: Record<string, string> = REVOKE_AT_ONCE,
): Promise<{ secretArn: string; versionId: string; current: DbSecret }> {
  const user = await givenDbUser(stack, masterArn, tags);
  const rotated = await rotatedOnce(stack, user.secretArn);
  expect(await pg.canLogin(rotated.current.username, rotated.current.password)).toBe(true);
  return rotated;
}

/** Wraps the real Verify so the new user's password is changed behind keyturn's back once the rotation has finished. */
function sabotagedVerify(secretArn: string): LambdaHandler {
  return async (input) => {
    const { FunctionName, Payload } = input as { FunctionName: string; Payload: { rotation: { id: string } } };
    await stack.secretsManager.waitForRotation(secretArn, Payload.rotation.id, 30_000);
    const fresh = await jsonAt<DbSecret>(stack.client, secretArn, 'AWSCURRENT');
    await pg.admin(`ALTER ROLE ${escapeIdentifier(fresh.username)} WITH PASSWORD 'changed-behind-keyturns-back'`);
    return { Payload: await (handlers[FunctionName] as LambdaHandler)(Payload) };
  };
}

const executions: Run[] = [];

it('both definitions are valid ASL once their placeholders are filled', () => {
  for (const definition of [lifecycle, emergency]) {
    expect(() => {
      assertValidAsl(definition);
    }).not.toThrow();
    expect(JSON.stringify(definition)).not.toMatch(/\$\{/);
  }
});

describe('lifecycle', () => {
  it('rotates an alternating-users secret: the new user logs in, the old password stops working, every step audited', async () => {
    const secret = await givenAlternatingSecret();

    const result = await rotate(secret.secretArn);
    executions.push(result);

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { revoke: { status: 'revoked' } } });
    const rotationId = (result.output as { rotation: { id: string } }).rotation.id;
    const stages = await stagesOf(stack.client, secret.secretArn);
    // RotateSecret's token is the rotation id: the new version carries it, and a retried call joins it.
    expect(stages[rotationId]).toEqual(['AWSCURRENT']);
    expect(stages[secret.versionId]).toEqual(['AWSPREVIOUS']);
    const now = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
    expect(now.username).not.toBe(secret.current.username);
    expect(await pg.canLogin(now.username, now.password)).toBe(true);
    expect(await pg.canLogin(secret.current.username, secret.current.password)).toBe(false);
    expect(result.history).toEqual([
      'Begin',
      'Preflight',
      'DryRunOrRotate',
      'RotateSecret',
      'Verify',
      'ReplicaInSync',
      'NotifyConsumers',
      'NotifyConsumersRefreshNeeded',
      // No auth-failure signal on this secret: one Choice skips each watch window.
      'WatchSwitchEnabled',
      'Grace',
      'Drain',
      'OldCredentialInUse',
      'Revoke',
      'WatchRevokeEnabled',
      'Rotated',
    ]);
    expect(auditTypes(result.executionArn)).toEqual([
      AuditEventType.Started,
      AuditEventType.Verified,
      AuditEventType.SecretRotated,
      AuditEventType.UsageChecked,
      AuditEventType.Revoked,
      AuditEventType.Completed,
    ]);
    for (const { detail } of auditTrail(result.executionArn)) {
      expect(detail).toMatchObject({ rotationId, secretArn: secret.secretArn, trigger: 'on-demand', emergency: false });
    }
    expect(auditTrail(result.executionArn)[1]?.detail).toMatchObject({ timeToRotateMs: expect.any(Number) as number });
    expect(alertsFor(result.executionArn)).toEqual([]);
    // No password reaches the execution history or the audit trail.
    const everything = JSON.stringify([result.events, auditTrail(result.executionArn)]);
    expect(everything).not.toContain(now.password);
    expect(everything).not.toContain(secret.current.password);
  });

  it('rolls back when the new credential is rejected: the original user stays current, the owners are alerted', async () => {
    const secret = await givenAlternatingSecret();

    const result = await rotate(secret.secretArn, { Verify: sabotagedVerify(secret.secretArn) });
    executions.push(result);

    expect(result).toMatchObject({ status: 'FAILED', error: 'NewCredentialRejectedError' });
    expect(result.history).toEqual([
      'Begin',
      'Preflight',
      'DryRunOrRotate',
      'RotateSecret',
      'Verify',
      'Rollback',
      'VerifyFailed',
      'ReportFailure',
      'Failed',
    ]);
    expect((await stagesOf(stack.client, secret.secretArn))[secret.versionId]).toEqual(['AWSCURRENT']);
    const now = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
    expect(now).toMatchObject(secret.current);
    expect(await pg.canLogin(now.username, now.password)).toBe(true);
    expect(auditTypes(result.executionArn)).toEqual([
      AuditEventType.Started,
      AuditEventType.RolledBack,
      AuditEventType.Failed,
    ]);
    expect(auditTrail(result.executionArn)[2]?.detail).toMatchObject({
      step: 'Verify',
      error: 'NewCredentialRejectedError',
      rolledBack: true,
    });
    const [alert, ...more] = alertsFor(result.executionArn);
    expect(more).toEqual([]);
    expect(alert?.subject).toContain('rotation failed at Verify');
    expect(alert?.attributes).toMatchObject({ severity: 'critical', step: 'Verify' });
    const rotationId = (auditTrail(result.executionArn)[0]?.detail as { rotationId: string }).rotationId;
    expect(alert?.message).toContain(rotationId);
    expect(alert?.message).toContain('rolled back');
  });

  it("fails fast with the rotation function's own error when its step failed, without a rollback", async () => {
    // A master of its own, whose password then changes behind keyturn's back: setSecret cannot log in as it.
    const masterName = `lifecycle_master_${randomUUID().slice(0, 8)}`;
    await pg.admin(`CREATE ROLE ${escapeIdentifier(masterName)} WITH LOGIN SUPERUSER PASSWORD 'Master-one-1'`);
    const ownMaster = await createSecret(
      stack.client,
      `db/lifecycle/${masterName}`,
      pg.secretValue(masterName, 'Master-one-1'),
    );
    const secret = await givenDbUser(stack, ownMaster.arn, REVOKE_AT_ONCE);
    expect(await rotateAndWait(stack, secret.secretArn)).toMatchObject({ succeeded: true });
    await pg.admin(`ALTER ROLE ${escapeIdentifier(masterName)} WITH PASSWORD 'changed-by-someone'`);

    const result = await rotate(secret.secretArn);
    executions.push(result);

    expect(result).toMatchObject({ status: 'FAILED', error: 'RotationFunctionFailedError' });
    expect(result.cause).toContain('failed at setSecret');
    expect(result.cause).toContain('MasterSecretError');
    expect(result.history).toEqual([
      'Begin',
      'Preflight',
      'DryRunOrRotate',
      'RotateSecret',
      'Verify',
      'VerifyInconclusive',
      'ReportFailure',
      'Failed',
    ]);
    const [alert] = alertsFor(result.executionArn);
    expect(alert?.message).toContain('MasterSecretError');
    expect(alert?.message).not.toContain('changed-by-someone');
  });

  it('does not roll back a good rotation when the target is unreachable during Verify: it retries, then alerts', async () => {
    const secret = await givenAlternatingSecret();
    let verifyCalls = 0;
    const unreachable: LambdaHandler = () => {
      verifyCalls++;
      const error = new Error('PostgreSQL at db:5432 is unreachable: connect ETIMEDOUT');
      error.name = 'TargetUnreachableError';
      return Promise.reject(error);
    };

    const result = await rotate(secret.secretArn, { Verify: unreachable });
    executions.push(result);

    expect(result).toMatchObject({ status: 'FAILED', error: 'TargetUnreachableError' });
    expect(verifyCalls).toBe(5); // the first call and four retries
    expect(result.history).not.toContain('Rollback');
    // The rotation itself went through: AWSCURRENT stays on the new, working credential.
    const rotationId = (auditTrail(result.executionArn)[0]?.detail as { rotationId: string }).rotationId;
    await stack.secretsManager.waitForRotation(secret.secretArn, rotationId, 30_000);
    const now = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
    expect(now.username).not.toBe(secret.current.username);
    expect(await pg.canLogin(now.username, now.password)).toBe(true);
  });

  it('leaves the old credential working and alerts when it is still in use and the policy says "alert"', async () => {
    const secret = await givenAlternatingSecret({
      [LifecycleTag.drainMaxWaitSeconds]: '120',
      [LifecycleTag.whenStillInUse]: 'alert',
    });
    const session = await pg.openSession(secret.current.username, secret.current.password);
    try {
      const result = await rotate(secret.secretArn);
      executions.push(result);

      expect(result).toMatchObject({ status: 'SUCCEEDED', output: { drain: { inUse: true } } });
      expect(result.history.filter((state) => state === 'DrainWait')).toHaveLength(2);
      expect(result.history).not.toContain('Revoke');
      expect(result.history.at(-1)).toBe('RotatedOldCredentialLeftInUse');
      const now = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
      expect(await pg.canLogin(now.username, now.password)).toBe(true);
      expect(await pg.canLogin(secret.current.username, secret.current.password)).toBe(true);
      expect(auditTypes(result.executionArn)).toEqual([
        AuditEventType.Started,
        AuditEventType.Verified,
        AuditEventType.SecretRotated,
        AuditEventType.UsageChecked,
        AuditEventType.UsageChecked,
        AuditEventType.UsageChecked,
        AuditEventType.LeftInUse,
        AuditEventType.Completed,
      ]);
      expect(auditTrail(result.executionArn).map((e) => e.detail.waitedSeconds)).toEqual([
        undefined,
        undefined,
        undefined,
        0,
        60,
        120,
        undefined,
        undefined,
      ]);
      const [alert] = alertsFor(result.executionArn);
      expect(alert?.subject).toContain('old credential still in use');
      expect(alert?.attributes).toMatchObject({ severity: 'warning' });
    } finally {
      await session.end();
    }
  });

  it('revokes after the wait, ending open sessions, when the old credential is still in use and the policy says "revoke"', async () => {
    const secret = await givenAlternatingSecret({
      [LifecycleTag.drainMaxWaitSeconds]: '60',
      [LifecycleTag.whenStillInUse]: 'revoke',
      [LifecycleTag.terminateSessions]: 'true',
    });
    const session = await pg.openSession(secret.current.username, secret.current.password);
    session.on('error', () => undefined); // terminated by the revoke
    try {
      const result = await rotate(secret.secretArn);
      executions.push(result);

      expect(result).toMatchObject({
        status: 'SUCCEEDED',
        output: { revoke: { status: 'revoked', terminatedSessions: 1 } },
      });
      expect(result.history.filter((state) => state === 'DrainWait')).toHaveLength(1);
      expect(await pg.canLogin(secret.current.username, secret.current.password)).toBe(false);
      expect(auditTypes(result.executionArn).slice(-2)).toEqual([AuditEventType.Revoked, AuditEventType.Completed]);
      expect(alertsFor(result.executionArn)).toEqual([]);
    } finally {
      await session.end().catch(() => undefined);
    }
  });

  it('fails without rolling back when the revoke fails: the new credential stays current, an operator is alerted', async () => {
    const secret = await givenAlternatingSecret();
    const breakMasterThenRevoke: LambdaHandler = async (input) => {
      const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
      // Someone stores a wrong master password: revoking the old user needs the master, so the revoke fails.
      const good = await stack.client.send(new GetSecretValueCommand({ SecretId: masterArn }));
      const wrong = { ...(JSON.parse(good.SecretString ?? '{}') as object), password: 'not-the-master-password' };
      const broken = await stack.client.send(
        new PutSecretValueCommand({ SecretId: masterArn, SecretString: JSON.stringify(wrong) }),
      );
      try {
        return { Payload: await (handlers[FunctionName] as LambdaHandler)(Payload) };
      } finally {
        await stack.client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: masterArn,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: good.VersionId,
            RemoveFromVersionId: broken.VersionId,
          }),
        );
      }
    };

    const result = await rotate(secret.secretArn, { Revoke: breakMasterThenRevoke });
    executions.push(result);

    expect(result.status).toBe('FAILED');
    expect(result.history.slice(-4)).toEqual(['Revoke', 'RevokeFailed', 'ReportFailure', 'Failed']);
    expect(result.history).not.toContain('Rollback');
    const now = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
    expect(now.username).not.toBe(secret.current.username);
    expect(await pg.canLogin(now.username, now.password)).toBe(true);
    expect(auditTypes(result.executionArn).at(-1)).toBe(AuditEventType.Failed);
    expect(auditTrail(result.executionArn).at(-1)?.detail).toMatchObject({ step: 'Revoke', rolledBack: false });
    expect(alertsFor(result.executionArn)[0]?.attributes).toMatchObject({ step: 'Revoke', severity: 'critical' });
  });

  it('refuses to start over a stuck AWSPENDING, changes no label and alerts', async () => {
    const user = await givenDbUser(stack, masterArn, REVOKE_AT_ONCE);
    const stuck = await rotateAndWait(stack, user.secretArn, MANUAL_FUNCTION_ARN);
    const before = await stagesOf(stack.client, user.secretArn);
    expect(before[stuck.token]).toEqual(['AWSPENDING']);

    const result = await rotate(user.secretArn);
    executions.push(result);

    expect(result).toMatchObject({ status: 'FAILED', error: 'RotationInProgressError' });
    expect(result.cause).toContain(stuck.token);
    expect(result.history).toEqual([
      'Begin',
      'Preflight',
      'PreflightFailed',
      'ReportUnlessDryRun',
      'ReportFailure',
      'Failed',
    ]);
    expect(await stagesOf(stack.client, user.secretArn)).toEqual(before);
    expect(await pg.canLogin(user.name, user.password)).toBe(true);
    expect(auditTypes(result.executionArn)).toEqual([AuditEventType.Failed]);
    expect(alertsFor(result.executionArn)[0]?.message).toContain(stuck.token);
  });

  it('skips, changing nothing and alerting nobody, when the minimum interval has not passed', async () => {
    const secret = await givenAlternatingSecret({ ...REVOKE_AT_ONCE, [LifecycleTag.minIntervalSeconds]: '3600' });
    const before = await stagesOf(stack.client, secret.secretArn);

    const result = await rotate(secret.secretArn);
    executions.push(result);

    expect(result).toMatchObject({ status: 'SUCCEEDED' });
    expect(result.history).toEqual(['Begin', 'Preflight', 'ReportSkipUnlessDryRun', 'ReportSkipped', 'Skipped']);
    expect(await stagesOf(stack.client, secret.secretArn)).toEqual(before);
    expect(auditTrail(result.executionArn)).toEqual([
      { type: AuditEventType.Skipped, detail: expect.objectContaining({ rule: 'MinimumIntervalError' }) as object },
    ]);
    expect(alertsFor(result.executionArn)).toEqual([]);
  });

  it('skips a scheduled run that starts after its rotation window closed', async () => {
    const secret = await givenAlternatingSecret();
    const yesterday = new Date(Date.now() - 26 * 3_600_000).toISOString();

    const result = await run(lifecycle, { secretArn: secret.secretArn, trigger: 'schedule', scheduledTime: yesterday });
    executions.push(result);

    expect(result.history.at(-1)).toBe('Skipped');
    expect(auditTrail(result.executionArn)[0]?.detail).toMatchObject({ rule: 'RotationWindowClosedError' });
  });

  it('refuses a secret keyturn does not manage, before touching it, and says why', async () => {
    const unmanaged = await createSecret(stack.client, `db/lifecycle/unmanaged-${randomUUID()}`, '{}');

    const result = await rotate(unmanaged.arn);
    executions.push(result);

    expect(result).toMatchObject({ status: 'FAILED', error: 'NotRotatableError' });
    expect(result.cause).toContain(ManagementTag.managed);
    expect(result.history).toEqual(['Begin', 'BeginFailed', 'ReportUnlessDryRun', 'ReportFailure', 'Failed']);
    expect(auditTrail(result.executionArn)).toEqual([
      { type: AuditEventType.Failed, detail: expect.objectContaining({ step: 'Begin' }) as object },
    ]);
    expect(alertsFor(result.executionArn)).toHaveLength(1);
  });

  it('rejects a malformed request by field name', async () => {
    const result = await run(lifecycle, { secretArn: 'x', trigger: 'whenever' });
    executions.push(result);

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidRequestError' });
    expect(result.cause).toContain('trigger');
  });
});

describe('emergency', () => {
  it('skips grace and drain: the suspected-leaked credential is revoked as soon as the new one verifies', async () => {
    const secret = await givenAlternatingSecret({
      [LifecycleTag.graceSeconds]: '86400',
      [LifecycleTag.drainMaxWaitSeconds]: '86400',
      [LifecycleTag.whenStillInUse]: 'alert',
      [LifecycleTag.minIntervalSeconds]: '86400',
    });
    const attacker = await pg.openSession(secret.current.username, secret.current.password);
    attacker.on('error', () => undefined); // terminated by the revoke
    try {
      const result = await run(emergency, { secretArn: secret.secretArn, trigger: 'emergency', reason: 'INC-1234' });
      executions.push(result);

      expect(result).toMatchObject({
        status: 'SUCCEEDED',
        output: { revoke: { status: 'revoked', terminatedSessions: 1 } },
      });
      expect(result.history).toEqual([
        'Begin',
        'Preflight',
        'DryRunOrRotate',
        'RotateSecret',
        'Verify',
        'ReplicaInSync',
        'Revoke',
        'NotifyConsumers',
        'NotifyConsumersRefreshNeeded',
        'Rotated',
      ]);
      expect(await pg.canLogin(secret.current.username, secret.current.password)).toBe(false);
      const now = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
      expect(await pg.canLogin(now.username, now.password)).toBe(true);
      expect(auditTypes(result.executionArn)).toEqual([
        AuditEventType.Started,
        AuditEventType.Verified,
        AuditEventType.Revoked,
        AuditEventType.Completed,
        // Told after the revoke, so nothing delays it (docs/consumers.md).
        AuditEventType.SecretRotated,
      ]);
      for (const { detail } of auditTrail(result.executionArn)) {
        expect(detail).toMatchObject({ emergency: true, trigger: 'emergency' });
      }
      expect(auditTrail(result.executionArn)[0]?.detail).toMatchObject({ reason: 'INC-1234' });
    } finally {
      await attacker.end().catch(() => undefined);
    }
  });

  it('never rolls back to the suspected-leaked value when verification fails, and alerts as an emergency', async () => {
    const secret = await givenAlternatingSecret();

    const result = await run(
      emergency,
      { secretArn: secret.secretArn, trigger: 'emergency', reason: 'INC-1235' },
      { Verify: sabotagedVerify(secret.secretArn) },
    );
    executions.push(result);

    expect(result).toMatchObject({ status: 'FAILED', error: 'NewCredentialRejectedError' });
    expect(result.history).not.toContain('Rollback');
    // AWSCURRENT stays off the leaked version.
    expect((await stagesOf(stack.client, secret.secretArn))[secret.versionId]).not.toContain('AWSCURRENT');
    const [alert] = alertsFor(result.executionArn);
    expect(alert?.subject).toContain('EMERGENCY');
    expect(auditTrail(result.executionArn).at(-1)?.detail).toMatchObject({ emergency: true, step: 'Verify' });
  });

  it('takes every label off a leaked API key that only Secrets Manager held, and says so in the audit trail', async () => {
    const secret = await createSecret(
      stack.client,
      `api/emergency/${randomUUID()}`,
      'sk_live_leaked_value_0123456789',
      {
        [ManagementTag.managed]: 'true',
        'keyturn:strategy': 'random',
      },
    );
    expect(await rotateAndWait(stack, secret.arn)).toMatchObject({ succeeded: true });
    const leaked = Object.entries(await stagesOf(stack.client, secret.arn)).find(([, s]) => s.includes('AWSCURRENT'));
    const leakedVersionId = leaked?.[0] as string;

    const result = await run(emergency, {
      secretArn: secret.arn,
      trigger: 'emergency',
      reason: 'INC-1236: key in a repo',
    });
    executions.push(result);

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { revoke: { status: 'not-applicable' } } });
    // No label is left on the leaked version: a consumer reading AWSPREVIOUS gets nothing, not the leaked value.
    expect((await stagesOf(stack.client, secret.arn))[leakedVersionId]).toBeUndefined();
    await expect(
      stack.client.send(new GetSecretValueCommand({ SecretId: secret.arn, VersionStage: 'AWSPREVIOUS' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const revoked = auditTrail(result.executionArn).find((e) => e.type === AuditEventType.Revoked);
    expect(revoked?.detail).toMatchObject({
      status: 'not-applicable',
      labelsRemoved: ['AWSPREVIOUS'],
      leakedVersionLabelled: false,
      previousVersionId: leakedVersionId,
    });
    expect(JSON.stringify(auditTrail(result.executionArn))).not.toContain('sk_live_leaked_value');
  });

  it('needs a reason', async () => {
    const secret = await givenAlternatingSecret();

    const result = await run(emergency, { secretArn: secret.secretArn, trigger: 'emergency' });
    executions.push(result);

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidRequestError' });
    expect(result.cause).toContain('reason');
  });
});

describe('audit completeness', () => {
  /** What every run must leave in the audit trail, by how it ended. */
  const TERMINAL = [AuditEventType.Completed, AuditEventType.Failed, AuditEventType.Skipped];

  it('every execution above left exactly one terminal audit event, all under one rotation id', () => {
    expect(executions.length).toBeGreaterThanOrEqual(12);
    for (const execution of executions) {
      const trail = auditTrail(execution.executionArn);
      const terminal = trail.filter((e) => TERMINAL.includes(e.type as (typeof TERMINAL)[number]));
      expect({ execution: execution.history.at(-1), terminal: terminal.length }).toEqual({
        execution: execution.history.at(-1),
        terminal: 1,
      });
      // Last, but for the consumer events an emergency puts after its revoke, so that nothing delays the revoke.
      const consumerEvents: string[] = [
        AuditEventType.SecretRotated,
        AuditEventType.ConsumerRefreshed,
        AuditEventType.ConsumerRefreshFailed,
      ];
      const last = terminal[0] as (typeof trail)[number];
      const afterTerminal = trail.slice(trail.indexOf(last) + 1).map((e) => e.type);
      const emergency = last.detail.emergency === true;
      expect(afterTerminal.every((type) => emergency && consumerEvents.includes(type))).toBe(true);
      expect(new Set(trail.map((e) => e.detail.rotationId)).size).toBe(1);
      // A run that rotated started its trail with RotationStarted.
      if (execution.history.includes('RotateSecret')) expect(trail[0]?.type).toBe(AuditEventType.Started);
      // Success and failure in the trail match the execution's own status.
      const failed = terminal[0]?.type === AuditEventType.Failed;
      expect(failed).toBe(execution.status === 'FAILED');
    }
  });
});
