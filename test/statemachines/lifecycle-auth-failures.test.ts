import type { AuthFailureReader } from '../../functions/shared/auth-failure-signal';
import { AuditEventType, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { runRotationFunctionTask } from '../../functions/tasks/dispatch';
import type { LocalPostgres } from '../../local/databases/postgres';
import type { LocalStack } from '../../local/stack';
import type { LambdaHandler } from '../../local/stepfunctions/runner';
import { loadStateMachine } from '../../local/stepfunctions/definitions';
import { givenDbUser, taskDeps } from '../integration/tasks/fixtures';
import { startPostgresLifecycleStack } from '../support/postgres-lifecycle-stack';
import { runTestExecution } from '../support/state-machine-run';
import { jsonAt, rotateAndWait, rotatedOnce, stagesOf, type DbSecret } from '../support/secrets';
import { createAuditTrail } from '../../functions/shared/audit';
import { eventBridgePutEvents } from '../../functions/shared/event-bus';

let stack: LocalStack;
let pg: LocalPostgres;
let masterArn: string;
let handlers: Record<string, LambdaHandler>;
const lifecycle = loadStateMachine('lifecycle');

beforeAll(async () => {
  ({ stack, pg, masterArn, handlers } = await startPostgresLifecycleStack('auth-failures'));
});
afterAll(() => stack.stop());

/** Revoke at once, and watch failed logins: more than 2 in a 120 s window (checked every 60 s) is a breach. */
const WATCHED = {
  [LifecycleTag.drainMaxWaitSeconds]: '0',
  [LifecycleTag.whenStillInUse]: 'revoke',
  [LifecycleTag.authFailuresThreshold]: '2',
  [LifecycleTag.authFailuresWindowSeconds]: '120',
  [LifecycleTag.authFailuresCheckSeconds]: '60',
};

/**
 * A consumer that keeps a credential it read once and logs in with it at the real PostgreSQL; its failed logins
 * are the signal the watch reads (what the server's log -> metric filter -> metric path counts in production).
 */
class StaleConsumer {
  private readonly failures: Date[] = [];
  constructor(private readonly credential: DbSecret) {}

  async logIn(times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      if (!(await pg.canLogin(this.credential.username, this.credential.password))) this.failures.push(new Date());
    }
  }

  get failed(): number {
    return this.failures.length;
  }

  readonly reader: AuthFailureReader = (query) =>
    Promise.resolve({
      observed: true,
      failures: this.failures.filter((at) => at >= new Date(query.since.getTime() - 1_000)).length,
      source: 'test consumer failed logins',
    });
}

/**
 * The real watch task at the Check states, with `reader` as its signal (the real handler's reader would ask
 * CloudWatch), and `beforeCheck` run first (the consumer's logins). Audit events go to the stack's audit bus.
 */
function watchedChecks(reader: AuthFailureReader, beforeCheck: (phase: string) => Promise<void>) {
  const check: LambdaHandler = async (input) => {
    const { Payload } = input as { Payload: { task: unknown; phase: string } };
    await beforeCheck(Payload.phase);
    const deps = taskDeps(stack, {
      authFailures: reader,
      audit: createAuditTrail({
        putEvents: eventBridgePutEvents(),
        busName: stack.auditBusName,
        logger: taskDeps(stack).logger,
        metrics: taskDeps(stack).metrics,
      }),
    });
    return { Payload: await runRotationFunctionTask(Payload, deps) };
  };
  return { WatchSwitchCheck: check, WatchRevokeCheck: check };
}

async function givenAlternatingSecret(): Promise<{ secretArn: string; versionId: string; current: DbSecret }> {
  const user = await givenDbUser(stack, masterArn, WATCHED);
  return rotatedOnce(stack, user.secretArn);
}

const rotate = (secretArn: string, overrides: Record<string, LambdaHandler>) =>
  runTestExecution(stack, lifecycle, { secretArn, trigger: 'on-demand' }, handlers, overrides);

