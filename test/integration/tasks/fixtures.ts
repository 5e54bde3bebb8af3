import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { escapeIdentifier } from 'pg';
import type { AuditEvent, AuditSubject, AuditTrail } from '../../../functions/shared/audit';
import { ManagementTag } from '../../../functions/shared/management-tags';
import { SecretStore } from '../../../functions/shared/secret-store';
import { createStrategyRegistry } from '../../../functions/strategies/registry';
import type { TaskDeps } from '../../../functions/tasks/deps';
import type { LocalPostgres } from '../../../local/databases/postgres';
import type { LocalStack } from '../../../local/stack';
import { createSecret } from '../../support/secrets';

export { testRun } from '../../support/rotation-run';

/** An audit trail that keeps what it is given, for assertions. */
export interface RecordingAuditTrail extends AuditTrail {
  readonly recorded: { subject: AuditSubject; event: AuditEvent }[];
}

export function recordingAuditTrail(): RecordingAuditTrail {
  const recorded: { subject: AuditSubject; event: AuditEvent }[] = [];
  return {
    recorded,
    record(subject, ...events) {
      for (const event of events) recorded.push({ subject, event });
      return Promise.resolve();
    },
  };
}

/** The tasks' dependencies against the local stack; `overrides` swap any of them (a logger that captures, a clock). */
export function taskDeps(stack: LocalStack, overrides: Partial<TaskDeps> = {}): TaskDeps {
  return {
    store: new SecretStore(stack.client),
    strategies: createStrategyRegistry(),
    logger: new Logger({ logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'keyturn-test', serviceName: 'keyturn-lifecycle' }),
    audit: recordingAuditTrail(),
    ...overrides,
  };
}

/**
 * A virtual clock: `sleep` advances it instead of waiting, so polling budgets run out at once
 * (for tasks that wait on a rotation or a revocation).
 */
export function virtualClock(start = Date.now()): Pick<TaskDeps, 'now' | 'sleep'> {
  let time = start;
  return {
    now: () => new Date(time),
    sleep: (ms) => {
      time += ms;
      return Promise.resolve();
    },
  };
}

export interface DbUser {
  readonly name: string;
  readonly password: string;
  readonly secretArn: string;
  /** The version CreateSecret made: AWSCURRENT until the first rotation. */
  readonly firstVersionId: string;
}

let counter = 0;

/** A login user and its keyturn-managed secret; with `masterArn` the secret rotates by alternating users. */
export async function givenDbUser(
  stack: LocalStack,
  masterArn?: string,
  tags: Record<string, string> = {},
): Promise<DbUser> {
  const pg = stack.postgres as LocalPostgres;
  const n = ++counter;
  const name = `task_user_${n}_${process.pid}`;
  const password = `Task-${n}-start-password`;
  await pg.admin(`CREATE ROLE ${escapeIdentifier(name)} WITH LOGIN PASSWORD '${password}'`);
  const secret = await createSecret(
    stack.client,
    `db/tasks/${masterArn ? 'alternating' : 'single'}/${n}`,
    pg.secretValue(name, password, masterArn ? { masterarn: masterArn } : {}),
    { [ManagementTag.managed]: 'true', ...tags },
  );
  return { name, password, secretArn: secret.arn, firstVersionId: secret.versionId };
}
