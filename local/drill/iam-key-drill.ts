import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { IamTag } from '../../functions/strategies/iam/options';
import { STRATEGY_TAG } from '../../functions/strategies/tag-options';
import type { LocalIam } from '../iam';
import type { LambdaHandler } from '../stepfunctions/runner';
import type { LocalStack } from '../stack';
import { runExecution, type ExecutionReport } from './lifecycle-drill';
import type { SecretReport } from './report';
import { onPrevious, revokePrevious, rotate, secretArn, value } from './secret-rotation';

const EXPORTER_KEY = 'iam/billing-exporter';
const EXPORTER_USER = 'billing-exporter';
/** IAM's eventual consistency, as the local IAM's knobs play it: a new key works, and a deactivated one stops, this late. */
const PROPAGATION_MS = 1_500;

interface KeyValue {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** sts:GetCallerIdentity signed with `key` at the local STS, once: the ARN it answers, or the error's name. */
async function signAs(iam: LocalIam, key: KeyValue): Promise<{ arn: string } | { refused: string }> {
  const sts = new STSClient({
    endpoint: iam.stsEndpoint,
    region: iam.region,
    maxAttempts: 1,
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
  });
  try {
    return { arn: (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '' };
  } catch (error) {
    return { refused: error instanceof Error ? error.name : 'unknown error' };
  } finally {
    sts.destroy();
  }
}

/**
 * An IAM user's access key (`iam-access-key`) rotated at the local IAM, which verifies every request's
 * SigV4 signature against the key's secret: one new key created, both working after the rotation (the
 * grace window), then the lifecycle's Revoke task (the rotation function, invoked as the state machine
 * does) deactivates the old key, and STS refuses a request signed with it. New keys take 1.5 s to
 * work and deactivated ones 1.5 s to stop, as IAM's changes take time to spread.
 */
export async function drillIamAccessKey(stack: LocalStack, iam: LocalIam): Promise<SecretReport> {
  const user = iam.createUser(EXPORTER_USER);
  const first = iam.createAccessKey(EXPORTER_USER);
  iam.setKeyActivationDelay(PROPAGATION_MS);
  iam.setKeyRevocationDelay(PROPAGATION_MS);
  try {
    return await rotateAndRevoke(stack, iam, user.arn, first);
  } finally {
    iam.setKeyActivationDelay(0);
    iam.setKeyRevocationDelay(0);
  }
}

async function rotateAndRevoke(
  stack: LocalStack,
  iam: LocalIam,
  userArn: string,
  first: KeyValue,
): Promise<SecretReport> {
  return rotate(stack, {
    name: EXPORTER_KEY,
    strategy: 'iam-access-key',
    value: JSON.stringify({ ...first, userName: EXPORTER_USER }),
    tags: {
      [STRATEGY_TAG]: 'iam-access-key',
      // No quarantine and no drain wait, so that the lifecycle can run on this secret right after.
      [IamTag.quarantineSeconds]: '0',
      [LifecycleTag.drainMaxWaitSeconds]: '0',
      [LifecycleTag.whenStillInUse]: 'revoke',
    },
    checks: async (currentValue, previousValue) => {
      const current = JSON.parse(currentValue) as KeyValue;
      const previous = JSON.parse(previousValue) as KeyValue;
      const keysAfterRotation = iam.accessKeys({ userName: EXPORTER_USER });
      const newKeyRefusedFirst = iam.authentications(current.accessKeyId)[0]?.outcome === 'InvalidClientTokenId';
      const newSigns = await signAs(iam, current);
      const oldSignsDuringGrace = await signAs(iam, previous);
      // That call is a client's: the drain finds it in the (local) CloudTrail event history.
      const drained = (await onPrevious(stack, EXPORTER_KEY, 'drain')).output as { inUse?: unknown; evidence?: string };
      const arn = await revokePrevious(stack, EXPORTER_KEY);
      const oldAfterRevoke = await signAs(iam, previous);
      const oldRecord = iam.accessKey(previous.accessKeyId);
      const tags = (await stack.client.send(new DescribeSecretCommand({ SecretId: arn }))).Tags ?? [];
      const quarantine = tags.find((t) => t.Key === IamTag.deactivated)?.Value;
      return [
        {
          passed:
            keysAfterRotation.length === 2 &&
            keysAfterRotation.every((k) => k.status === 'Active') &&
            current.accessKeyId !== first.accessKeyId &&
            previous.accessKeyId === first.accessKeyId,
          text: 'IAM issued exactly one new key (the two-key quota); AWSCURRENT holds it, AWSPREVIOUS the old one',
        },
        {
          passed: newKeyRefusedFirst,
          text: `testSecret retried while the new key propagated (${PROPAGATION_MS} ms): STS refused it at first`,
        },
        {
          passed: 'arn' in newSigns && newSigns.arn === userArn,
          text: `the new key signs sts:GetCallerIdentity as ${userArn}`,
        },
        {
          passed: 'arn' in oldSignsDuringGrace && oldSignsDuringGrace.arn === userArn,
          text: 'the old key still signs as the user during the grace window',
        },
        {
          passed:
            drained.inUse === true && /CloudTrail event history .*sts:GetCallerIdentity/.test(drained.evidence ?? ''),
          text:
            "the drain finds that call in the CloudTrail event history (keyturn's own checks left out): " +
            `in use: ${String(drained.inUse)}`,
        },
        {
          passed:
            'refused' in oldAfterRevoke &&
            oldAfterRevoke.refused === 'InvalidClientTokenId' &&
            oldRecord?.status === 'Inactive',
          text:
            "after the lifecycle's revoke the old key is Inactive (quarantined, not deleted) and STS refuses its " +
            `signature: ${'refused' in oldAfterRevoke ? oldAfterRevoke.refused : 'accepted'}`,
        },
        {
          passed: quarantine?.startsWith(`${previous.accessKeyId} `) === true,
          text: 'the quarantine start is dated on the secret (keyturn:iam-deactivated): a later rotation deletes the key',
        },
        { passed: 'arn' in (await signAs(iam, current)), text: 'the new key still works' },
      ];
    },
  });
}

/**
 * The lifecycle state machine on the same secret: its createSecret deletes the key the drill's revoke
 * deactivated (quarantine 0 s here; 7 days by default), then verify, grace, drain and revoke deactivate
 * the key it replaced, whose signature STS then refuses.
 */
export async function drillIamLifecycle(
  stack: LocalStack,
  iam: LocalIam,
  handlers: Record<string, LambdaHandler>,
): Promise<ExecutionReport> {
  const arn = await secretArn(stack.client, EXPORTER_KEY);
  const before = JSON.parse(await value(stack.client, arn, 'AWSCURRENT')) as KeyValue;
  const quarantined = JSON.parse(await value(stack.client, arn, 'AWSPREVIOUS')) as KeyValue;
  return runExecution(
    stack,
    handlers,
    'lifecycle',
    `${EXPORTER_KEY} (lifecycle, on demand)`,
    { secretArn: arn, trigger: 'on-demand' },
    async () => {
      const after = JSON.parse(await value(stack.client, arn, 'AWSCURRENT')) as KeyValue;
      const signed = await signAs(iam, after);
      const replaced = await signAs(iam, before);
      return [
        {
          passed: iam.accessKey(quarantined.accessKeyId) === undefined,
          text: 'createSecret deleted the key the last revoke deactivated (its quarantine over, unused since)',
        },
        {
          passed: 'arn' in signed && after.accessKeyId !== before.accessKeyId,
          text: `the new key signs as ${'arn' in signed ? signed.arn : 'nobody'}`,
        },
        {
          passed: 'refused' in replaced && iam.accessKey(before.accessKeyId)?.status === 'Inactive',
          text: `the key it replaced is Inactive and STS refuses its signature (${'refused' in replaced ? replaced.refused : 'accepted'})`,
        },
      ];
    },
  );
}
