import { randomUUID } from 'node:crypto';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  AuditEventType,
  EMERGENCY_REPLICA_SYNC_MAX_WAIT_SECONDS,
  LifecycleTag,
  REPLICA_SYNC_CHECK_INTERVAL_SECONDS,
} from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import { LOCAL_ROTATION_FUNCTION_ARN, startLocalStack, type LocalStack } from '../../local/stack';
import { loadStateMachine, LOCAL_COORDINATOR_FUNCTION_ARN } from '../../local/stepfunctions/definitions';
import type { LambdaHandler } from '../../local/stepfunctions/runner';
import { rotateAndWait, stagesOf } from '../support/secrets';
import { runTestExecution } from '../support/state-machine-run';

/**
 * The lifecycle state machine on a secret replicated to two regions, with the real handlers and the real SDK
 * against the local Secrets Manager (replicas read through clients for their regions): Verify reads each replica
 * region; a replica that does not serve the new AWSCURRENT holds the run in the ReplicaWait loop, and one that
 * never does within the policy's wait keeps the old credential (no grace, drain or revoke) and alerts.
 */

let stack: LocalStack;
let handlers: Record<string, LambdaHandler>;
const lifecycle = loadStateMachine('lifecycle');
const REGIONS = ['eu-west-1', 'ap-south-1'];

beforeAll(async () => {
  stack = await startLocalStack({});
  const coordinator = await import('../../functions/coordinator/handler');
  handlers = {
    [LOCAL_COORDINATOR_FUNCTION_ARN]: coordinator.handler,
    [LOCAL_ROTATION_FUNCTION_ARN]: stack.rotationHandler,
  };
});
afterAll(() => stack.stop());

async function givenReplicatedApiKey(tags: Record<string, string> = {}): Promise<string> {
  const created = await stack.client.send(
    new CreateSecretCommand({
      Name: `api/replicated/${randomUUID()}`,
      SecretString: 'sk_live_replicated_start_value_0123',
      Tags: Object.entries({
        [ManagementTag.managed]: 'true',
        'keyturn:strategy': 'random',
        [LifecycleTag.graceSeconds]: '0',
        [LifecycleTag.drainMaxWaitSeconds]: '0',
        [LifecycleTag.whenStillInUse]: 'revoke',
        ...tags,
      }).map(([Key, Value]) => ({ Key, Value })),
      AddReplicaRegions: REGIONS.map((Region) => ({ Region })),
    }),
  );
  const arn = created.ARN as string;
  expect(await rotateAndWait(stack, arn)).toMatchObject({ succeeded: true });
  return arn;
}

/** The real Lambda handler behind a Lambda-invoke state, after `before` has run. */
function after(before: (payload: { rotation: { id: string } }) => Promise<void> | void): LambdaHandler {
  return async (input) => {
    const { FunctionName, Payload } = input as { FunctionName: string; Payload: { rotation: { id: string } } };
    await before(Payload);
    return { Payload: await (handlers[FunctionName] as LambdaHandler)(Payload) };
  };
}

const auditOf = (executionArn: string) =>
  stack.eventBridge.events().filter((e) => e.busName === stack.auditBusName && e.detail.executionArn === executionArn);

async function currentIn(region: string, arn: string): Promise<string | undefined> {
  const client = new SecretsManagerClient({ endpoint: stack.secretsManager.endpoint, region });
  try {
    return (await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }))).VersionId;
  } finally {
    client.destroy();
  }
}

it('goes straight on when every replica serves the new AWSCURRENT at Verify, and revokes', async () => {
  const arn = await givenReplicatedApiKey();

  const result = await runTestExecution(stack, lifecycle, { secretArn: arn, trigger: 'on-demand' }, handlers);

  expect(result.status).toBe('SUCCEEDED');
  expect(result.history).toEqual(expect.arrayContaining(['Verify', 'ReplicaInSync', 'Grace', 'Revoke', 'Rotated']));
  expect(result.history).not.toContain('ReplicaWait');
  const current = (result.output as { verify: { currentVersionId: string } }).verify.currentVersionId;
  for (const region of REGIONS)
    expect(await currentIn(region, arn.replace(':us-east-1:', `:${region}:`))).toBe(current);
});

it('waits while a replica lags behind the new AWSCURRENT, then goes on once it serves it', async () => {
  const arn = await givenReplicatedApiKey();
  let checks = 0;

  const result = await runTestExecution(stack, lifecycle, { secretArn: arn, trigger: 'on-demand' }, handlers, {
    // The rotation has finished (AWSCURRENT moved) when Verify runs: ap-south-1 stalls before it gets the move.
    Verify: after(async ({ rotation }) => {
      await stack.secretsManager.waitForRotation(arn, rotation.id, 30_000);
      stack.secretsManager.setReplicaStatus(arn, 'ap-south-1', 'InProgress');
    }),
    // Replication resumes before the second check.
    ReplicaSync: after(() => {
      if (++checks === 2) stack.secretsManager.setReplicaStatus(arn, 'ap-south-1', 'InSync');
    }),
  });

  expect(result.status).toBe('SUCCEEDED');
  expect(result.history.filter((state) => state === 'ReplicaSync')).toHaveLength(2);
  expect(result.history.indexOf('Revoke')).toBeGreaterThan(result.history.lastIndexOf('ReplicaSync'));
  expect(result.history.at(-1)).toBe('Rotated');
});

