import type { AuthFailureQuery, AuthFailureReader } from '../../../functions/shared/auth-failure-signal';
import { canaryVersionId } from '../../../functions/shared/canary';
import { AuditEventType, LifecycleTag, type RotationRun } from '../../../functions/shared/lifecycle-contract';
import { SecretStore } from '../../../functions/shared/secret-store';
import { createStrategyRegistry, type StrategyRegistry } from '../../../functions/strategies/registry';
import type { RotationStrategy } from '../../../functions/strategies/strategy';
import { canaryAbort } from '../../../functions/tasks/canary-abort';
import { canaryCheck } from '../../../functions/tasks/canary-check';
import { canaryStart, type CanaryState } from '../../../functions/tasks/canary-start';
import { preflight } from '../../../functions/tasks/preflight';
import { verifyRotation } from '../../../functions/tasks/verify';
import type { LocalPostgres } from '../../../local/databases/postgres';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { createSecret, jsonAt, rotateAndWait, rotatedOnce, stagesOf, type DbSecret } from '../../support/secrets';
import { givenDbUser, recordingAuditTrail, taskDeps, testRun, virtualClock } from './fixtures';

let stack: LocalStack;
let pg: LocalPostgres;
let masterArn: string;
const LABEL = 'KEYTURN_CANARY';
const CANARY_TAGS = { [LifecycleTag.canaryWindowSeconds]: '600', [LifecycleTag.canaryMaxAuthFailures]: '2' };
const ALTERNATING = 'postgres-alternating-users';

beforeAll(async () => {
  stack = await startLocalStack({ postgres: true });
  pg = stack.postgres as LocalPostgres;
  masterArn = (await createSecret(stack.client, 'db/canary-tasks/master', pg.masterSecretValue())).arn;
});
afterAll(() => stack.stop());

/** An alternating-users secret with a canary, rotated once; the input every canary task of one run gets. */
async function givenCanaryRun(): Promise<{
  secretArn: string;
  current: DbSecret;
  run: RotationRun;
  previousVersionId: string;
}> {
  const user = await givenDbUser(stack, masterArn, CANARY_TAGS);
  const { current, versionId } = await rotatedOnce(stack, user.secretArn);
  return { secretArn: user.secretArn, current, run: testRun(), previousVersionId: versionId };
}

/** The registry with the alternating-users strategy's `method` failing once, as if the function died there. */
function crashingOnce(method: 'setSecret' | 'testSecret' | 'revoke'): StrategyRegistry {
  const registry = createStrategyRegistry();
  const real = registry[ALTERNATING];
  let crashed = false;
  const wrapped = ((...args: Parameters<RotationStrategy[typeof method]>) => {
    if (!crashed) {
      crashed = true;
      return Promise.reject(new Error(`crash in ${method}`));
    }
    return (real[method] as (...a: typeof args) => Promise<unknown>)(...args);
  }) as RotationStrategy[typeof method];
  return { ...registry, [ALTERNATING]: { ...real, [method]: wrapped } };
}

async function candidateOf(secretArn: string, run: RotationRun): Promise<DbSecret> {
  return JSON.parse(
    (await new SecretStore(stack.client).requireVersion(secretArn, { versionId: canaryVersionId(run.id) })).value,
  ) as DbSecret;
}

