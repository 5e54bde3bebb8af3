import { drain } from '../../../functions/tasks/drain';
import { revoke } from '../../../functions/tasks/revoke';
import { rollback } from '../../../functions/tasks/rollback';
import { reinstate } from '../../../functions/tasks/reinstate';
import type { LocalPostgres } from '../../../local/databases/postgres';
import { startLocalStack, type LocalStack } from '../../../local/stack';
import { createSecret, jsonAt, rotateAndWait, stagesOf, type DbSecret } from '../../support/secrets';
import { givenDbUser, taskDeps, testRun, type DbUser } from './fixtures';

let stack: LocalStack;
let pg: LocalPostgres;
let masterArn: string;

beforeAll(async () => {
  stack = await startLocalStack({ postgres: true });
  pg = stack.postgres as LocalPostgres;
  masterArn = (await createSecret(stack.client, 'db/tasks/master', pg.masterSecretValue())).arn;
});
afterAll(() => stack.stop());

/** An alternating-users secret after one real rotation: the original user is previous, its clone current. */
async function givenRotatedAlternatingUser(): Promise<DbUser & { current: DbSecret; token: string }> {
  const user = await givenDbUser(stack, masterArn);
  const result = await rotateAndWait(stack, user.secretArn);
  expect(result).toMatchObject({ succeeded: true });
  return { ...user, current: await jsonAt<DbSecret>(stack.client, user.secretArn, 'AWSCURRENT'), token: result.token };
}

describe('drain', () => {
  it('sees a session still open as the old user, and none once it ends', async () => {
    const user = await givenDbUser(stack, masterArn);
    const session = await pg.openSession(user.name, user.password);
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    const input = { secretArn: user.secretArn, rotation: testRun(), previousVersionId: user.firstVersionId };

    const busy = await drain(input, taskDeps(stack));
    await session.end();
    const idle = await drain(input, taskDeps(stack));

    expect(busy).toMatchObject({ inUse: true, activeSessions: 1 });
    expect(busy.evidence).toEqual(expect.any(String));
    expect(Date.parse(busy.checkedAt)).not.toBeNaN();
    expect(idle).toMatchObject({ inUse: false, activeSessions: 0 });
  });

  it('refuses when the version given as previous is AWSCURRENT', async () => {
    const user = await givenRotatedAlternatingUser();
    await expect(
      drain({ secretArn: user.secretArn, rotation: testRun(), previousVersionId: user.token }, taskDeps(stack)),
    ).rejects.toMatchObject({ name: 'PreviousVersionIsCurrentError' });
  });
});

describe('revoke', () => {
  it('locks the old user out, ends its sessions, and keeps the current user working', async () => {
    const user = await givenDbUser(stack, masterArn);
    await pg.openSession(user.name, user.password);
    expect(await rotateAndWait(stack, user.secretArn)).toMatchObject({ succeeded: true });
    const current = await jsonAt<DbSecret>(stack.client, user.secretArn, 'AWSCURRENT');

    const result = await revoke(
      {
        secretArn: user.secretArn,
        rotation: testRun(),
        previousVersionId: user.firstVersionId,
        terminateSessions: true,
      },
      taskDeps(stack),
    );

    expect(result).toMatchObject({ status: 'revoked', terminatedSessions: 1 });
    expect(await pg.canLogin(user.name, user.password)).toBe(false);
    expect(await pg.canLogin(current.username, current.password)).toBe(true);
    expect(JSON.stringify(result)).not.toContain(user.password);
    expect(JSON.stringify(result)).not.toContain(current.password);
  });

  it('refuses to revoke the version that is AWSCURRENT, and changes nothing', async () => {
    const user = await givenRotatedAlternatingUser();
    await expect(
      revoke({ secretArn: user.secretArn, rotation: testRun(), previousVersionId: user.token }, taskDeps(stack)),
    ).rejects.toMatchObject({ name: 'RevokeWouldCutCurrentError' });
    expect(await pg.canLogin(user.current.username, user.current.password)).toBe(true);
    expect(await pg.canLogin(user.name, user.password)).toBe(true);
  });
});