it('keeps the old credential and alerts when a replica does not serve the new AWSCURRENT within the wait', async () => {
  const arn = await givenReplicatedApiKey({ [LifecycleTag.replicaSyncMaxWaitSeconds]: '60' });

  const result = await runTestExecution(stack, lifecycle, { secretArn: arn, trigger: 'on-demand' }, handlers, {
    Verify: after(async ({ rotation }) => {
      await stack.secretsManager.waitForRotation(arn, rotation.id, 30_000);
      stack.secretsManager.setReplicaStatus(arn, 'ap-south-1', 'Failed', 'Access to KMS is not allowed');
    }),
  });

  expect(result.status).toBe('SUCCEEDED');
  expect(result.history).not.toContain('Grace');
  expect(result.history).not.toContain('Revoke');
  // 60 s of waiting at 30 s per check: two checks after Verify's.
  expect(result.history.filter((state) => state === 'ReplicaSync')).toHaveLength(2);
  expect(result.history.at(-1)).toBe('RotatedOldCredentialKeptForReplicas');
  const previousVersionId = (result.output as { preflight: { currentVersionId: string } }).preflight.currentVersionId;
  // The old version keeps its label and was never revoked: the failed region may still hand it out.
  expect((await stagesOf(stack.client, arn))[previousVersionId]).toEqual(['AWSPREVIOUS']);

  const audit = auditOf(result.executionArn);
  expect(audit.map((e) => e.detailType)).toEqual([
    AuditEventType.Started,
    AuditEventType.Verified,
    AuditEventType.ReplicasNotInSync,
    AuditEventType.LeftInUse,
    AuditEventType.Completed,
  ]);
  expect(audit[2]?.detail).toMatchObject({ lagging: ['ap-south-1 Failed'], regions: 1, waitedSeconds: 60 });
  const alert = stack.sns.messages().find((m) => m.message.includes(result.executionArn));
  expect(alert?.subject).toContain('replicas not in sync');
  expect(alert?.message).toContain('ap-south-1 Failed');
  expect(JSON.stringify([audit, alert])).not.toContain('sk_live');
});

it('refuses to revoke when a replica fell out of sync after the wait, and alerts', async () => {
  const arn = await givenReplicatedApiKey();

  const result = await runTestExecution(stack, lifecycle, { secretArn: arn, trigger: 'on-demand' }, handlers, {
    Revoke: after(() => {
      stack.secretsManager.setReplicaStatus(arn, 'eu-west-1', 'Failed', 'Access to KMS is not allowed');
    }),
  });

  expect(result).toMatchObject({ status: 'FAILED', error: 'ReplicasNotInSyncError' });
  expect(result.history).toEqual(expect.arrayContaining(['Revoke', 'RevokeFailed', 'ReportFailure']));
  // The old version is still AWSPREVIOUS: nothing took its label, and the revoke never ran.
  const stages = await stagesOf(stack.client, arn);
  expect(Object.values(stages).flat().sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);
  const alert = stack.sns.messages().find((m) => m.message.includes(result.executionArn));
  expect(alert?.message).toContain('ReplicasNotInSyncError');
  expect(alert?.message).toContain('eu-west-1 Failed');
});

it('the emergency waits for lagging replicas at most its bound, then revokes anyway', async () => {
  const arn = await givenReplicatedApiKey();

  const result = await runTestExecution(
    stack,
    loadStateMachine('emergency'),
    { secretArn: arn, trigger: 'emergency', reason: 'INC-7: key pasted in a public channel' },
    handlers,
    {
      Verify: after(async ({ rotation }) => {
        await stack.secretsManager.waitForRotation(arn, rotation.id, 30_000);
        stack.secretsManager.setReplicaStatus(arn, 'eu-west-1', 'Failed', 'Access to KMS is not allowed');
      }),
    },
  );

  expect(result.status).toBe('SUCCEEDED');
  expect(result.history.filter((state) => state === 'ReplicaSync')).toHaveLength(
    EMERGENCY_REPLICA_SYNC_MAX_WAIT_SECONDS / REPLICA_SYNC_CHECK_INTERVAL_SECONDS,
  );
  expect(result.history.slice(-4)).toEqual(['Revoke', 'NotifyConsumers', 'NotifyConsumersRefreshNeeded', 'Rotated']);
});

it("the definitions' replica waits match the tasks' constants", () => {
  const states = (name: 'lifecycle' | 'emergency') =>
    (
      loadStateMachine(name) as {
        States: Record<string, { Seconds?: number; Choices?: { NumericLessThan?: number }[] }>;
      }
    ).States;
  expect(states('lifecycle').ReplicaWait?.Seconds).toBe(REPLICA_SYNC_CHECK_INTERVAL_SECONDS);
  expect(states('emergency').ReplicaWait?.Seconds).toBe(REPLICA_SYNC_CHECK_INTERVAL_SECONDS);
  expect(states('emergency').ReplicaInSync?.Choices?.[1]?.NumericLessThan).toBe(
    EMERGENCY_REPLICA_SYNC_MAX_WAIT_SECONDS,
  );
});

it('a dry run plans the replica sync with the regions pre-flight found, changing nothing', async () => {
  const arn = await givenReplicatedApiKey({ [LifecycleTag.replicaSyncMaxWaitSeconds]: '300' });
  const before = await stagesOf(stack.client, arn);

  const result = await runTestExecution(
    stack,
    lifecycle,
    { secretArn: arn, trigger: 'on-demand', dryRun: true },
    handlers,
  );

  expect(result.status).toBe('SUCCEEDED');
  const plan = (result.output as { plan: { steps: string[]; settings: { replicaSync: unknown } } }).plan;
  expect(plan.settings.replicaSync).toEqual({ maxWaitSeconds: 300, replicaRegions: REGIONS });
  expect(plan.steps).toContainEqual(expect.stringMatching(/^replica sync: wait up to 300 s .*eu-west-1, ap-south-1/));
  expect(await stagesOf(stack.client, arn)).toEqual(before);
});
