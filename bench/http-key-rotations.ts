import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { performance } from 'node:perf_hooks';
import { OptionTag, STRATEGY_TAG } from '../functions/strategies/tag-options';
import { SENDGRID_ADMIN_SCOPES, startFakeSendGrid } from '../local/providers/sendgrid';
import { rotateNow } from '../local/rotate-now';
import { startLocalStack } from '../local/stack';
import { measureInChild, reportToParentWhenChild } from './bench-child';
import { quantile, round } from './stats';

const WARMUP_ROTATIONS = 3;
const ROTATIONS = 25;

export interface HttpKeyBenchResult {
  readonly http_key_p50_ms: number;
  readonly http_key_p95_ms: number;
}

/**
 * http_key_p50_ms / _p95_ms: full four-step rotations of a SendGrid key (`sendgrid` preset) against the local
 * SendGrid on loopback, the real rotation handler in process: RotateSecret on the local Secrets Manager until
 * finishSecret returned (list keys, create one, store it, clean-up list, verify it with the new key).
 * Runs in a process of its own: the handler builds its SDK clients once per process, as in Lambda, and the
 * other benches' local stacks have their own endpoints.
 */
export function measureHttpKeyRotations(): Promise<HttpKeyBenchResult> {
  return measureInChild<HttpKeyBenchResult>(__filename, 'http-api-key');
}

async function run(): Promise<HttpKeyBenchResult> {
  const sendgrid = await startFakeSendGrid();
  const stack = await startLocalStack();
  try {
    const admin = sendgrid.addSendGridKey('keyturn admin', SENDGRID_ADMIN_SCOPES, true);
    const first = sendgrid.addSendGridKey('bench app', ['mail.send']);
    const create = async (name: string, value: string, tags: Record<string, string> = {}): Promise<string> => {
      const out = await stack.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: value,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return out.ARN as string;
    };
    const adminArn = await create('bench/sendgrid-admin', JSON.stringify({ apiKey: admin.value, keyId: admin.id }));
    const arn = await create(
      'bench/sendgrid-key',
      JSON.stringify({ apiKey: first.value, keyId: first.id, scopes: ['mail.send'] }),
      {
        [STRATEGY_TAG]: 'http-api-key',
        [OptionTag.httpProvider]: 'sendgrid',
        [OptionTag.httpBaseUrl]: sendgrid.endpoint,
        [OptionTag.httpAdminSecret]: adminArn,
      },
    );
    const samples: number[] = [];
    for (let i = 0; i < WARMUP_ROTATIONS + ROTATIONS; i++) {
      const t0 = performance.now();
      const record = await rotateNow(stack, arn);
      if (record.outcome !== 'succeeded') {
        throw new Error(`benchmark rotation failed: ${record.error?.name ?? '?'} at ${record.step ?? '?'}`);
      }
      if (i >= WARMUP_ROTATIONS) samples.push(performance.now() - t0);
    }
    return { http_key_p50_ms: round(quantile(samples, 0.5)), http_key_p95_ms: round(quantile(samples, 0.95)) };
  } finally {
    await stack.stop();
    await sendgrid.stop();
  }
}

reportToParentWhenChild(run);