describe('rollback', () => {
  it('moves AWSCURRENT back to the previous version while its user still logs in, and is idempotent', async () => {
    const user = await givenRotatedAlternatingUser();
    const input = { secretArn: user.secretArn, rotation: testRun(), previousVersionId: user.firstVersionId };

    const first = await rollback(input, taskDeps(stack));
    const again = await rollback(input, taskDeps(stack));

    expect(first).toEqual({ rolledBack: true, currentVersionId: user.firstVersionId });
    expect(again).toEqual({ rolledBack: false, currentVersionId: user.firstVersionId });
    const stages = await stagesOf(stack.client, user.secretArn);
    expect(stages[user.firstVersionId]).toEqual(['AWSCURRENT']);
    expect(stages[user.token]).toEqual(['AWSPREVIOUS']);
    const restored = await jsonAt<DbSecret>(stack.client, user.secretArn, 'AWSCURRENT');
    expect(restored).toMatchObject({ username: user.name, password: user.password });
    expect(await pg.canLogin(restored.username, restored.password)).toBe(true);
    expect(JSON.stringify([first, again])).not.toContain(user.password);
    expect(JSON.stringify([first, again])).not.toContain(user.current.password);
  });

  it('refuses after revoke: the previous user no longer logs in, and AWSCURRENT stays', async () => {
    const user = await givenRotatedAlternatingUser();
    const input = { secretArn: user.secretArn, rotation: testRun(), previousVersionId: user.firstVersionId };
    await revoke(input, taskDeps(stack));

    const attempt = rollback(input, taskDeps(stack));

    await expect(attempt).rejects.toMatchObject({ name: 'RollbackUnsafeError' });
    const error = (await attempt.catch((e: unknown) => e)) as Error;
    expect(error.message).not.toContain(user.password);
    expect((await stagesOf(stack.client, user.secretArn))[user.token]).toEqual(['AWSCURRENT']);
    expect(await pg.canLogin(user.current.username, user.current.password)).toBe(true);
  });

  it('refuses for a single user: rotation already replaced the previous password', async () => {
    const user = await givenDbUser(stack);
    const rotation = await rotateAndWait(stack, user.secretArn);
    expect(rotation).toMatchObject({ succeeded: true });

    await expect(
      rollback(
        { secretArn: user.secretArn, rotation: testRun(), previousVersionId: user.firstVersionId },
        taskDeps(stack),
      ),
    ).rejects.toMatchObject({ name: 'RollbackUnsafeError' });
    expect((await stagesOf(stack.client, user.secretArn))[rotation.token]).toEqual(['AWSCURRENT']);
  });
});

describe('reinstate', () => {
  it('brings the revoked old user back, AWSCURRENT untouched, and answers already-working when asked again', async () => {
    const user = await givenRotatedAlternatingUser();
    const input = {
      secretArn: user.secretArn,
      rotation: testRun({ id: user.token }),
      previousVersionId: user.firstVersionId,
    };
    await revoke(input, taskDeps(stack));
    expect(await pg.canLogin(user.name, user.password)).toBe(false);

    const first = await reinstate(input, taskDeps(stack));
    const again = await reinstate(input, taskDeps(stack));

    expect(first.status).toBe('reinstated');
    expect(again.status).toBe('already-working');
    expect(await pg.canLogin(user.name, user.password)).toBe(true);
    expect((await stagesOf(stack.client, user.secretArn))[user.token]).toEqual(['AWSCURRENT']);
    expect(await pg.canLogin(user.current.username, user.current.password)).toBe(true);
    expect(JSON.stringify([first, again])).not.toContain(user.password);
  });

  it("refuses once AWSCURRENT is not the run's version, and in an emergency, changing nothing", async () => {
    const user = await givenRotatedAlternatingUser();
    const input = {
      secretArn: user.secretArn,
      rotation: testRun({ id: user.token }),
      previousVersionId: user.firstVersionId,
    };
    await revoke(input, taskDeps(stack));

    await expect(reinstate({ ...input, rotation: testRun() }, taskDeps(stack))).rejects.toMatchObject({
      name: 'ReinstateRefusedError',
    });
    await expect(
      reinstate({ ...input, rotation: testRun({ id: user.token, emergency: true }) }, taskDeps(stack)),
    ).rejects.toMatchObject({ name: 'ReinstateRefusedError' });
    expect(await pg.canLogin(user.name, user.password)).toBe(false);
  });

  it('answers not-supported for a single user: its previous password was replaced in place', async () => {
    const user = await givenDbUser(stack);
    const rotation = await rotateAndWait(stack, user.secretArn);
    expect(rotation).toMatchObject({ succeeded: true });

    const result = await reinstate(
      { secretArn: user.secretArn, rotation: testRun({ id: rotation.token }), previousVersionId: user.firstVersionId },
      taskDeps(stack),
    );

    expect(result.status).toBe('not-supported');
    expect((await stagesOf(stack.client, user.secretArn))[rotation.token]).toEqual(['AWSCURRENT']);
  });
});