describe('canary-start', () => {
  it('survives a crash after storing the candidate and after setSecret: the retries finish the same candidate', async () => {
    const given = await givenCanaryRun();
    const input = { secretArn: given.secretArn, rotation: given.run, previousVersionId: given.previousVersionId };

    await expect(canaryStart(input, taskDeps(stack, { strategies: crashingOnce('setSecret') }))).rejects.toThrow(
      'crash in setSecret',
    );
    const stored = await candidateOf(given.secretArn, given.run);
    expect(await pg.canLogin(stored.username, stored.password)).toBe(false);
    await expect(canaryStart(input, taskDeps(stack, { strategies: crashingOnce('testSecret') }))).rejects.toThrow(
      'crash in testSecret',
    );
    const audit = recordingAuditTrail();
    const state = await canaryStart(input, taskDeps(stack, { audit }));

    expect(state).toMatchObject({ versionId: canaryVersionId(given.run.id), label: LABEL, waited: { seconds: 0 } });
    expect(await candidateOf(given.secretArn, given.run)).toEqual(stored);
    expect(await pg.canLogin(stored.username, stored.password)).toBe(true);
    expect(await pg.canLogin(given.current.username, given.current.password)).toBe(true);
    const stages = await stagesOf(stack.client, given.secretArn);
    expect(stages[state.versionId]).toEqual([LABEL]);
    expect(stages[given.previousVersionId]).toEqual(['AWSCURRENT']);
    expect(Object.values(stages).flat()).not.toContain('AWSPENDING');
    expect(audit.recorded.map((r) => r.event.type)).toEqual([AuditEventType.CanaryStarted]);
    expect(JSON.stringify(audit.recorded)).not.toContain(stored.password);
  });

  it('twin invocations agree on one candidate, and a lost label is put back', async () => {
    const given = await givenCanaryRun();
    const input = { secretArn: given.secretArn, rotation: given.run, previousVersionId: given.previousVersionId };

    const [a, b] = await Promise.all([canaryStart(input, taskDeps(stack)), canaryStart(input, taskDeps(stack))]);
    await new SecretStore(stack.client).removeStage(given.secretArn, LABEL, a.versionId);
    const again = await canaryStart(input, taskDeps(stack));

    expect(b).toEqual(a);
    expect(again).toEqual(a);
    expect((await stagesOf(stack.client, given.secretArn))[a.versionId]).toEqual([LABEL]);
    const candidate = await candidateOf(given.secretArn, given.run);
    expect(await pg.canLogin(candidate.username, candidate.password)).toBe(true);
  });

  it('refuses an emergency run and a secret without a canary window, changing nothing', async () => {
    const given = await givenCanaryRun();
    const plain = await givenDbUser(stack, masterArn);
    await expect(
      canaryStart(
        {
          secretArn: given.secretArn,
          rotation: testRun({ emergency: true }),
          previousVersionId: given.previousVersionId,
        },
        taskDeps(stack),
      ),
    ).rejects.toMatchObject({ name: 'CanaryNotSupportedError' });
    await expect(
      canaryStart(
        { secretArn: plain.secretArn, rotation: testRun(), previousVersionId: plain.firstVersionId },
        taskDeps(stack),
      ),
    ).rejects.toMatchObject({ name: 'CanaryNotSupportedError' });
    expect(Object.keys(await stagesOf(stack.client, given.secretArn))).toHaveLength(2);
  });
});

describe('pre-flight', () => {
  it('refuses a second rotation while a canary holds the label, and an emergency skips the canary', async () => {
    const given = await givenCanaryRun();
    await canaryStart(
      { secretArn: given.secretArn, rotation: given.run, previousVersionId: given.previousVersionId },
      taskDeps(stack),
    );

    await expect(preflight({ secretArn: given.secretArn, rotation: testRun() }, taskDeps(stack))).rejects.toMatchObject(
      {
        name: 'RotationInProgressError',
        stuckVersionId: canaryVersionId(given.run.id),
      },
    );
    const emergency = await preflight(
      { secretArn: given.secretArn, rotation: testRun({ emergency: true }) },
      taskDeps(stack),
    );
    expect(emergency.settings.canary).toBeUndefined();
  });
});

describe('canary-check', () => {
  it('reads the auth-failure signal since the canary started and fails above the entry limit', async () => {
    const given = await givenCanaryRun();
    const input = { secretArn: given.secretArn, rotation: given.run, previousVersionId: given.previousVersionId };
    const state: CanaryState = await canaryStart(input, taskDeps(stack));
    const queries: AuthFailureQuery[] = [];
    const signal =
      (failures: number): AuthFailureReader =>
      (query) => {
        queries.push(query);
        return Promise.resolve({ observed: true, failures, source: 'keyturn/AuthFailures entry=test' });
      };
    const check = { ...input, canary: state };

    await expect(canaryCheck(check, taskDeps(stack, { authFailures: signal(2) }))).resolves.toMatchObject({
      authFailures: 2,
    });
    await expect(canaryCheck(check, taskDeps(stack))).resolves.toMatchObject({ authFailures: null });
    await expect(canaryCheck(check, taskDeps(stack, { authFailures: signal(3) }))).rejects.toMatchObject({
      name: 'CanaryFailedError',
      message: expect.stringContaining('3 auth failure(s)') as string,
    });
    expect(queries.map((q) => q.since.toISOString())).toEqual([state.startedAt, state.startedAt]);
    expect(queries[0]?.secretArn).toBe(given.secretArn);
  });

  it('fails when the candidate stops authenticating, or AWSCURRENT moves under it', async () => {
    const given = await givenCanaryRun();
    const input = { secretArn: given.secretArn, rotation: given.run, previousVersionId: given.previousVersionId };
    const state = await canaryStart(input, taskDeps(stack));
    const candidate = await candidateOf(given.secretArn, given.run);
    await pg.admin(`ALTER ROLE "${candidate.username}" WITH PASSWORD 'changed-behind-the-canary'`);

    await expect(canaryCheck({ ...input, canary: state }, taskDeps(stack))).rejects.toMatchObject({
      name: 'CanaryFailedError',
      message: expect.stringContaining('does not authenticate') as string,
    });
    await expect(
      canaryCheck({ ...input, previousVersionId: state.versionId, canary: state }, taskDeps(stack)),
    ).rejects.toMatchObject({ name: 'CanaryFailedError', message: expect.stringContaining('moved') as string });
  });
});

