import { TagResourceCommand } from '@aws-sdk/client-secrets-manager';
import { AuditEventType, LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { authFailureTags, resolveAuthFailures } from '../../infra/policy/auth-failure-signal';
import type { PolicyEntry } from '../../infra/policy/schema';
import { putAuthFailureMetricFilters } from '../auth-failure-filters';
import type { LocalPostgres } from '../databases/postgres';
import { LOCAL_RDS_POSTGRES_INSTANCE } from '../server-signals';
import { LOCAL_ROTATION_FUNCTION_ARN, type LocalStack } from '../stack';
import type { LambdaHandler } from '../stepfunctions/runner';
import { runExecution, type ExecutionReport } from './lifecycle-drill';
import { createSecret, rotate, secretArn, value, type DbSecret } from './secret-rotation';

const LEDGER_SECRET = 'db/ledger-app';
const ENTRY_ID = 'ledger-db';

/**
 * Issue 14 §1 end to end: db/ledger-app watches failed logins (policy `authFailures`). After revoke, a consumer
 * that never re-read the secret keeps logging in with the old password; PostgreSQL logs each failure, the log
 * export ships the lines into the instance's RDS log group, the entry's metric filter counts them, the rotation
 * function reads the metric (GetMetricData) in its watch window after revoke, and the lifecycle reinstates the
 * old credential and alerts.
 */
export async function drillAuthFailuresAfterRevoke(
  stack: LocalStack,
  pg: LocalPostgres,
  handlers: Record<string, LambdaHandler>,
): Promise<ExecutionReport> {
  const shipped = stack.serverSignals.logExports.postgres;
  if (!shipped) throw new Error('the local PostgreSQL log is not exported');
  const masterArn = await createSecret(stack, 'db/ledger-master', pg.masterSecretValue());
  await pg.admin("CREATE ROLE ledger_app LOGIN PASSWORD 'ledger-initial-password'");
  const entry = {
    id: ENTRY_ID,
    kind: 'postgres-alternating-users',
    secret: { name: LEDGER_SECRET },
    owner: { team: 'ledger' },
    options: { master: { arn: masterArn }, rds: { instance: LOCAL_RDS_POSTGRES_INSTANCE } },
    authFailures: { users: ['ledger_app', 'ledger_app_clone'], threshold: 2, window: '2m', checkEvery: '1m' },
  } as PolicyEntry;
  const { signal } = resolveAuthFailures(entry);
  if (!signal) throw new Error('the drill entry has no auth-failure signal');
  await putAuthFailureMetricFilters(stack.cloudWatchLogs.endpoint, `keyturn-${ENTRY_ID}`, signal);
  await rotate(stack, {
    name: LEDGER_SECRET,
    strategy: 'postgres-alternating-users',
    value: pg.secretValue('ledger_app', 'ledger-initial-password', { masterarn: masterArn }),
    tags: {
      [LifecycleTag.graceSeconds]: '0',
      [LifecycleTag.drainMaxWaitSeconds]: '0',
      [LifecycleTag.whenStillInUse]: 'revoke',
      ...authFailureTags(signal),
    },
    checks: () => Promise.resolve([]),
  });
  const arn = await secretArn(stack.client, LEDGER_SECRET);
  await stack.client.send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: 'keyturn:entry', Value: ENTRY_ID }] }));
  const stale = JSON.parse(await value(stack.client, LEDGER_SECRET, 'AWSCURRENT')) as DbSecret;
  let staleFailures = 0;
  // The consumer's tries happen as the window after revoke is checked; the log export then ships them.
  const watchRevoke: LambdaHandler = async (input) => {
    const { Payload } = input as { Payload: { phase: string } };
    if (Payload.phase === 'revoke') {
      for (let i = 0; i < 3; i++) if (!(await pg.canLogin(stale.username, stale.password))) staleFailures++;
      await shipped.flush();
    }
    return { Payload: await (handlers[LOCAL_ROTATION_FUNCTION_ARN] as LambdaHandler)(Payload) };
  };
  return runExecution(
    stack,
    handlers,
    'lifecycle',
    `${LEDGER_SECRET} (lifecycle, auth failures after revoke)`,
    { secretArn: arn, trigger: 'on-demand', entryId: ENTRY_ID },
    async () => {
      const current = JSON.parse(await value(stack.client, LEDGER_SECRET, 'AWSCURRENT')) as DbSecret;
      const detected = stack.eventBridge
        .events()
        .find((e) => e.detailType === AuditEventType.AuthFailuresDetected && e.detail.secretArn === arn)?.detail as
        { failures?: number; source?: string } | undefined;
      return [
        {
          passed: staleFailures === 3,
          text: `a consumer still on ${stale.username}'s old password failed 3 logins after revoke`,
        },
        {
          passed: (detected?.failures ?? 0) >= 3,
          text: `the watch saw ${detected?.failures ?? 0} failed logins in ${detected?.source ?? 'no metric'} (threshold 2)`,
        },
        {
          passed: await pg.canLogin(stale.username, stale.password),
          text: `${stale.username}'s old password was reinstated: the stale consumer logs in again`,
        },
        {
          passed: current.username !== stale.username && (await pg.canLogin(current.username, current.password)),
          text: `AWSCURRENT stays on ${current.username}, which logs in`,
        },
      ];
    },
    { taskOverrides: { WatchRevokeCheck: watchRevoke } },
  );
}
