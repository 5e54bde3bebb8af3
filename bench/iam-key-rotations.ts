import { DeleteAccessKeyCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { performance } from 'node:perf_hooks';
import { STRATEGY_TAG } from '../functions/strategies/tag-options';
import { rotateNow } from '../local/rotate-now';
import { startLocalStack } from '../local/stack';
import { measureInChild, reportToParentWhenChild } from './bench-child';
import { quantile, round } from './stats';

const WARMUP_ROTATIONS = 3;
const ROTATIONS = 25;
const USER = 'bench-app';

export interface IamKeyBenchResult {
  readonly iam_key_p50_ms: number;
  readonly iam_key_p95_ms: number;
}

/**
 * iam_key_p50_ms / _p95_ms: full four-step rotations of an IAM user's access key against keyturn's local
 * IAM + STS on loopback (every request SigV4-verified), the real rotation handler in process: RotateSecret
 * on the local Secrets Manager until finishSecret returned (list keys, create one, store it, GetCallerIdentity
 * signed with the new key). No propagation delay: AWS's own (seconds) is not a cost of keyturn's. Between
 * rotations, outside the timing, the old key is deleted as the lifecycle's revoke and quarantine would in
 * the end (a user holds two keys at most). Runs in a process of its own: the handler builds its SDK
 * clients once per process, as in Lambda, and the local stack sets the SDK's credentials to the IAM's admin.
 */
export function measureIamKeyRotations(): Promise<IamKeyBenchResult> {
  return measureInChild<IamKeyBenchResult>(__filename, 'iam-access-key');
}

async function run(): Promise<IamKeyBenchResult> {
  const stack = await startLocalStack({ iam: true });
  const iam = stack.iam;
  if (!iam) throw new Error('the local stack did not start the local IAM');
  const admin = new IAMClient({ endpoint: iam.iamEndpoint, region: iam.region, credentials: iam.adminCredentials });
  try {
    iam.createUser(USER);
    const first = iam.createAccessKey(USER);
    const created = await stack.client.send(
      new CreateSecretCommand({
        Name: 'bench/iam-key',
        SecretString: JSON.stringify({ ...first, userName: USER }),
        Tags: [{ Key: STRATEGY_TAG, Value: 'iam-access-key' }],
      }),
    );
    const arn = created.ARN as string;
    const samples: number[] = [];
    for (let i = 0; i < WARMUP_ROTATIONS + ROTATIONS; i++) {
      const t0 = performance.now();
      const record = await rotateNow(stack, arn);
      if (record.outcome !== 'succeeded') {
        throw new Error(`benchmark rotation failed: ${record.error?.name ?? '?'} at ${record.step ?? '?'}`);
      }
      if (i >= WARMUP_ROTATIONS) samples.push(performance.now() - t0);
      // Frees the slot for the next rotation (untimed): the old key, as a finished revoke and quarantine leave it.
      const previous = await stack.client.send(
        new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPREVIOUS' }),
      );
      const { accessKeyId } = JSON.parse(previous.SecretString ?? '{}') as { accessKeyId: string };
      await admin.send(new DeleteAccessKeyCommand({ UserName: USER, AccessKeyId: accessKeyId }));
    }
    return { iam_key_p50_ms: round(quantile(samples, 0.5)), iam_key_p95_ms: round(quantile(samples, 0.95)) };
  } finally {
    admin.destroy();
    await stack.stop();
  }
}

reportToParentWhenChild(run);
