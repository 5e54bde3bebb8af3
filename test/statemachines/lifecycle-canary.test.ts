import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { escapeIdentifier } from 'pg';
import { canaryVersionId } from '../../functions/shared/canary';
import { AuditEventType, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import { encodeProbe, PROBE_TAG } from '../../functions/strategies/probe/probe';
import { OptionTag } from '../../functions/strategies/tag-options';
import type { LocalPostgres } from '../../local/databases/postgres';
import type { LocalStack } from '../../local/stack';
import { loadStateMachine } from '../../local/stepfunctions/definitions';
import type { LambdaHandler } from '../../local/stepfunctions/runner';
import { givenDbUser } from '../integration/tasks/fixtures';
import { startPostgresLifecycleStack } from '../support/postgres-lifecycle-stack';
import { runTestExecution, type TestExecution } from '../support/state-machine-run';
import { createSecret, jsonAt, rotateAndWait, rotatedOnce, stagesOf, valueAt, type DbSecret } from '../support/secrets';

let stack: LocalStack;
let pg: LocalPostgres;
let masterArn: string;
let handlers: Record<string, LambdaHandler>;
const lifecycle = loadStateMachine('lifecycle');
const LABEL = 'KEYTURN_CANARY';

/** Revoke at once; a canary window of two checks a minute apart (the runner shortens the waits). */
const CANARY_TAGS = {
  [LifecycleTag.drainMaxWaitSeconds]: '0',
  [LifecycleTag.whenStillInUse]: 'revoke',
  [LifecycleTag.canaryWindowSeconds]: '120',
  [LifecycleTag.canaryCheckEverySeconds]: '60',
};
/** The probe fails (division by zero) for a user without a row in canary_gate. */
const GATE_PROBE = { sql: 'SELECT 1 WHERE 1 / (SELECT count(*) FROM canary_gate WHERE usr = session_user)::int = 1' };

beforeAll(async () => {
  ({ stack, pg, masterArn, handlers } = await startPostgresLifecycleStack('canary'));
  await pg.admin('CREATE TABLE canary_gate (usr text PRIMARY KEY)');
});
afterAll(() => stack.stop());

const rotate = (secretArn: string, taskOverrides?: Record<string, LambdaHandler>): Promise<TestExecution> =>
  runTestExecution(stack, lifecycle, { secretArn, trigger: 'on-demand' }, handlers, taskOverrides);

const rotationIdOf = (run: TestExecution): string => (run.auditDetails[0] as { rotationId: string }).rotationId;

/** An alternating-users secret with a canary that has rotated once; both users pass the gate probe. */
async function givenCanarySecret(): Promise<{ secretArn: string; versionId: string; current: DbSecret }> {
  const user = await givenDbUser(stack, masterArn, { ...CANARY_TAGS, [PROBE_TAG]: encodeProbe(GATE_PROBE) });
  await pg.admin(`GRANT SELECT ON canary_gate TO ${escapeIdentifier(user.name)}`);
  await pg.admin('INSERT INTO canary_gate VALUES ($1), ($2)', [user.name, `${user.name}_clone`]);
  return rotatedOnce(stack, user.secretArn);
}

async function canaryValue(secretArn: string): Promise<DbSecret> {
  const out = await stack.client.send(new GetSecretValueCommand({ SecretId: secretArn, VersionStage: LABEL }));
  return JSON.parse(out.SecretString as string) as DbSecret;
}

/** Wraps the real CanaryCheck: `before` runs first, with the candidate's value as the canary label shows it. */
function aroundCanaryCheck(secretArn: string, before: (candidate: DbSecret) => Promise<void>): LambdaHandler {
  return async (input) => {
    const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
    await before(await canaryValue(secretArn));
    return { Payload: await (handlers[FunctionName] as LambdaHandler)(Payload) };
  };
}

const HOLD = ['CanaryWait', 'CanaryCountWait', 'CanaryCheck', 'CanaryHoldOver'];

describe('lifecycle with a canary', () => {
  it('holds the candidate under the canary label, then promotes exactly that value through RotateSecret', async () => {
    const secret = await givenCanarySecret();
    const seen: DbSecret[] = [];
    const during: { current: string[]; canary: string[] }[] = [];

    const result = await rotate(secret.secretArn, {
      CanaryCheck: aroundCanaryCheck(secret.secretArn, async (candidate) => {
        seen.push(candidate);
        // During the hold: the cohort's candidate and everyone else's AWSCURRENT both log in; AWSCURRENT never moved.
        expect(await pg.canLogin(candidate.username, candidate.password)).toBe(true);
        expect(await pg.canLogin(secret.current.username, secret.current.password)).toBe(true);
        const stages = await stagesOf(stack.client, secret.secretArn);
        during.push({ current: stages[secret.versionId] ?? [], canary: Object.values(stages).flat() });
      }),
    });

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { revoke: { status: 'revoked' } } });
    const rotationId = rotationIdOf(result);
    expect(result.history).toEqual([
      'Begin',
      'Preflight',
      'DryRunOrRotate',
      'CanaryStart',
      ...HOLD,
      ...HOLD,
      'RotateSecret',
      'Verify',
      'ReplicaInSync',
      'NotifyConsumers',
      'NotifyConsumersRefreshNeeded',
      'WatchSwitchEnabled',
      'Grace',
      'Drain',
      'OldCredentialInUse',
      'Revoke',
      'WatchRevokeEnabled',
      'Rotated',
    ]);
    expect(seen).toHaveLength(2);
    expect(during.every((d) => d.current.includes('AWSCURRENT') && !d.canary.includes('AWSPENDING'))).toBe(true);
    // The canaried value is what became AWSCURRENT, under the rotation id; the label is gone, the candidate kept.
    const now = await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT');
    expect(now).toEqual(seen[0]);
    const stages = await stagesOf(stack.client, secret.secretArn);
    expect(stages[rotationId]).toEqual(['AWSCURRENT']);
    expect(Object.values(stages).flat()).not.toContain(LABEL);
    expect(await valueAt(stack.client, secret.secretArn, 'AWSCURRENT')).toBe(
      (
        await stack.client.send(
          new GetSecretValueCommand({ SecretId: secret.secretArn, VersionId: canaryVersionId(rotationId) }),
        )
      ).SecretString,
    );
    expect(await pg.canLogin(now.username, now.password)).toBe(true);
    expect(await pg.canLogin(secret.current.username, secret.current.password)).toBe(false);
    expect(result.audit).toEqual([
      AuditEventType.Started,
      AuditEventType.CanaryStarted,
      AuditEventType.CanaryPromoted,
      AuditEventType.Verified,
      AuditEventType.SecretRotated,
      AuditEventType.UsageChecked,
      AuditEventType.Revoked,
      AuditEventType.Completed,
    ]);
    expect(result.auditDetails[1]).toMatchObject({
      candidateVersionId: canaryVersionId(rotationId),
      label: LABEL,
      windowSeconds: 120,
      watching: expect.stringContaining('the probe alone') as string,
    });
    const everything = JSON.stringify([result.events, result.auditDetails]);
    expect(everything).not.toContain(now.password);
    expect(everything).not.toContain(secret.current.password);
  });

  it('aborts when the probe fails during the hold: the candidate stops working, AWSCURRENT is untouched', async () => {
    const secret = await givenCanarySecret();
    let candidate: DbSecret | undefined;

    const result = await rotate(secret.secretArn, {
      CanaryCheck: aroundCanaryCheck(secret.secretArn, async (held) => {
        candidate = held;
        await pg.admin('DELETE FROM canary_gate WHERE usr = $1', [held.username]);
      }),
    });

    expect(result).toMatchObject({ status: 'FAILED', error: 'CanaryFailedError' });
    expect(result.cause).toContain('fails the entry probe');
    expect(result.history).toEqual([
      'Begin',
      'Preflight',
      'DryRunOrRotate',
      'CanaryStart',
      ...HOLD.slice(0, 3),
      'CanaryAbort',
      'CanaryAborted',
      'ReportFailure',
      'Failed',
    ]);
    const held = candidate as DbSecret;
    expect(held.username).not.toBe(secret.current.username);
    expect(await pg.canLogin(held.username, held.password)).toBe(false);
    // Nothing moved for anyone else: the same AWSCURRENT, still working; no AWSPENDING, no canary label left.
    const stages = await stagesOf(stack.client, secret.secretArn);
    expect(stages[secret.versionId]).toEqual(['AWSCURRENT']);
    expect(Object.values(stages).flat()).not.toContain('AWSPENDING');
    expect(Object.values(stages).flat()).not.toContain(LABEL);
    expect(await jsonAt<DbSecret>(stack.client, secret.secretArn, 'AWSCURRENT')).toEqual(secret.current);
    expect(await pg.canLogin(secret.current.username, secret.current.password)).toBe(true);
    expect(result.audit).toEqual([
      AuditEventType.Started,
      AuditEventType.CanaryStarted,
      AuditEventType.CanaryAborted,
      AuditEventType.Failed,
    ]);
    expect(result.auditDetails[2]).toMatchObject({
      status: 'revoked',
      labelsRemoved: [LABEL],
      error: 'CanaryFailedError',
    });
    expect(result.auditDetails[3]).toMatchObject({ step: 'Canary', canaryAbort: 'revoked' });
    const alert = stack.sns.messages().find((m) => m.message.includes(result.executionArn));
    expect(alert?.message).toContain('The canary was taken back');
    expect(JSON.stringify([result.events, result.auditDetails, alert])).not.toContain(held.password);

    // Nothing left behind: the next rotation (the gate open again) goes through.
    await pg.admin('INSERT INTO canary_gate VALUES ($1)', [held.username]);
    expect(await rotate(secret.secretArn)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('canaries a random secret: the held value is the one promoted', async () => {
    const created = await createSecret(stack.client, 'app/canary/random', 'initial-value-aaaaaaaaaaaaaaaaaaaaaaaaaa', {
      [ManagementTag.managed]: 'true',
      [OptionTag.strategy]: 'random',
      ...CANARY_TAGS,
      [LifecycleTag.canaryLabel]: 'EARLY_ADOPTERS',
    });
    expect(await rotateAndWait(stack, created.arn)).toMatchObject({ succeeded: true });
    let held: string | undefined;

    const result = await rotate(created.arn, {
      CanaryCheck: async (input) => {
        const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
        held ??= (
          await stack.client.send(new GetSecretValueCommand({ SecretId: created.arn, VersionStage: 'EARLY_ADOPTERS' }))
        ).SecretString;
        return { Payload: await (handlers[FunctionName] as LambdaHandler)(Payload) };
      },
    });

    expect(result).toMatchObject({ status: 'SUCCEEDED' });
    expect(held).toEqual(expect.any(String));
    expect(await valueAt(stack.client, created.arn, 'AWSCURRENT')).toBe(held);
    expect(Object.values(await stagesOf(stack.client, created.arn)).flat()).not.toContain('EARLY_ADOPTERS');
  });

  it('refuses a canary on a single-user secret at pre-flight, changing nothing', async () => {
    const user = await givenDbUser(stack, undefined, CANARY_TAGS);
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    const before = await stagesOf(stack.client, user.secretArn);

    const result = await rotate(user.secretArn);

    expect(result).toMatchObject({ status: 'FAILED', error: 'CanaryNotSupportedError' });
    expect(result.cause).toContain("changes the only user's password");
    expect(result.history).not.toContain('CanaryStart');
    expect(result.history.slice(0, 2)).toEqual(['Begin', 'Preflight']);
    expect(await stagesOf(stack.client, user.secretArn)).toEqual(before);
  });
});