function alertsFor(executionArn: string) {
  return stack.sns.messages().filter((m) => m.message.includes(executionArn));
}

describe('auth-failure watch windows', () => {
  it('watch both windows and go on when the failed logins stay within the threshold', async () => {
    const secret = await givenAlternatingSecret();
    const consumer = new StaleConsumer(secret.current);

    const result = await rotate(
      secret.secretArn,
      watchedChecks(consumer.reader, () => Promise.resolve()),
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(result.history).toEqual([
      'Begin',
      'Preflight',
      'DryRunOrRotate',
      'RotateSecret',
      'Verify',
      'ReplicaInSync',
      'NotifyConsumers',
      'NotifyConsumersRefreshNeeded',
      'WatchSwitchEnabled',
      'WatchSwitchStart',
      ...['WatchSwitchCheck', 'WatchSwitchVerdict', 'WatchSwitchWait'],
      ...['WatchSwitchCheck', 'WatchSwitchVerdict', 'WatchSwitchWait'],
      ...['WatchSwitchCheck', 'WatchSwitchVerdict'],
      'Grace',
      'Drain',
      'OldCredentialInUse',
      'Revoke',
      'WatchRevokeEnabled',
      'WatchRevokeStart',
      ...['WatchRevokeCheck', 'WatchRevokeVerdict', 'WatchRevokeWait'],
      ...['WatchRevokeCheck', 'WatchRevokeVerdict', 'WatchRevokeWait'],
      ...['WatchRevokeCheck', 'WatchRevokeVerdict'],
      'ReportWatchedRevoke',
      'Rotated',
    ]);
    const passed = result.auditDetails.filter((d) => d.type === AuditEventType.AuthFailureWatchPassed);
    expect(passed).toEqual([
      expect.objectContaining({ phase: 'switch', failures: 0, threshold: 2, windowSeconds: 120, observed: true }),
      expect.objectContaining({ phase: 'revoke', failures: 0, threshold: 2, windowSeconds: 120, observed: true }),
    ]);
    expect(alertsFor(result.executionArn)).toEqual([]);
    // Exactly one end: the completion is recorded once the window after revoke stayed quiet, not by revoke.
    expect(result.audit.filter((type) => type === AuditEventType.Completed)).toHaveLength(1);
    expect(result.audit.at(-1)).toBe(AuditEventType.Completed);
  });

  it('roll back after the switch on a breach: the previous user is current again, the owners get the counts', async () => {
    const secret = await givenAlternatingSecret();
    // The previous credential still works after the switch: these failures come from a consumer with a wrong value.
    const consumer = new StaleConsumer({ ...secret.current, password: 'not-the-password' });

    const result = await rotate(
      secret.secretArn,
      watchedChecks(consumer.reader, (phase) => (phase === 'switch' ? consumer.logIn(3) : Promise.resolve())),
    );

    expect(result).toMatchObject({ status: 'FAILED', error: 'AuthFailuresAfterSwitchError' });
    expect(result.history.slice(-5)).toEqual([
      'WatchSwitchCheck',
      'WatchSwitchRollback',
      'WatchSwitchBreached',
      'ReportFailure',
      'Failed',
    ]);
    expect((await stagesOf(stack.client, secret.secretArn))[secret.versionId]).toEqual(['AWSCURRENT']);
    expect(await pg.canLogin(secret.current.username, secret.current.password)).toBe(true);
    expect(result.audit).toEqual([
      AuditEventType.Started,
      AuditEventType.Verified,
      AuditEventType.SecretRotated,
      AuditEventType.AuthFailuresDetected,
      AuditEventType.RolledBack,
      AuditEventType.Failed,
    ]);
    expect(result.auditDetails[3]).toMatchObject({
      phase: 'switch',
      failures: 3,
      threshold: 2,
      action: 'rollback',
      source: 'test consumer failed logins',
    });
    const [alert] = alertsFor(result.executionArn);
    expect(alert?.subject).toContain('rotation failed at WatchSwitch');
    expect(alert?.message).toContain('3 failed logins (threshold 2)');
    expect(alert?.message).toContain('rolled back');
    expect(JSON.stringify([result.events, result.auditDetails, alert])).not.toContain(secret.current.password);
  });

  it('reinstate the old credential after revoke on a breach, AWSCURRENT untouched, and alert', async () => {
    const secret = await givenAlternatingSecret();
    const consumer = new StaleConsumer(secret.current);

    const result = await rotate(
      secret.secretArn,
      watchedChecks(consumer.reader, (phase) => (phase === 'revoke' ? consumer.logIn(3) : Promise.resolve())),
    );

    expect(result).toMatchObject({ status: 'FAILED', error: 'AuthFailuresAfterRevokeError' });
    expect(consumer.failed).toBe(3);
    expect(result.history.slice(-5)).toEqual([
      'WatchRevokeCheck',
      'WatchRevokeReinstate',
      'WatchRevokeBreached',
      'ReportFailure',
      'Failed',
    ]);
    const rotationId = (result.auditDetails[0] as { rotationId: string }).rotationId;
    expect((await stagesOf(stack.client, secret.secretArn))[rotationId]).toEqual(['AWSCURRENT']);
    const now = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
    expect(await pg.canLogin(now.username, now.password)).toBe(true);
    // The consumer that never re-read the secret logs in again.
    expect(await pg.canLogin(secret.current.username, secret.current.password)).toBe(true);
    expect(result.audit.slice(-3)).toEqual([
      AuditEventType.AuthFailuresDetected,
      AuditEventType.Reinstated,
      AuditEventType.Failed,
    ]);
    expect(result.audit).not.toContain(AuditEventType.Completed);
    expect(result.auditDetails.at(-2)).toMatchObject({ status: 'reinstated', previousVersionId: secret.versionId });
    const [alert] = alertsFor(result.executionArn);
    expect(alert?.subject).toContain('rotation failed at WatchRevoke');
    expect(alert?.message).toContain('Old credential after the breach: reinstated');
    expect(JSON.stringify([result.events, result.auditDetails, alert])).not.toContain(secret.current.password);
    expect(JSON.stringify([result.events, result.auditDetails, alert])).not.toContain(now.password);
  });

  it('only alert after the switch for a single user: its previous password is gone, so nothing rolls back', async () => {
    const user = await givenDbUser(stack, undefined, WATCHED);
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    const before = await jsonAt<DbSecret>(stack.client, user.secretArn, 'AWSCURRENT');
    const consumer = new StaleConsumer(before);

    const result = await rotate(
      user.secretArn,
      watchedChecks(consumer.reader, (phase) => (phase === 'switch' ? consumer.logIn(3) : Promise.resolve())),
    );

    expect(result).toMatchObject({ status: 'FAILED', error: 'AuthFailuresAfterSwitchError' });
    expect(result.history.slice(-4)).toEqual([
      'WatchSwitchRollback',
      'WatchSwitchRollbackFailed',
      'ReportFailure',
      'Failed',
    ]);
    const now = await jsonAt<DbSecret>(stack.client, user.secretArn, 'AWSCURRENT');
    expect(now.password).not.toBe(before.password);
    expect(await pg.canLogin(now.username, now.password)).toBe(true);
    const [alert] = alertsFor(result.executionArn);
    expect(alert?.message).toContain('RollbackUnsafeError');
  });

  it('skip both windows with one Choice each for an entry without the setting', async () => {
    const user = await givenDbUser(stack, masterArn, {
      [LifecycleTag.drainMaxWaitSeconds]: '0',
      [LifecycleTag.whenStillInUse]: 'revoke',
    });
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });

    const result = await rotate(user.secretArn, {});

    expect(result.status).toBe('SUCCEEDED');
    expect(result.history.filter((s) => s.startsWith('Watch'))).toEqual(['WatchSwitchEnabled', 'WatchRevokeEnabled']);
  });
});
