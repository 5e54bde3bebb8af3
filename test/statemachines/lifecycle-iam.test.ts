import { UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { DescribeSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { AuditEventType, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import { IamTag } from '../../functions/strategies/iam/options';
import type { LocalIam } from '../../local/iam';
import { LOCAL_ROTATION_FUNCTION_ARN, startLocalStack, type LocalStack } from '../../local/stack';
import { LOCAL_COORDINATOR_FUNCTION_ARN, loadStateMachine } from '../../local/stepfunctions/definitions';
import type { LambdaHandler } from '../../local/stepfunctions/runner';
import { localIamEndpoint, signWith, type IamEndpoint } from '../support/iam-endpoint';
import { runTestExecution } from '../support/state-machine-run';
import { createSecret, jsonAt, stagesOf } from '../support/secrets';

/**
 * The lifecycle state machine around an iam-access-key secret, with the real coordinator and
 * rotation function against keyturn's local IAM + STS (SigV4-verifying): rotate, verify, grace 0,
 * drain, revoke (deactivate), and the old key's signature refused; a rollback when the new key is
 * refused. IAM's propagation delays are on (knobs, not wall-clock assertions), so Verify and the
 * revoke's confirmation wait for the key changes to spread as they must on AWS.
 */

let stack: LocalStack;
let localIam: LocalIam;
let iam: IamEndpoint;
let handlers: Record<string, LambdaHandler>;
const lifecycle = loadStateMachine('lifecycle');
const REVOKE_AT_ONCE = {
  [LifecycleTag.graceSeconds]: '0',
  [LifecycleTag.drainMaxWaitSeconds]: '0',
  [LifecycleTag.whenStillInUse]: 'revoke',
};

beforeAll(async () => {
  stack = await startLocalStack({ iam: true });
  localIam = stack.iam as LocalIam;
  iam = localIamEndpoint(localIam);
  // The coordinator builds its clients at import: only now does the environment point at the stack.
  const coordinator = await import('../../functions/coordinator/handler');
  handlers = {
    [LOCAL_COORDINATOR_FUNCTION_ARN]: coordinator.handler,
    [LOCAL_ROTATION_FUNCTION_ARN]: stack.rotationHandler,
  };
});
afterAll(async () => {
  await iam.stop();
  await stack.stop();
});
afterEach(() => {
  localIam.setKeyActivationDelay(0);
  localIam.setKeyRevocationDelay(0);
});

let counter = 0;
interface Key {
  readonly id: string;
  readonly secret: string;
}

/**
 * An IAM user with one key, stored in a managed secret whose rotation is enabled through Secrets
 * Manager's configuration test (RotateImmediately=false: testSecret only, no new key), so the
 * lifecycle's own rotation is the first and the user has a free key slot.
 */
async function givenIamSecret(): Promise<{ arn: string; user: string; key: Key }> {
  const user = `lc-app-${++counter}`;
  localIam.createUser(user);
  const issued = localIam.createAccessKey(user);
  const key = { id: issued.accessKeyId, secret: issued.secretAccessKey };
  const secret = await createSecret(
    stack.client,
    `lifecycle/iam/${user}`,
    JSON.stringify({ accessKeyId: key.id, secretAccessKey: key.secret, userName: user }),
    { [ManagementTag.managed]: 'true', 'keyturn:strategy': 'iam-access-key', ...REVOKE_AT_ONCE },
  );
  const out = await stack.client.send(
    new RotateSecretCommand({
      SecretId: secret.arn,
      RotationLambdaARN: LOCAL_ROTATION_FUNCTION_ARN,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    }),
  );
  expect(await stack.secretsManager.waitForRotation(secret.arn, out.VersionId, 30_000)).toMatchObject({
    outcome: 'succeeded',
    mode: 'test-only',
  });
  return { arn: secret.arn, user, key };
}

const userArn = (user: string) => `arn:aws:iam::${iam.account}:user/${user}`;
const statusOf = (user: string) =>
  Object.fromEntries(localIam.accessKeys({ userName: user }).map((k) => [k.accessKeyId, k.status]));

it('rotates, verifies, revokes after grace 0 and drain: the new key signs as the user, the old one is refused', async () => {
  const secret = await givenIamSecret();
  // IAM's eventual consistency: a new key refused for a while, a deactivated one accepted for a while
  // (each far longer than the steps between the change and the first signature that meets it).
  localIam.setKeyActivationDelay(2_000);
  localIam.setKeyRevocationDelay(2_000);

  const result = await runTestExecution(stack, lifecycle, { secretArn: secret.arn, trigger: 'on-demand' }, handlers);

  expect(result).toMatchObject({ status: 'SUCCEEDED', output: { revoke: { status: 'revoked' } } });
  expect(result.audit).toEqual([
    AuditEventType.Started,
    AuditEventType.Verified,
    AuditEventType.SecretRotated,
    AuditEventType.UsageChecked,
    AuditEventType.Revoked,
    AuditEventType.Completed,
  ]);
  const fresh = await jsonAt<{ accessKeyId: string; secretAccessKey: string }>(stack.client, secret.arn, 'AWSCURRENT');
  expect(statusOf(secret.user)).toEqual({ [secret.key.id]: 'Inactive', [fresh.accessKeyId]: 'Active' });
  expect(await signWith(iam, { id: fresh.accessKeyId, secret: fresh.secretAccessKey })).toEqual({
    arn: userArn(secret.user),
  });
  expect(await signWith(iam, secret.key)).toEqual({ refused: 'InvalidClientTokenId' });
  // The new key was refused while it propagated, and accepted from then on.
  const newKeyOutcomes = localIam.authentications(fresh.accessKeyId).map((a) => a.outcome);
  expect(newKeyOutcomes).toContain('InvalidClientTokenId');
  expect(newKeyOutcomes.at(-1)).toBe('accepted');
  // The revoke's audit event dates the quarantine: the key is deactivated, not deleted.
  const revoked = result.auditDetails[4] as { detail: string };
  expect(revoked.detail).toContain(`${secret.key.id} of IAM user "${secret.user}" is inactive`);
  // No secret access key reaches the execution history or the audit trail.
  const everything = JSON.stringify([result.events, result.auditDetails]);
  expect(everything).not.toContain(fresh.secretAccessKey);
  expect(everything).not.toContain(secret.key.secret);
});

it('rolls back when the new key is refused at Verify: the old key stays current and signs as the user', async () => {
  const secret = await givenIamSecret();
  const verifyAfterSabotage: LambdaHandler = async (input) => {
    const { Payload } = input as { Payload: { rotation: { id: string } } };
    await stack.secretsManager.waitForRotation(secret.arn, Payload.rotation.id, 30_000);
    // Someone's cleanup script deactivates the brand-new key before Verify signs with it.
    const fresh = await jsonAt<{ accessKeyId: string }>(stack.client, secret.arn, 'AWSCURRENT');
    await iam.admin.send(
      new UpdateAccessKeyCommand({
        UserName: secret.user,
        AccessKeyId: fresh.accessKeyId,
        Status: 'Inactive',
      }),
    );
    // A Verify function with 5 s left: it retries the refused key for 2 s (as for propagation), then answers.
    const end = Date.now() + 5_000;
    return { Payload: await stack.rotationHandler(Payload, { getRemainingTimeInMillis: () => end - Date.now() }) };
  };

  const result = await runTestExecution(stack, lifecycle, { secretArn: secret.arn, trigger: 'on-demand' }, handlers, {
    Verify: verifyAfterSabotage,
  });

  expect(result).toMatchObject({ status: 'FAILED', error: 'NewCredentialRejectedError' });
  expect(result.history).toContain('Rollback');
  expect(result.audit).toEqual([AuditEventType.Started, AuditEventType.RolledBack, AuditEventType.Failed]);
  const current = await jsonAt<{ accessKeyId: string }>(stack.client, secret.arn, 'AWSCURRENT');
  expect(current.accessKeyId).toBe(secret.key.id);
  expect(await signWith(iam, secret.key)).toEqual({ arn: userArn(secret.user) });
  expect(statusOf(secret.user)[secret.key.id]).toBe('Active');
  expect(
    Object.values(await stagesOf(stack.client, secret.arn))
      .flat()
      .sort(),
  ).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
});

it('an emergency dry run over a key someone already deactivated plans the rotation and prepares nothing', async () => {
  const secret = await givenIamSecret();
  const emergency = loadStateMachine('emergency');
  // Whoever spotted the leak deactivated the key: a real emergency run would first mark the secret (a tag).
  await iam.admin.send(
    new UpdateAccessKeyCommand({ UserName: secret.user, AccessKeyId: secret.key.id, Status: 'Inactive' }),
  );
  const before = await stack.client.send(new DescribeSecretCommand({ SecretId: secret.arn }));

  const result = await runTestExecution(
    stack,
    emergency,
    { secretArn: secret.arn, trigger: 'emergency', reason: 'INC-77: key in a gist', dryRun: true },
    handlers,
  );

  expect(result).toMatchObject({
    status: 'SUCCEEDED',
    output: { plan: { strategy: 'iam-access-key', emergency: true, currentCredentialAuthenticates: false } },
  });
  expect(result.history.at(-1)).toBe('DryRunComplete');
  expect(result.audit).toEqual([]);
  const after = await stack.client.send(new DescribeSecretCommand({ SecretId: secret.arn }));
  expect(after.Tags?.map((tag) => tag.Key)).not.toContain(IamTag.emergency);
  expect({ tags: after.Tags, stages: after.VersionIdsToStages }).toEqual({
    tags: before.Tags,
    stages: before.VersionIdsToStages,
  });
  expect(statusOf(secret.user)).toEqual({ [secret.key.id]: 'Inactive' });
});
