import { LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { encodeProbe, PROBE_TAG } from '../../functions/strategies/probe/probe';
import type { LocalPostgres } from '../databases/postgres';
import type { LambdaHandler } from '../stepfunctions/runner';
import type { LocalStack } from '../stack';
import { runExecution, type ExecutionReport } from './lifecycle-drill';
import type { SecretReport } from './report';
import { createSecret, rotate, secretArn, value, type DbSecret } from './secret-rotation';

const REPORTS_SECRET = 'db/reports-app';
const REPORTS_PROBE = 'SELECT id FROM invoices';

/** Whether the user runs the reports query in a session of its own (not just whether a catalog says it may). */
async function selectsAs(pg: LocalPostgres, user: DbSecret): Promise<boolean> {
  const client = await pg.openSession(user.username, user.password);
  try {
    await client.query(REPORTS_PROBE);
    return true;
  } catch {
    return false;
  } finally {
    await client.end();
  }
}

export async function drillPostgresSingleUser(stack: LocalStack, pg: LocalPostgres): Promise<SecretReport> {
  const initialPassword = 'orders-initial-password';
  await pg.admin(`CREATE ROLE orders_app LOGIN PASSWORD '${initialPassword}'`);
  return rotate(stack, {
    name: 'db/orders-app',
    strategy: 'postgres-single-user',
    value: pg.secretValue('orders_app', initialPassword),
    checks: async (currentValue) => {
      const current = JSON.parse(currentValue) as DbSecret;
      return [
        { passed: await pg.canLogin('orders_app', current.password), text: 'the new password logs in as orders_app' },
        { passed: !(await pg.canLogin('orders_app', initialPassword)), text: 'the old password is rejected (28P01)' },
      ];
    },
  });
}

export async function drillPostgresAlternatingUsers(stack: LocalStack, pg: LocalPostgres): Promise<SecretReport> {
  const masterArn = await createSecret(stack, 'db/master', pg.masterSecretValue());
  await pg.admin('CREATE TABLE invoices (id int)');
  // NOINHERIT: a clone that merely joined it would hold none of its privileges (issue 10's lockout).
  await pg.admin("CREATE ROLE reports_app LOGIN NOINHERIT PASSWORD 'reports-initial-password'");
  await pg.admin('GRANT SELECT ON invoices TO reports_app');
  return rotate(stack, {
    name: REPORTS_SECRET,
    strategy: 'postgres-alternating-users',
    value: pg.secretValue('reports_app', 'reports-initial-password', { masterarn: masterArn }),
    tags: {
      // The consumer's own read, checked with the new credential before AWSCURRENT moves (and in Verify).
      [PROBE_TAG]: encodeProbe({ sql: REPORTS_PROBE }),
      [LifecycleTag.graceSeconds]: '3600',
      [LifecycleTag.drainMaxWaitSeconds]: '1800',
      [LifecycleTag.whenStillInUse]: 'alert',
    },
    checks: async (currentValue, previousValue) => {
      const current = JSON.parse(currentValue) as DbSecret;
      const previous = JSON.parse(previousValue) as DbSecret;
      const selects = await selectsAs(pg, current);
      return [
        {
          passed: current.username === 'reports_app_clone',
          text: 'AWSCURRENT now names the other user, reports_app_clone (created on first rotation)',
        },
        {
          passed: await pg.canLogin(current.username, current.password),
          text: 'reports_app_clone logs in with the new password',
        },
        {
          passed: selects,
          text: `reports_app_clone runs the consumer's query (${REPORTS_PROBE}), though reports_app is NOINHERIT`,
        },
        {
          passed: await pg.canLogin(previous.username, previous.password),
          text: 'reports_app still logs in: clients on AWSPREVIOUS keep working until revoke',
        },
      ];
    },
  });
}

/** The second rotation of db/reports-app, by the lifecycle: grace, drain until idle, revoke the old user. */
export async function drillPostgresLifecycle(
  stack: LocalStack,
  pg: LocalPostgres,
  handlers: Record<string, LambdaHandler>,
): Promise<ExecutionReport> {
  const before = JSON.parse(await value(stack.client, REPORTS_SECRET, 'AWSCURRENT')) as DbSecret;
  return runExecution(
    stack,
    handlers,
    'lifecycle',
    `${REPORTS_SECRET} (lifecycle, on demand)`,
    { secretArn: await secretArn(stack.client, REPORTS_SECRET), trigger: 'on-demand' },
    async () => {
      const after = JSON.parse(await value(stack.client, REPORTS_SECRET, 'AWSCURRENT')) as DbSecret;
      return [
        { passed: after.username === 'reports_app', text: 'AWSCURRENT is back on reports_app, with a new password' },
        { passed: await pg.canLogin(after.username, after.password), text: 'reports_app logs in with it' },
        {
          passed: !(await pg.canLogin(before.username, before.password)),
          text: 'reports_app_clone, idle after the grace window, was revoked: its password is rejected',
        },
      ];
    },
  );
}