describe('canary-abort', () => {
  it('after a crash between taking the label off and revoking, the retry revokes; AWSCURRENT is untouched', async () => {
    const given = await givenCanaryRun();
    const input = { secretArn: given.secretArn, rotation: given.run, previousVersionId: given.previousVersionId };
    await canaryStart(input, taskDeps(stack));
    const candidate = await candidateOf(given.secretArn, given.run);

    await expect(canaryAbort(input, taskDeps(stack, { strategies: crashingOnce('revoke') }))).rejects.toThrow(
      'crash in revoke',
    );
    expect((await stagesOf(stack.client, given.secretArn))[canaryVersionId(given.run.id)]).toBeUndefined();
    expect(await pg.canLogin(candidate.username, candidate.password)).toBe(true);
    const audit = recordingAuditTrail();
    const result = await canaryAbort(
      { ...input, failure: { Error: 'CanaryFailedError' } },
      taskDeps(stack, { audit, ...virtualClock() }),
    );

    expect(result).toMatchObject({
      status: 'revoked',
      candidateVersionId: canaryVersionId(given.run.id),
      labelsRemoved: [],
    });
    expect(await pg.canLogin(candidate.username, candidate.password)).toBe(false);
    expect(await pg.canLogin(given.current.username, given.current.password)).toBe(true);
    expect((await stagesOf(stack.client, given.secretArn))[given.previousVersionId]).toEqual(['AWSCURRENT']);
    expect(audit.recorded.map((r) => r.event)).toEqual([
      expect.objectContaining({
        type: AuditEventType.CanaryAborted,
        facts: expect.objectContaining({ status: 'revoked', error: 'CanaryFailedError' }) as unknown,
      }),
    ]);
  });

  it('after a start that never stored a candidate there is nothing to take back; with AWSCURRENT moved it revokes nothing', async () => {
    const given = await givenCanaryRun();
    const input = { secretArn: given.secretArn, rotation: given.run, previousVersionId: given.previousVersionId };
    await expect(canaryAbort(input, taskDeps(stack))).resolves.toMatchObject({ status: 'not-stored' });

    await canaryStart(input, taskDeps(stack));
    const candidate = await candidateOf(given.secretArn, given.run);
    const moved = await canaryAbort({ ...input, previousVersionId: canaryVersionId(testRun().id) }, taskDeps(stack));

    expect(moved).toMatchObject({ status: 'left', labelsRemoved: [LABEL] });
    expect(await pg.canLogin(candidate.username, candidate.password)).toBe(true);
  });
});

describe('promotion', () => {
  it("RotateSecret with the rotation id promotes the candidate's value; Verify takes the label off, once", async () => {
    const given = await givenCanaryRun();
    const input = { secretArn: given.secretArn, rotation: given.run, previousVersionId: given.previousVersionId };
    await canaryStart(input, taskDeps(stack));
    const candidate = await candidateOf(given.secretArn, given.run);

    expect(await rotateAndWait(stack, given.secretArn, undefined, given.run.id)).toMatchObject({ succeeded: true });
    const audit = recordingAuditTrail();
    await verifyRotation(input, taskDeps(stack, { audit }));
    await verifyRotation(input, taskDeps(stack, { audit }));

    expect(await jsonAt<DbSecret>(stack.client, given.secretArn, 'AWSCURRENT')).toEqual(candidate);
    const stages = await stagesOf(stack.client, given.secretArn);
    expect(stages[given.run.id]).toEqual(['AWSCURRENT']);
    expect(stages[canaryVersionId(given.run.id)]).toBeUndefined();
    expect(audit.recorded.map((r) => r.event.type)).toEqual([
      AuditEventType.CanaryPromoted,
      AuditEventType.Verified,
      AuditEventType.Verified,
    ]);
  });
});
