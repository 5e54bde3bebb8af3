import { Logger } from '@aws-lambda-powertools/logger';
import { escapeIdentifier } from 'pg';
import { SecretStore } from '../../../functions/shared/secret-store';
import { createStrategyRegistry } from '../../../functions/strategies/registry';
import type { TaskDeps } from '../../../functions/tasks/deps';
import type { LocalPostgres } from '../../../local/databases/postgres';
import type { LocalStack } from '../../../local/stack';
import { createSecret } from '../../support/secrets';

/** The tasks' dependencies against the local stack; `logger` lets a test capture log lines. */
export function taskDeps(stack: LocalStack, logger = new Logger({ logLevel: 'SILENT' })): TaskDeps {
  return { store: new SecretStore(stack.client), strategies: createStrategyRegistry(), logger };
}

export interface DbUser {
  readonly name: string;
  readonly password: string;
  readonly secretArn: string;
  /** The version CreateSecret made: AWSCURRENT until the first rotation. */
  readonly firstVersionId: string;
}

let counter = 0;

/** A login user and its secret; with `masterArn` the secret rotates by alternating users. */
export async function givenDbUser(stack: LocalStack, masterArn?: string): Promise<DbUser> {
  const pg = stack.postgres as LocalPostgres;
  const n = ++counter;
  const name = `task_user_${n}_${process.pid}`;
  const password = `Task-${n}-start-password`;
  await pg.admin(`CREATE ROLE ${escapeIdentifier(name)} WITH LOGIN PASSWORD '${password}'`);
  const secret = await createSecret(
    stack.client,
    `db/tasks/${masterArn ? 'alternating' : 'single'}/${n}`,
    pg.secretValue(name, password, masterArn ? { masterarn: masterArn } : {}),
  );
  return { name, password, secretArn: secret.arn, firstVersionId: secret.versionId };
}
