import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { performance } from 'node:perf_hooks';
import { startLocalStack } from '../local/stack';
import { loadStateMachine } from '../local/stepfunctions/definitions';
import { runStateMachine } from '../local/stepfunctions/runner';
import { measureInChild, reportToParentWhenChild } from './bench-child';
import { quantile, round } from './stats';

const WARMUP_ROTATIONS = 3;
const ROTATIONS = 25;
const KMS_KEY_FUNCTION = 'arn:aws:lambda:us-east-1:123456789012:function:keyturn-kms-key';

export interface KmsRotationBenchResult {
  readonly kms_rotate_p50_ms: number;
  readonly kms_rotate_p95_ms: number;
}

/**
 * kms_rotate_p50_ms / _p95_ms: one on-demand rotation of a symmetric key by the kms-key state machine (Begin,
 * RotateOnDemand, VerifyOnDemand, Report) with its task function in process, against the local KMS on loopback
 * (KMS completes the rotation at once here; on AWS it takes seconds to minutes). A fresh key per rotation, made
 * untimed: KMS limits on-demand rotations per key. In a process of its own.
 */
export function measureKmsRotations(): Promise<KmsRotationBenchResult> {
  return measureInChild<KmsRotationBenchResult>(__filename, 'kms-key');
}

async function run(): Promise<KmsRotationBenchResult> {
  const stack = await startLocalStack({ kms: true });
  if (!stack.kms) throw new Error('the local stack did not start the local KMS');
  const kms = new KMSClient({ endpoint: stack.kms.endpoint, region: 'us-east-1' });
  try {
    const { handler } = await import('../functions/kms-key/handler');
    const definition = loadStateMachine('kms-key', { KmsKeyFunction: KMS_KEY_FUNCTION });
    const samples: number[] = [];
    for (let i = 0; i < WARMUP_ROTATIONS + ROTATIONS; i++) {
      const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId as string;
      const aliasName = `alias/bench-${i}`;
      await kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: keyId }));
      const t0 = performance.now();
      const result = await runStateMachine(
        definition,
        { entryId: 'bench-key', keyId, aliasName },
        {
          lambdaHandlers: { [KMS_KEY_FUNCTION]: handler },
          context: {
            Execution: { Id: `arn:aws:states:us-east-1:123456789012:execution:bench:${i}`, Name: `bench-${i}` },
          },
        },
      );
      if (result.status !== 'SUCCEEDED') throw new Error(`benchmark rotation failed: ${result.error ?? '?'}`);
      if (i >= WARMUP_ROTATIONS) samples.push(performance.now() - t0);
    }
    return { kms_rotate_p50_ms: round(quantile(samples, 0.5)), kms_rotate_p95_ms: round(quantile(samples, 0.95)) };
  } finally {
    kms.destroy();
    await stack.stop();
  }
}

reportToParentWhenChild(run);
