import { CreateSecretCommand, RotateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { performance } from 'node:perf_hooks';
import type { LocalPostgres } from '../local/databases/postgres';
import { LOCAL_ROTATION_FUNCTION_ARN, startLocalStack } from '../local/stack';
import { quantile, round } from './stats';

const WARMUP_ROTATIONS = 3;

/**
 * Time of a full four-step PostgreSQL single-user rotation: RotateSecret on the local
 * Secrets Manager until the rotation function's finishSecret returned, with the real
 * handler in process and an embedded PostgreSQL on loopback.
 */
export async function measurePostgresSingleUser(
  rotations = 25,
): Promise<{ pg_single_p50_ms: number; pg_single_p95_ms: number }> {
  const stack = await startLocalStack({ postgres: true });
  const pg = stack.postgres as LocalPostgres;
  try {
    await pg.admin("CREATE ROLE bench_app LOGIN PASSWORD 'bench-initial-password'");
    const created = await stack.client.send(
      new CreateSecretCommand({
        Name: 'bench/pg-single',
        SecretString: pg.secretValue('bench_app', 'bench-initial-password'),
      }),
    );
    const samples: number[] = [];
    for (let i = 0; i < WARMUP_ROTATIONS + rotations; i++) {
      const t0 = performance.now();
      const out = await stack.client.send(
        new RotateSecretCommand({
          SecretId: created.ARN,
          RotationLambdaARN: LOCAL_ROTATION_FUNCTION_ARN,
          RotationRules: { AutomaticallyAfterDays: 30 },
        }),
      );
      const record = await stack.secretsManager.waitForRotation(created.ARN as string, out.VersionId, 30_000);
      if (record.outcome !== 'succeeded') throw new Error(`benchmark rotation failed: ${record.error?.name ?? '?'}`);
      if (i >= WARMUP_ROTATIONS) samples.push(performance.now() - t0);
    }
    return { pg_single_p50_ms: round(quantile(samples, 0.5)), pg_single_p95_ms: round(quantile(samples, 0.95)) };
  } finally {
    await stack.stop();
  }
}
