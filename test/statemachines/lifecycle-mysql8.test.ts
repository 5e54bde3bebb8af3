import { UpdateSecretVersionStageCommand } from '@aws-sdk/client-secrets-manager';
import { AuditEventType, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import { LOCAL_ROTATION_FUNCTION_ARN, startLocalStack, type LocalStack } from '../../local/stack';
import { LOCAL_COORDINATOR_FUNCTION_ARN, loadStateMachine } from '../../local/stepfunctions/definitions';
import type { LambdaHandler } from '../../local/stepfunctions/runner';
import { Mysql8Double } from '../support/mysql8/server';
import { ServerErrors } from '../support/mysql8/errors';
import { runTestExecution } from '../support/state-machine-run';
import { createSecret, jsonAt, rotateAndWait, stagesOf, type DbSecret } from '../support/secrets';

/**
 * MySQL 8 dual passwords through the real rotation function and the lifecycle state machine,
 * against the MySQL 8 double (issue 10, section 2): a rejected Verify rolls AWSCURRENT back to a
 * password that is only the server's secondary, and a crash leaves a password an operator then
 * unlabels. The invariants, checked after EVERY statement keyturn sends: AWSCURRENT
 * authenticates; after revoke only AWSCURRENT does; revoke reports `revoked` only when true.
 */

let stack: LocalStack;
let double: Mysql8Double;
let handlers: Record<string, LambdaHandler>;
const lifecycle = loadStateMachine('lifecycle');
const REVOKE_AT_ONCE = { [LifecycleTag.drainMaxWaitSeconds]: '0', [LifecycleTag.whenStillInUse]: 'revoke' };
let counter = 0;

/** The password that must authenticate after every statement; a violation is recorded, not thrown (the hook runs in the server). */
let mustAuthenticate: { user: string; password: string } | undefined;
const violations: string[] = [];

beforeAll(async () => {
  [stack, double] = await Promise.all([startLocalStack(), Mysql8Double.start()]);
  const coordinator = await import('../../functions/coordinator/handler');
  handlers = {
    [LOCAL_COORDINATOR_FUNCTION_ARN]: coordinator.handler,
    [LOCAL_ROTATION_FUNCTION_ARN]: stack.rotationHandler,
  };
  double.hooks.afterStatement = ({ sql }) => {
    if (mustAuthenticate && !double.accepts(mustAuthenticate.user, mustAuthenticate.password)) {
      violations.push(
        `AWSCURRENT of ${mustAuthenticate.user} stopped authenticating after: ${sql.replace(/'[^']*'/g, "'…'")}`,
      );
    }
  };
});
afterAll(async () => {
  await Promise.all([stack.stop(), double.stop()]);
});
beforeEach(() => {
  violations.length = 0;
  mustAuthenticate = undefined;
});

const runLifecycle = (secretArn: string, taskOverrides?: Record<string, LambdaHandler>) =>
  runTestExecution(stack, lifecycle, { secretArn, trigger: 'on-demand' }, handlers, taskOverrides);

/** A single-user MySQL 8 secret that rotated once; every password it ever had, oldest first. */
async function givenRotatedSecret(extra = ''): Promise<{ arn: string; user: string; passwords: string[] }> {
  const user = `dual_${++counter}`;
  const initial = `initial-${counter}-pw`;
  await double.admin(`CREATE USER '${user}'@'%' IDENTIFIED BY '${initial}' ${extra}`);
  await double.admin(`GRANT APPLICATION_PASSWORD_ADMIN ON *.* TO '${user}'@'%'`);
  const secret = await createSecret(stack.client, `lifecycle/mysql8/${counter}`, double.secretValue(user, initial), {
    [ManagementTag.managed]: 'true',
    ...REVOKE_AT_ONCE,
  });
  expect(await rotateAndWait(stack, secret.arn)).toMatchObject({ succeeded: true });
  const current = await jsonAt<DbSecret>(stack.client, secret.arn, 'AWSCURRENT');
  return { arn: secret.arn, user, passwords: [initial, current.password] };
}

async function currentPassword(arn: string): Promise<string> {
  return (await jsonAt<DbSecret>(stack.client, arn, 'AWSCURRENT')).password;
}

/**
 * The real Verify, after the rotation it checks has ended: from then on the new AWSCURRENT is the
 * one that must authenticate. With `reject`, Verify sees it refused once (a definite rejection),
 * so the lifecycle rolls back to the previous one.
 */
function trackingVerify(secretArn: string, user: string, reject = false): LambdaHandler {
  return async (input) => {
    const { FunctionName, Payload } = input as { FunctionName: string; Payload: { rotation: { id: string } } };
    await stack.secretsManager.waitForRotation(secretArn, Payload.rotation.id, 30_000);
    let refusals = reject ? 1 : 0;
    double.hooks.refuseLogin = (login) => {
      if (login !== user || refusals === 0) return undefined;
      refusals--;
      return ServerErrors.accessDenied({ user, host: '127.0.0.1' }, true);
    };
    mustAuthenticate = undefined;
    try {
      return { Payload: await (handlers[FunctionName] as LambdaHandler)(Payload) };
    } finally {
      delete double.hooks.refuseLogin;
      // After Verify (or its rollback), AWSCURRENT is what the secret says now.
      mustAuthenticate = { user, password: await currentPassword(secretArn) };
    }
  };
}

/** Which of `passwords` log in, by position (never the values: a failed assertion must not print a password). */
function onlyCurrentAuthenticates(user: string, passwords: readonly string[], current: string): void {
  const accepted = passwords.flatMap((p, i) => (double.accepts(user, p) ? [`passwords[${i}]`] : []));
  expect(accepted).toEqual([`passwords[${passwords.indexOf(current)}]`]);
}

describe('MySQL 8 dual passwords through the lifecycle (rotation function, Verify, Rollback, Revoke)', () => {
  it('after a rollback to a password that is only the secondary, the next rotation keeps it working and revoke leaves only AWSCURRENT', async () => {
    const secret = await givenRotatedSecret();
    const [, p1] = secret.passwords as [string, string];

    mustAuthenticate = { user: secret.user, password: p1 };
    const rejected = await runLifecycle(secret.arn, { Verify: trackingVerify(secret.arn, secret.user, true) });
    expect(rejected).toMatchObject({ status: 'FAILED', error: 'NewCredentialRejectedError' });
    expect(rejected.audit).toContain(AuditEventType.RolledBack);
    expect(await currentPassword(secret.arn)).toBe(p1);
    const stages = await stagesOf(stack.client, secret.arn);
    const p2VersionId = Object.entries(stages).find(([, s]) => s.includes('AWSPREVIOUS'))?.[0] as string;
    const p2 = (
      await stack.client.send(
        new (await import('@aws-sdk/client-secrets-manager')).GetSecretValueCommand({
          SecretId: secret.arn,
          VersionId: p2VersionId,
        }),
      )
    ).SecretString as string;
    const p2Password = (JSON.parse(p2) as DbSecret).password;
    // The rolled-back state: AWSCURRENT (P1) works only as the server's secondary password.
    expect(double.passwordRole(secret.user, p1)).toBe('secondary');
    expect(double.passwordRole(secret.user, p2Password)).toBe('primary');

    mustAuthenticate = { user: secret.user, password: p1 };
    const next = await runLifecycle(secret.arn, { Verify: trackingVerify(secret.arn, secret.user) });
    expect({ status: next.status, error: next.error, cause: next.cause }).toMatchObject({ status: 'SUCCEEDED' });
    expect(next.audit).toContain(AuditEventType.Revoked);
    const p3 = await currentPassword(secret.arn);
    expect(violations).toEqual([]);
    onlyCurrentAuthenticates(secret.user, [...secret.passwords, p2Password, p3], p3);
  });

  it('never locks an account that allows one failed login: the whole lifecycle, its revoke task included', async () => {
    const secret = await givenRotatedSecret('FAILED_LOGIN_ATTEMPTS 1 PASSWORD_LOCK_TIME UNBOUNDED');

    const run = await runLifecycle(secret.arn);

    expect({ status: run.status, error: run.error, cause: run.cause }).toMatchObject({ status: 'SUCCEEDED' });
    expect(run.audit).toContain(AuditEventType.Revoked);
    const current = await currentPassword(secret.arn);
    expect(double.account(secret.user)?.lockedSinceMs).toBeUndefined();
    const session = await double.connect(secret.user, current);
    await session.end();
    onlyCurrentAuthenticates(secret.user, [...secret.passwords, current], current);
  });

  it('after a crash at setSecret and a cleared AWSPENDING, the next rotation keeps AWSCURRENT working and revoke leaves only AWSCURRENT', async () => {
    const secret = await givenRotatedSecret();
    const [, p1] = secret.passwords as [string, string];
    mustAuthenticate = { user: secret.user, password: p1 };

    // A rotation whose setSecret changed the password, then lost the connection before it could
    // say so: the rotation fails, AWSPENDING (P2) stays, and the server has P2 as its primary.
    double.hooks.beforeStatement = ({ sql }) => (/RETAIN CURRENT PASSWORD/.test(sql) ? 'cut-after' : undefined);
    const stuck = await rotateAndWait(stack, secret.arn);
    delete double.hooks.beforeStatement;
    expect(stuck).toMatchObject({ succeeded: false, failedStep: 'setSecret', errorName: 'TargetUnreachableError' });
    const p2 = (await jsonAt<DbSecret>(stack.client, secret.arn, 'AWSPENDING')).password;
    expect(double.passwordRole(secret.user, p2)).toBe('primary');
    // The operator clears the stuck AWSPENDING: P2 is now an unlabelled version.
    await stack.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: secret.arn,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: stuck.token,
      }),
    );

    const next = await runLifecycle(secret.arn, { Verify: trackingVerify(secret.arn, secret.user) });
    expect({ status: next.status, error: next.error, cause: next.cause }).toMatchObject({ status: 'SUCCEEDED' });
    const p3 = await currentPassword(secret.arn);
    expect(violations).toEqual([]);
    onlyCurrentAuthenticates(secret.user, [...secret.passwords, p2, p3], p3);
  });
});
