import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { AuditEventType, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import { OptionTag } from '../../functions/strategies/tag-options';
import { rotateNow } from '../rotate-now';
import type { LocalStack } from '../stack';
import type { LambdaHandler } from '../stepfunctions/runner';
import { runExecution, type ExecutionReport } from './lifecycle-drill';
import { value, versions } from './secret-rotation';

const SECRET = 'payments/ledger-api-key';
const REGIONS = ['eu-west-1', 'ap-south-1'] as const;
/** Each change reaches a lagging region this long after the primary has it (real time: the drill waits for it). */
const LAG_MS = 700;
/**
 * The lifecycle's 30 s ReplicaWait, and the grace window, take at most this long: a lagging region catches up
 * within a few checks, and a 60 s replica-sync wait (two checks) is spent in well under a second.
 */
const WAIT_CAP = { maxMs: 300 } as const;

/**
 * Replicated secrets (docs/replicas.md): an API key replicated to two regions, rotated by the lifecycle with the
 * local Secrets Manager's replication lag on. The first run waits for the lagging region (finishSecret until it holds
 * the pending version, then the ReplicaWait loop until it serves the new AWSCURRENT), verifies the value there and
 * revokes; in the second, a region's replication stalls right after the switch: the run keeps the old credential
 * (no revoke) and alerts.
 */
export async function drillReplicas(
  stack: LocalStack,
  handlers: Record<string, LambdaHandler>,
): Promise<ExecutionReport[]> {
  const created = await stack.client.send(
    new CreateSecretCommand({
      Name: SECRET,
      SecretString: 'ldg_initial_value_set_by_hand',
      AddReplicaRegions: REGIONS.map((Region) => ({ Region })),
      Tags: Object.entries({
        [ManagementTag.managed]: 'true',
        [OptionTag.strategy]: 'random',
        [LifecycleTag.graceSeconds]: '0',
        [LifecycleTag.drainMaxWaitSeconds]: '0',
        [LifecycleTag.whenStillInUse]: 'revoke',
      }).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const arn = created.ARN as string;
  await rotateNow(stack, arn); // rotation on, as the policy's deployment leaves it (no lag yet)
  try {
    return [await drillReplicaCatchesUp(stack, handlers, arn), await drillReplicaStalls(stack, handlers, arn)];
  } finally {
    stack.secretsManager.setReplicaStatus(arn, 'ap-south-1', 'InSync');
    for (const region of REGIONS) stack.secretsManager.setReplicationLag(0, region);
  }
}

/** AWSCURRENT in `region` (the replica, read by name through a client for that region), its version and value. */
async function currentIn(stack: LocalStack, region: string) {
  const client = new SecretsManagerClient({ endpoint: stack.secretsManager.endpoint, region });
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: SECRET, VersionStage: 'AWSCURRENT' }));
    return { versionId: out.VersionId, value: out.SecretString };
  } finally {
    client.destroy();
  }
}

const currentVersionOf = async (stack: LocalStack, arn: string): Promise<string | undefined> =>
  (await versions(stack.client, arn)).find((v) => v.stages.includes('AWSCURRENT'))?.versionId;

async function drillReplicaCatchesUp(
  stack: LocalStack,
  handlers: Record<string, LambdaHandler>,
  arn: string,
): Promise<ExecutionReport> {
  stack.secretsManager.setReplicationLag(LAG_MS, 'eu-west-1');
  const report = await runExecution(
    stack,
    handlers,
    'lifecycle',
    `${SECRET} (replicas ${REGIONS.join(', ')}; eu-west-1 ${LAG_MS} ms behind)`,
    { secretArn: arn, trigger: 'on-demand' },
    async () => {
      const version = await currentVersionOf(stack, arn);
      const primary = await value(stack.client, arn, 'AWSCURRENT');
      const regions = await Promise.all(REGIONS.map((region) => currentIn(stack, region)));
      return [
        {
          passed: regions.every((r) => r.versionId === version && r.value === primary),
          text: `${REGIONS.join(' and ')} serve the new AWSCURRENT ${version?.slice(0, 8) ?? '?'} with the primary's value (compared, not shown)`,
        },
      ];
    },
    { wait: WAIT_CAP },
  );
  const { states } = report;
  return {
    ...report,
    checks: [
      ...report.checks,
      {
        passed: states.includes('ReplicaWait') && states.indexOf('Revoke') > states.lastIndexOf('ReplicaSync'),
        text: 'the run waited for eu-west-1 (ReplicaWait > ReplicaSync) and revoked the old key only once it served the new one',
      },
    ],
  };
}

async function drillReplicaStalls(
  stack: LocalStack,
  handlers: Record<string, LambdaHandler>,
  arn: string,
): Promise<ExecutionReport> {
  stack.secretsManager.setReplicationLag(0, 'eu-west-1');
  stack.secretsManager.setReplicationLag(LAG_MS, 'ap-south-1');
  await stack.client.send(
    new TagResourceCommand({ SecretId: arn, Tags: [{ Key: LifecycleTag.replicaSyncMaxWaitSeconds, Value: '60' }] }),
  );
  const before = await currentVersionOf(stack, arn);
  // ap-south-1's replication stalls (the local service holds it InProgress) before the switch reaches it.
  const stallAfterSwitch: LambdaHandler = async (input) => {
    const { FunctionName, Payload } = input as { FunctionName: string; Payload: { rotation: { id: string } } };
    await stack.secretsManager.waitForRotation(arn, Payload.rotation.id, 30_000);
    stack.secretsManager.setReplicaStatus(arn, 'ap-south-1', 'InProgress');
    return { Payload: await (handlers[FunctionName] as LambdaHandler)(Payload) };
  };
  return runExecution(
    stack,
    handlers,
    'lifecycle',
    `${SECRET} (ap-south-1 stalls after the switch; 60 s wait)`,
    { secretArn: arn, trigger: 'on-demand' },
    async () => {
      const stages = Object.fromEntries((await versions(stack.client, arn)).map((v) => [v.versionId, v.stages]));
      const stalled = await currentIn(stack, 'ap-south-1');
      const audit = stack.eventBridge.events().filter((e) => e.detail.secretArn === arn);
      const notInSync = audit.find((e) => e.detailType === AuditEventType.ReplicasNotInSync);
      const alert = stack.sns
        .messages()
        .find((m) => m.subject?.includes('replicas not in sync') && m.message.includes(arn));
      return [
        {
          passed: before !== undefined && stages[before]?.join() === 'AWSPREVIOUS' && stalled.versionId === before,
          text: `the old key (${before?.slice(0, 8) ?? '?'}, what ap-south-1 still serves) kept: AWSPREVIOUS, never revoked`,
        },
        {
          passed:
            JSON.stringify(notInSync?.detail.lagging) === JSON.stringify(['ap-south-1 InProgress']) &&
            alert?.message.includes('ap-south-1') === true,
          text: 'ReplicasNotInSync audited (ap-south-1 InProgress after 60 s) and a warning alert names the region',
        },
      ];
    },
    { wait: WAIT_CAP, taskOverrides: { Verify: stallAfterSwitch } },
  );
}
