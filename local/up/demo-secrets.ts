import { drillApiKey } from '../drill/api-key-drill';
import { drillMariadbSingleUser } from '../drill/mariadb-drill';
import { drillPostgresSingleUser } from '../drill/postgres-drill';
import { drillRedisUser } from '../drill/redis-drill';
import type { SecretReport } from '../drill/report';
import { secretArn } from '../drill/secret-rotation';
import type { LocalStack } from '../stack';

/**
 * Secrets for an operator to rotate: the drill's own (reused, not copied), each keyturn-managed
 * (tagged), rotation enabled through the local rotation function and rotated once, so each has
 * an AWSCURRENT and an AWSPREVIOUS: a random API key, and a database user on each local database
 * that runs (PostgreSQL always; MariaDB and Redis where installed).
 */
export interface DemoSecret {
  readonly name: string;
  readonly arn: string;
  readonly strategy: string;
  /** Whether its first rotation succeeded and every check the drill makes on it passed. */
  readonly ready: boolean;
}

export async function seedDemoSecrets(stack: LocalStack): Promise<DemoSecret[]> {
  const reports: SecretReport[] = [await drillApiKey(stack)];
  if (stack.postgres) reports.push(await drillPostgresSingleUser(stack, stack.postgres));
  if (stack.mariadb) reports.push(await drillMariadbSingleUser(stack, stack.mariadb));
  if (stack.redis) reports.push(await drillRedisUser(stack, stack.redis));
  return Promise.all(
    reports.map(async (report) => ({
      name: report.name,
      arn: await secretArn(stack.client, report.name),
      strategy: report.strategy,
      ready: report.succeeded && report.checks.every((check) => check.passed),
    })),
  );
}
