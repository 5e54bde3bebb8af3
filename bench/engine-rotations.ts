import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { performance } from 'node:perf_hooks';
import { rotateNow } from '../local/rotate-now';
import { startLocalStack, type LocalStack } from '../local/stack';
import { quantile, round } from './stats';

const WARMUP_ROTATIONS = 3;
const ROTATIONS = 25;

/**
 * Time of full four-step rotations, one engine at a time: RotateSecret on the local Secrets
 * Manager until the rotation function's finishSecret returned, with the real handler in
 * process and a real server on loopback (embedded PostgreSQL, MariaDB, redis-server).
 * Alternating users alternate: every sample after the first two is a steady-state rotation.
 */
export async function measureEngineRotations(): Promise<Record<string, number>> {
  const stack = await startLocalStack({ postgres: true, mariadb: true, redis: true });
  try {
    const results: Record<string, number> = {};
    const pg = required(stack.postgres, 'PostgreSQL');
    await pg.admin("CREATE ROLE bench_app LOGIN PASSWORD 'bench-initial-password'");
    Object.assign(
      results,
      percentiles(
        'pg_single',
        await rotations(stack, 'bench/pg-single', pg.secretValue('bench_app', 'bench-initial-password')),
      ),
    );

    const mariadb = required(stack.mariadb, 'MariaDB');
    await mariadb.admin("CREATE USER 'bench_single'@'%' IDENTIFIED BY 'bench-initial-password'");
    await mariadb.admin("CREATE USER 'bench_alt'@'%' IDENTIFIED BY 'bench-initial-password'");
    await mariadb.admin("GRANT SELECT ON mysql.db TO 'bench_alt'@'%'");
    const mariadbMaster = await createSecret(stack, 'bench/mariadb-master', mariadb.masterSecretValue());
    Object.assign(
      results,
      percentiles(
        'mariadb_single',
        await rotations(stack, 'bench/mariadb-single', mariadb.secretValue('bench_single', 'bench-initial-password')),
      ),
      percentiles(
        'mariadb_alternating',
        await rotations(
          stack,
          'bench/mariadb-alternating',
          mariadb.secretValue('bench_alt', 'bench-initial-password', { masterarn: mariadbMaster }),
        ),
      ),
    );

    const redis = required(stack.redis, 'Redis');
    await redis.admin('ACL', 'SETUSER', 'bench_cache', 'on', '>bench-initial-password', '~bench:*', '+@read');
    const redisMaster = await createSecret(stack, 'bench/redis-master', redis.masterSecretValue());
    Object.assign(
      results,
      percentiles(
        'redis',
        await rotations(
          stack,
          'bench/redis-user',
          redis.secretValue('bench_cache', 'bench-initial-password', { masterarn: redisMaster }),
        ),
      ),
    );
    return results;
  } finally {
    await stack.stop();
  }
}

function required<T>(server: T | undefined, name: string): T {
  if (server === undefined) throw new Error(`the local stack did not start ${name}`);
  return server;
}

async function createSecret(stack: LocalStack, name: string, value: string): Promise<string> {
  const created = await stack.client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return created.ARN as string;
}

/** Milliseconds of each measured rotation of a new secret holding `value`. */
async function rotations(stack: LocalStack, name: string, value: string): Promise<number[]> {
  const arn = await createSecret(stack, name, value);
  const samples: number[] = [];
  for (let i = 0; i < WARMUP_ROTATIONS + ROTATIONS; i++) {
    const t0 = performance.now();
    const record = await rotateNow(stack, arn);
    if (record.outcome !== 'succeeded') {
      throw new Error(`benchmark rotation of ${name} failed: ${record.error?.name ?? '?'} at ${record.step ?? '?'}`);
    }
    if (i >= WARMUP_ROTATIONS) samples.push(performance.now() - t0);
  }
  return samples;
}

function percentiles(key: string, samples: readonly number[]): Record<string, number> {
  return { [`${key}_p50_ms`]: round(quantile(samples, 0.5)), [`${key}_p95_ms`]: round(quantile(samples, 0.95)) };
}
