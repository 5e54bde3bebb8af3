import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { LifecycleTag, type DryRunPlan } from '../../functions/shared/lifecycle-contract';
import type { LocalPostgres } from '../../local/databases/postgres';
import type { LocalStack } from '../../local/stack';
import { LOCAL_COORDINATOR_FUNCTION_ARN, loadStateMachine } from '../../local/stepfunctions/definitions';
import type { LambdaHandler } from '../../local/stepfunctions/runner';
import { givenDbUser } from '../integration/tasks/fixtures';
import { testRun } from '../support/rotation-run';
import { startPostgresLifecycleStack } from '../support/postgres-lifecycle-stack';
import { runTestExecution, type TestExecution } from '../support/state-machine-run';
import { jsonAt, MANUAL_FUNCTION_ARN, rotateAndWait, type DbSecret } from '../support/secrets';

/**
 * Dry runs (`dryRun: true`) of the lifecycle and emergency state machines on the local runner, with the real
 * coordinator and rotation function against PostgreSQL: they run Begin and Preflight only, succeed with a plan
 * built from the secret's settings or fail with the refusal, and change and record nothing: the secret's
 * versions, labels, tags and value, the database user's password, the audit bus and the alert topics stay as
 * they were. The fleet's dry run: fleet.test.ts; an emergency dry run over a deactivated IAM key: lifecycle-iam.
 */

let stack: LocalStack;
let pg: LocalPostgres;
let masterArn: string;
let handlers: Record<string, LambdaHandler>;
const lifecycle = loadStateMachine('lifecycle');
const emergency = loadStateMachine('emergency');

beforeAll(async () => {
  ({ stack, pg, masterArn, handlers } = await startPostgresLifecycleStack('dry-run'));
});
afterAll(() => stack.stop());

const run = (definition: object, request: Record<string, unknown>) =>
  runTestExecution(stack, definition, request, handlers);

/** Everything a rotation could change about a secret, and what keyturn records and sends anywhere. */
async function observable(secretArn: string) {
  const described = await stack.client.send(new DescribeSecretCommand({ SecretId: secretArn }));
  return {
    stages: described.VersionIdsToStages,
    tags: described.Tags,
    lastChanged: described.LastChangedDate,
    lastRotated: described.LastRotatedDate,
    current: await jsonAt<DbSecret>(stack.client, secretArn, 'AWSCURRENT'),
    auditEvents: stack.eventBridge.events().filter((e) => e.busName === stack.auditBusName).length,
    alerts: stack.sns.messages().length,
  };
}

/** Runs `request` as a dry run and checks it left everything as it found it. */
async function dryRun(definition: object, request: Record<string, unknown>): Promise<TestExecution> {
  const secretArn = request.secretArn as string;
  const before = await observable(secretArn);
  const result = await run(definition, { ...request, dryRun: true });
  expect(await observable(secretArn)).toEqual(before);
  expect(result.audit).toEqual([]);
  expect(await pg.canLogin(before.current.username, before.current.password)).toBe(true);
  return result;
}

/** An alternating-users secret that has rotated once (so rotation is enabled and it has a rotation function). */
async function givenRotatedSecret(tags: Record<string, string> = {}) {
  const user = await givenDbUser(stack, masterArn, tags);
  const first = await rotateAndWait(stack, user.secretArn);
  expect(first).toMatchObject({ succeeded: true });
  return { secretArn: user.secretArn, versionId: first.token };
}

const planOf = (result: TestExecution) => (result.output as { plan: DryRunPlan }).plan;

