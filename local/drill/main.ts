import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { performance } from 'node:perf_hooks';
import type { LocalPostgres } from '../databases/postgres';
import { LOCAL_ROTATION_FUNCTION_ARN, startLocalStack, type LocalStack } from '../stack';
import { LifecycleTag } from '../../functions/shared/lifecycle-contract';
import { ManagementTag } from '../../functions/shared/management-tags';
import { lambdaHandlers, renderExecutionReport, runExecution, type ExecutionReport } from './lifecycle-drill';
import type { LambdaHandler } from '../stepfunctions/runner';
import { renderSecretReport, renderSummary, type Check, type SecretReport, type VersionLine } from './report';

/** Every drill secret is keyturn-managed; the lifecycle reads its settings from these tags. */
const MANAGED = { [ManagementTag.managed]: 'true' };
const API_KEY = 'payments/stripe-webhook-key';
const REPORTS_SECRET = 'db/reports-app';

/**
 * `npm start`: the real rotation function rotates an API key and two PostgreSQL secrets through
 * the local Secrets Manager's RotateSecret and proves who can log in; then the real lifecycle and
 * emergency state machines run on them (local Step Functions runner), with their audit trail.
 */
async function main(): Promise<number> {
  // The rotation function's own JSON logs would bury the report; --verbose shows them.
  if (!process.argv.includes('--verbose')) process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const started = performance.now();
  const stack = await startLocalStack({ postgres: true });
  const pg = stack.postgres as LocalPostgres;
  try {
    console.log('keyturn local drill');
    console.log(`  Secrets Manager  ${stack.secretsManager.endpoint} (keyturn's local, AWS JSON protocol)`);
    console.log(`  PostgreSQL       ${pg.host}:${pg.port} (embedded, scram-sha-256 password auth)`);
    console.log(`  rotation Lambda  ${LOCAL_ROTATION_FUNCTION_ARN} (functions/rotate-secret/handler.ts, in process)\n`);

    const reports = [
      await drillApiKey(stack),
      await drillSingleUser(stack, pg),
      await drillAlternatingUsers(stack, pg),
    ];
    for (const report of reports) console.log(`${renderSecretReport(report)}\n`);
    console.log(renderSummary(reports));

    console.log('\nThe same secrets through the lifecycle state machines (statemachines/*.asl.json):\n');
    const handlers = await lambdaHandlers(stack);
    const executions = [await drillLifecycle(stack, pg, handlers), await drillEmergency(stack, handlers)];
    for (const execution of executions) console.log(`${renderExecutionReport(execution)}\n`);
    const executionsPassed = executions.filter((e) => e.checks.every((c) => c.passed)).length;
    console.log(
      `${executionsPassed} of ${executions.length} state machine runs ended as expected with every check passing.`,
    );
    console.log(
      `Drill finished in ${((performance.now() - started) / 1000).toFixed(1)} s; local servers stopped, temp data removed.`,
    );
    const allPassed =
      reports.every((r) => r.succeeded && r.checks.every((c) => c.passed)) && executionsPassed === executions.length;
    return allPassed ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

async function versions(client: SecretsManagerClient, secretId: string): Promise<VersionLine[]> {
  const out = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  return Object.entries(out.VersionIdsToStages ?? {})
    .map(([versionId, stages]) => ({ versionId, stages }))
    .sort((a, b) => (a.stages.includes('AWSCURRENT') ? -1 : b.stages.includes('AWSCURRENT') ? 1 : 0));
}

async function value(client: SecretsManagerClient, secretId: string, stage: string): Promise<string> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
  return out.SecretString ?? '';
}

/** Rotates one secret through RotateSecret and collects the before/after picture. */
async function rotate(
  stack: LocalStack,
  name: string,
  strategy: string,
  secretValue: string,
  tags: Record<string, string>,
  checks: (current: string, previous: string) => Promise<Check[]>,
): Promise<SecretReport> {
  const created = await stack.client.send(
    new CreateSecretCommand({
      Name: name,
      SecretString: secretValue,
      Tags: Object.entries({ ...MANAGED, ...tags }).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  const arn = created.ARN as string;
  const before = await versions(stack.client, arn);
  const t0 = performance.now();
  const rotation = await stack.client.send(
    new RotateSecretCommand({
      SecretId: arn,
      RotationLambdaARN: LOCAL_ROTATION_FUNCTION_ARN,
      RotationRules: { AutomaticallyAfterDays: 30 },
    }),
  );
  const record = await stack.secretsManager.waitForRotation(arn, rotation.VersionId, 30_000);
  const rotationMs = performance.now() - t0;
  const succeeded = record.outcome === 'succeeded';
  return {
    name,
    strategy,
    before,
    after: await versions(stack.client, arn),
    rotationMs,
    succeeded,
    failure: record.error ? `${record.error.name} at ${record.step ?? '?'}: ${record.error.message}` : undefined,
    checks: succeeded
      ? await checks(await value(stack.client, arn, 'AWSCURRENT'), await value(stack.client, arn, 'AWSPREVIOUS'))
      : [],
  };
}

async function drillApiKey(stack: LocalStack): Promise<SecretReport> {
  return rotate(
    stack,
    API_KEY,
    'random',
    'whk_initial_value_set_by_hand',
    { 'keyturn:strategy': 'random', 'keyturn:prefix': 'whk_' },
    (current, previous) =>
      Promise.resolve([
        {
          passed: current !== previous,
          text: 'AWSCURRENT holds a new value; the old one is AWSPREVIOUS for the grace window',
        },
        {
          passed: /^whk_[A-Za-z0-9]{40}$/.test(current),
          text: 'the new value follows the policy: prefix whk_ and 40 letters and digits',
        },
      ]),
  );
}

interface DbSecret {
  username: string;
  password: string;
}

async function drillSingleUser(stack: LocalStack, pg: LocalPostgres): Promise<SecretReport> {
  await pg.admin("CREATE ROLE orders_app LOGIN PASSWORD 'orders-initial-password'");
  const initialPassword = 'orders-initial-password';
  const secret = pg.secretValue('orders_app', initialPassword);
  return rotate(stack, 'db/orders-app', 'postgres-single-user', secret, {}, async (currentValue) => {
    const current = JSON.parse(currentValue) as DbSecret;
    return [
      { passed: await pg.canLogin('orders_app', current.password), text: 'the new password logs in as orders_app' },
      { passed: !(await pg.canLogin('orders_app', initialPassword)), text: 'the old password is rejected (28P01)' },
    ];
  });
}

async function drillAlternatingUsers(stack: LocalStack, pg: LocalPostgres): Promise<SecretReport> {
  const master = await stack.client.send(
    new CreateSecretCommand({
      Name: 'db/master',
      SecretString: pg.masterSecretValue(),
    }),
  );
  await pg.admin('CREATE TABLE invoices (id int)');
  await pg.admin("CREATE ROLE reports_app LOGIN PASSWORD 'reports-initial-password'");
  await pg.admin('GRANT SELECT ON invoices TO reports_app');
  const secret = pg.secretValue('reports_app', 'reports-initial-password', { masterarn: master.ARN });
  return rotate(
    stack,
    REPORTS_SECRET,
    'postgres-alternating-users',
    secret,
    {
      [LifecycleTag.graceSeconds]: '3600',
      [LifecycleTag.drainMaxWaitSeconds]: '1800',
      [LifecycleTag.whenStillInUse]: 'alert',
    },
    async (currentValue, previousValue) => {
      const current = JSON.parse(currentValue) as DbSecret;
      const previous = JSON.parse(previousValue) as DbSecret;
      const [grant] = await pg.admin<{ allowed: boolean }>(
        "SELECT has_table_privilege($1, 'invoices', 'SELECT') AS allowed",
        [current.username],
      );
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
          passed: grant?.allowed === true,
          text: "reports_app_clone holds reports_app's privileges (SELECT on invoices)",
        },
        {
          passed: await pg.canLogin(previous.username, previous.password),
          text: 'reports_app still logs in: clients on AWSPREVIOUS keep working until revoke',
        },
      ];
    },
  );
}

/** The second rotation of db/reports-app, by the lifecycle: grace, drain until idle, revoke the old user. */
async function drillLifecycle(
  stack: LocalStack,
  pg: LocalPostgres,
  handlers: Record<string, LambdaHandler>,
): Promise<ExecutionReport> {
  const before = JSON.parse(await value(stack.client, REPORTS_SECRET, 'AWSCURRENT')) as DbSecret;
  const arn = (await stack.client.send(new DescribeSecretCommand({ SecretId: REPORTS_SECRET }))).ARN as string;
  return runExecution(
    stack,
    handlers,
    'lifecycle',
    `${REPORTS_SECRET} (lifecycle, on demand)`,
    { secretArn: arn, trigger: 'on-demand' },
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

/** A suspected leak of the API key: no grace, no rollback, marked emergency in the audit trail. */
async function drillEmergency(stack: LocalStack, handlers: Record<string, LambdaHandler>): Promise<ExecutionReport> {
  const leaked = await value(stack.client, API_KEY, 'AWSCURRENT');
  const arn = (await stack.client.send(new DescribeSecretCommand({ SecretId: API_KEY }))).ARN as string;
  const report = await runExecution(
    stack,
    handlers,
    'emergency',
    `${API_KEY} (emergency: suspected leak)`,
    { secretArn: arn, trigger: 'emergency', reason: 'key pasted in a public channel (drill)' },
    async () => {
      const current = await value(stack.client, API_KEY, 'AWSCURRENT');
      return [{ passed: current !== leaked, text: 'AWSCURRENT no longer holds the leaked value' }];
    },
  );
  const emergencyOnly = stack.eventBridge
    .events()
    .filter((e) => e.detail.trigger === 'emergency')
    .every((e) => e.detail.emergency === true);
  return {
    ...report,
    checks: [
      ...report.checks,
      { passed: !report.states.includes('Grace'), text: 'no grace window: revoked right after the new key verified' },
      { passed: emergencyOnly, text: 'every audit event of the run is marked emergency' },
    ],
  };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`drill failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exit(1);
  },
);
