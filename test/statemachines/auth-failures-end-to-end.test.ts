import { TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { AuditEventType, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { authFailureTags } from '../../infra/policy/auth-failure-signal';
import type { LocalPostgres } from '../../local/databases/postgres';
import { putAuthFailureMetricFilters } from '../../local/auth-failure-filters';
import { LOCAL_RDS_POSTGRES_INSTANCE } from '../../local/server-signals';
import { LOCAL_ROTATION_FUNCTION_ARN, type LocalStack } from '../../local/stack';
import type { LambdaHandler } from '../../local/stepfunctions/runner';
import { loadStateMachine } from '../../local/stepfunctions/definitions';
import { givenDbUser } from '../integration/tasks/fixtures';
import { entryOf, owner } from '../infra/support/infra';
import { startPostgresLifecycleStack } from '../support/postgres-lifecycle-stack';
import { runTestExecution } from '../support/state-machine-run';
import { jsonAt, rotateAndWait, stagesOf, type DbSecret } from '../support/secrets';

/**
 * The whole signal path, as deployed, on the local stack: a consumer still using the old password after revoke
 * fails to log in at the real PostgreSQL, whose log line the log export ships into the RDS log group of the local
 * CloudWatch Logs, where the metric filter CDK would create (same pattern) counts it into the entry's metric; the
 * real rotation function reads that metric with GetMetricData from the local CloudWatch and the lifecycle
 * reinstates the old credential.
 */
let stack: LocalStack;
let pg: LocalPostgres;
let masterArn: string;
let handlers: Record<string, LambdaHandler>;

beforeAll(async () => {
  ({ stack, pg, masterArn, handlers } = await startPostgresLifecycleStack('auth-failures-e2e'));
});
afterAll(() => stack.stop());

it('a consumer still on the old password after revoke is noticed through the server log and reinstated', async () => {
  const user = await givenDbUser(stack, masterArn);
  const entry = entryOf({
    id: `orders-e2e-${process.pid}`,
    kind: 'postgres-alternating-users',
    secret: { name: `orders/e2e/${process.pid}`, create: true },
    owner,
    options: {
      master: { arn: masterArn },
      rds: { instance: LOCAL_RDS_POSTGRES_INSTANCE },
      connection: { username: user.name },
    },
    authFailures: { threshold: 2, window: '2m', checkEvery: '1m' },
  });
  const signal = entry.authFailures;
  if (!signal?.logFilter) throw new Error('the entry has no log signal');
  // The metric filter as the AuthFailureSignal construct synthesizes it.
  await putAuthFailureMetricFilters(stack.cloudWatchLogs.endpoint, `keyturn-${entry.id}`, signal);
  await stack.client.send(
    new TagResourceCommand({
      SecretId: user.secretArn,
      Tags: Object.entries({
        [LifecycleTag.drainMaxWaitSeconds]: '0',
        [LifecycleTag.whenStillInUse]: 'revoke',
        ...authFailureTags(signal),
      }).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const first = await rotateAndWait(stack, user.secretArn);
  expect(first).toMatchObject({ succeeded: true });
  const old = await jsonAt<DbSecret>(stack.client, user.secretArn, 'AWSCURRENT');
  const shipped = stack.serverSignals.logExports.postgres;
  if (!shipped) throw new Error('the PostgreSQL log is not exported');

  // The consumer keeps `old`; after revoke it fails three times, and the log export ships the lines.
  const check: LambdaHandler = async (input) => {
    const { Payload } = input as { Payload: { phase: string } };
    if (Payload.phase === 'revoke') {
      for (let i = 0; i < 3; i++) expect(await pg.canLogin(old.username, old.password)).toBe(false);
      await shipped.flush();
    }
    return { Payload: await (handlers[LOCAL_ROTATION_FUNCTION_ARN] as LambdaHandler)(Payload) };
  };
  const result = await runTestExecution(
    stack,
    loadStateMachine('lifecycle'),
    { secretArn: user.secretArn, trigger: 'on-demand' },
    handlers,
    { WatchRevokeCheck: check },
  );

  expect(result).toMatchObject({ status: 'FAILED', error: 'AuthFailuresAfterRevokeError' });
  const detected = result.auditDetails.find((d) => d.type === AuditEventType.AuthFailuresDetected);
  expect(detected).toMatchObject({
    phase: 'revoke',
    source: `keyturn AuthFailures-${entry.id} (Sum)`,
    action: 'reinstate',
  });
  expect((detected as { failures: number }).failures).toBeGreaterThanOrEqual(3);
  expect(result.audit).toContain(AuditEventType.Reinstated);
  expect(await pg.canLogin(old.username, old.password)).toBe(true);
  const rotationId = (result.auditDetails[0] as { rotationId: string }).rotationId;
  expect((await stagesOf(stack.client, user.secretArn))[rotationId]).toEqual(['AWSCURRENT']);
});