describe('lifecycle dry run', () => {
  it("succeeds with the plan the secret's settings make, after Begin and Preflight only", async () => {
    const secret = await givenRotatedSecret({
      [LifecycleTag.graceSeconds]: '600',
      [LifecycleTag.drainMaxWaitSeconds]: '1800',
      [LifecycleTag.whenStillInUse]: 'revoke',
      [LifecycleTag.terminateSessions]: 'true',
    });

    const result = await dryRun(lifecycle, { secretArn: secret.secretArn, trigger: 'on-demand' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.history).toEqual(['Begin', 'Preflight', 'DryRunOrRotate', 'PlanDryRun', 'DryRunComplete']);
    expect(Object.keys(result.output as object)).toEqual(['plan']);
    expect(planOf(result)).toEqual({
      secretArn: secret.secretArn,
      strategy: 'postgres-alternating-users',
      emergency: false,
      currentVersionId: secret.versionId,
      currentCredentialAuthenticates: true,
      settings: {
        graceSeconds: 600,
        minIntervalSeconds: 0,
        revocation: { maxWaitSeconds: 1800, whenStillInUse: 'revoke', terminateSessions: true },
        replicaSync: { maxWaitSeconds: 900 },
      },
      steps: [
        expect.stringMatching(/^rotate: /),
        expect.stringMatching(/^verify: .*rolls back$/),
        'notify: a SecretRotated event on the audit bus',
        'grace 600 s: both credentials work',
        'drain up to 1800 s (a check every 60 s) while the old credential is in use, then revoke it anyway',
        'revoke the old credential and end its open sessions',
      ],
    });
  });

  it('fails with the refusal and its cause when pre-flight refuses (an unfinished AWSPENDING), alerting nobody', async () => {
    const user = await givenDbUser(stack, masterArn);
    const stuck = await rotateAndWait(stack, user.secretArn, MANUAL_FUNCTION_ARN);

    const result = await dryRun(lifecycle, { secretArn: user.secretArn, trigger: 'on-demand' });

    expect(result).toMatchObject({ status: 'FAILED', error: 'RotationInProgressError' });
    expect(result.cause).toContain(stuck.token);
    expect(result.history).toEqual(['Begin', 'Preflight', 'PreflightFailed', 'ReportUnlessDryRun', 'DryRunFailed']);
  });

  it('fails with the policy rule a real run would be skipped by, recording no RotationSkipped', async () => {
    const secret = await givenRotatedSecret({ [LifecycleTag.minIntervalSeconds]: '3600' });

    const result = await dryRun(lifecycle, { secretArn: secret.secretArn, trigger: 'on-demand' });

    expect(result).toMatchObject({ status: 'FAILED', error: 'MinimumIntervalError' });
    expect(result.cause).toContain('minimum interval');
    expect(result.history).toEqual(['Begin', 'Preflight', 'ReportSkipUnlessDryRun', 'DryRunFailed']);
  });

  it('fails with the refusal when Begin refuses (no rotation function configured), alerting nobody', async () => {
    const user = await givenDbUser(stack, masterArn);

    const result = await dryRun(lifecycle, { secretArn: user.secretArn, trigger: 'on-demand' });

    expect(result).toMatchObject({ status: 'FAILED', error: 'NotRotatableError' });
    expect(result.cause).toContain('no rotation function');
    expect(result.history).toEqual(['Begin', 'BeginFailed', 'ReportUnlessDryRun', 'DryRunFailed']);
  });

  it('refuses a dryRun that is not a boolean by field name, as a dry run: nothing reported', async () => {
    const secret = await givenRotatedSecret();
    const before = await observable(secret.secretArn);

    const result = await run(lifecycle, { secretArn: secret.secretArn, trigger: 'on-demand', dryRun: 'yes' });

    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidRequestError' });
    expect(result.cause).toContain('dryRun: expected boolean');
    expect(result.history.at(-1)).toBe('DryRunFailed');
    expect(await observable(secret.secretArn)).toEqual(before);
  });

  it('with dryRun false rotates as usual', async () => {
    const secret = await givenRotatedSecret({
      [LifecycleTag.graceSeconds]: '0',
      [LifecycleTag.drainMaxWaitSeconds]: '0',
    });

    const result = await run(lifecycle, { secretArn: secret.secretArn, trigger: 'on-demand', dryRun: false });

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { revoke: { status: 'revoked' } } });
    expect(result.audit.at(-1)).toBe('RotationCompleted');
  });
});

describe('emergency dry run', () => {
  it('succeeds with a plan without grace, drain or rollback, whatever the settings, and ends no session', async () => {
    const secret = await givenRotatedSecret({
      [LifecycleTag.graceSeconds]: '86400',
      [LifecycleTag.drainMaxWaitSeconds]: '86400',
      [LifecycleTag.minIntervalSeconds]: '86400',
    });
    const current = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
    const session = await pg.openSession(current.username, current.password);
    try {
      const result = await dryRun(emergency, { secretArn: secret.secretArn, trigger: 'emergency', reason: 'INC-9' });

      expect(result.status).toBe('SUCCEEDED');
      expect(result.history).toEqual(['Begin', 'Preflight', 'DryRunOrRotate', 'PlanDryRun', 'DryRunComplete']);
      expect(planOf(result)).toMatchObject({ emergency: true, currentVersionId: secret.versionId });
      expect(planOf(result).steps).toEqual([
        expect.stringMatching(/^rotate: /),
        expect.stringMatching(/no rollback/),
        'no grace, no drain',
        expect.stringMatching(/^revoke the old credential at once, end its open sessions/),
        'notify after the revoke: a SecretRotated event (emergency: true) on the audit bus',
      ]);
      // The suspected-leaked credential's session is still open.
      expect((await session.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await session.end();
    }
  });

  it('fails on an unfinished AWSPENDING without the emergency alert', async () => {
    const user = await givenDbUser(stack, masterArn);
    const stuck = await rotateAndWait(stack, user.secretArn, MANUAL_FUNCTION_ARN);

    const result = await dryRun(emergency, { secretArn: user.secretArn, trigger: 'emergency', reason: 'INC-10' });

    expect(result).toMatchObject({ status: 'FAILED', error: 'RotationInProgressError' });
    expect(result.cause).toContain(stuck.token);
    expect(result.history.slice(-2)).toEqual(['ReportUnlessDryRun', 'DryRunFailed']);
  });
});

it('the coordinator refuses to report a dry run (a definition that routed one there), recording and sending nothing', async () => {
  const coordinator = handlers[LOCAL_COORDINATOR_FUNCTION_ARN] as LambdaHandler;
  const auditEvents = () => stack.eventBridge.events().filter((e) => e.busName === stack.auditBusName).length;
  const [eventsBefore, alertsBefore] = [auditEvents(), stack.sns.messages().length];
  const report = (state: Record<string, unknown>) =>
    coordinator({
      task: 'report',
      outcome: 'failed',
      emergency: false,
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:keyturn-lifecycle:dry',
      state: { secretArn: masterArn, failure: { Error: 'RotationInProgressError', Cause: 'stuck' }, ...state },
    });

  for (const state of [{ rotation: testRun({ dryRun: true }) }, { dryRun: true }, { dryRun: 'yes' }]) {
    await expect(report(state)).rejects.toMatchObject({
      name: 'InvalidTaskInputError',
      message: 'a dry run records nothing: the report task never runs in one',
    });
  }
  expect([auditEvents(), stack.sns.messages().length]).toEqual([eventsBefore, alertsBefore]);
});
