import { performance } from 'node:perf_hooks';
import { LOCAL_ROTATION_FUNCTION_ARN, startLocalStack, type LocalStack } from '../stack';
import { drillApiKey, drillApiKeyEmergency } from './api-key-drill';
import { drillCanary } from './canary-drill';
import { drillConsumers } from './consumers-drill';
import { drillAuthFailuresAfterRevoke } from './auth-failure-drill';
import { startFakeSendGrid } from '../providers/sendgrid';
import { drillSendGridKey } from './http-key-drill';
import { drillIamAccessKey, drillIamLifecycle } from './iam-key-drill';
import { drillKmsOnDemandAndRewrap, drillKmsReplacement, kmsDrillContext, stopKmsDrill } from './kms-drill';
import { lambdaHandlers, renderExecutionReport } from './lifecycle-drill';
import { drillMariadbAlternatingUsers, drillMariadbSingleUser } from './mariadb-drill';
import { drillPostgresAlternatingUsers, drillPostgresLifecycle, drillPostgresSingleUser } from './postgres-drill';
import { drillElastiCacheUser, drillRedisLifecycle, drillRedisUser } from './redis-drill';
import { drillPrerequisites, installedStackOptions, renderSkipped } from './prerequisites';
import { drillReplicas } from './replica-drill';
import { renderSecretReport, renderSummary, type SecretReport } from './report';

/**
 * `npm start`: the real rotation function rotates an API key, PostgreSQL and MariaDB users
 * (single and alternating), a Redis ACL user, an ElastiCache user, a SendGrid key (at a local SendGrid) and an IAM user's access key (at the
 * local, signature-verifying IAM and STS) through the local Secrets Manager's
 * RotateSecret and proves who can log in; then the real lifecycle and emergency state
 * machines run on them (local Step Functions runner), with their audit trail: consumers
 * refreshed, a canary promoted and one aborted, a replicated secret waited for and one kept back.
 */
async function main(): Promise<number> {
  // The rotation function's own JSON logs would bury the report; --verbose shows them.
  if (!process.argv.includes('--verbose')) process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const started = performance.now();
  const prerequisites = drillPrerequisites();
  const stack = await startLocalStack({ ...installedStackOptions(prerequisites), consumers: true });
  const { postgres: pg, iam } = servers(stack);
  const { mariadb, redis, elasticache } = stack;
  const sendgrid = await startFakeSendGrid();
  try {
    console.log('keyturn local drill');
    console.log(`  Secrets Manager  ${stack.secretsManager.endpoint} (keyturn's local, AWS JSON protocol)`);
    console.log(`  PostgreSQL       ${pg.host}:${pg.port} (embedded, scram-sha-256 password auth)`);
    if (mariadb) console.log(`  MariaDB          ${mariadb.host}:${mariadb.port} (throwaway mariadbd, password auth)`);
    else console.log('  MariaDB          not installed: skipped');
    if (redis && elasticache) {
      console.log(`  Redis            127.0.0.1:${redis.port} (throwaway redis-server, ACL users, default user off)`);
      console.log(`  ElastiCache API  ${elasticache.endpoint} (keyturn's local, ModifyUser applied to that Redis)`);
    } else console.log('  Redis            not installed: skipped (and the ElastiCache API with it)');
    console.log(`  SendGrid API     ${sendgrid.endpoint} (keyturn's local fake: API keys, scopes, 100-key cap, 429s)`);
    console.log(`  IAM / STS        ${iam.iamEndpoint} / ${iam.stsEndpoint} (keyturn's local: SigV4 verified per key)`);
    console.log(`  KMS              ${stack.kms?.endpoint ?? '?'} (keyturn's local: AES-256-GCM, versioned material)`);
    console.log(`  DynamoDB         ${stack.dynamodb?.endpoint ?? '?'} (dynalite, in memory)`);
    console.log(
      `  ECS / Lambda     ${stack.ecs?.endpoint ?? '?'} / ${stack.lambda?.endpoint ?? '?'} (keyturn's local: consumers refreshed)`,
    );
    console.log(`  rotation Lambda  ${LOCAL_ROTATION_FUNCTION_ARN} (functions/rotate-secret/handler.ts, in process)\n`);

    const reports: SecretReport[] = [
      await drillApiKey(stack),
      await drillPostgresSingleUser(stack, pg),
      await drillPostgresAlternatingUsers(stack, pg),
    ];
    if (mariadb) {
      reports.push(await drillMariadbSingleUser(stack, mariadb), await drillMariadbAlternatingUsers(stack, mariadb));
    }
    if (redis && elasticache) {
      reports.push(await drillRedisUser(stack, redis), await drillElastiCacheUser(stack, redis, elasticache));
    }
    reports.push(await drillSendGridKey(stack, sendgrid), await drillIamAccessKey(stack, iam));
    for (const report of reports) console.log(`${renderSecretReport(report)}\n`);
    console.log(renderSummary(reports));

    console.log('\nThe same secrets through the lifecycle state machines (statemachines/*.asl.json):\n');
    const handlers = await lambdaHandlers(stack);
    const executions = [
      await drillPostgresLifecycle(stack, pg, handlers),
      // Issue 14 §1: failed logins after revoke, through the server log, reinstate the old credential.
      await drillAuthFailuresAfterRevoke(stack, pg, handlers),
    ];
    if (redis) executions.push(await drillRedisLifecycle(stack, redis, handlers));
    executions.push(await drillIamLifecycle(stack, iam, handlers), await drillApiKeyEmergency(stack, handlers));
    executions.push(await drillConsumers(stack, handlers));
    executions.push(...(await drillCanary(stack, pg, handlers)), ...(await drillReplicas(stack, handlers)));
    console.log('KMS keys (statemachines/kms-key.asl.json, rewrap.asl.json):');
    const kmsContext = await kmsDrillContext(stack);
    try {
      executions.push(...(await drillKmsOnDemandAndRewrap(kmsContext)), await drillKmsReplacement(kmsContext));
    } finally {
      stopKmsDrill(kmsContext);
    }
    for (const execution of executions) console.log(`${renderExecutionReport(execution)}\n`);
    const executionsPassed = executions.filter((e) => e.checks.every((c) => c.passed)).length;
    console.log(
      `${executionsPassed} of ${executions.length} state machine runs ended as expected with every check passing.`,
    );
    for (const line of renderSkipped([prerequisites.mariadb, prerequisites.redis])) console.log(line);
    console.log(
      `Drill finished in ${((performance.now() - started) / 1000).toFixed(1)} s; local servers stopped, temp data removed.`,
    );
    const allPassed =
      reports.every((r) => r.succeeded && r.checks.every((c) => c.passed)) && executionsPassed === executions.length;
    return allPassed ? 0 : 1;
  } finally {
    await sendgrid.stop();
    await stack.stop();
  }
}

function servers(stack: LocalStack) {
  const { postgres, iam } = stack;
  if (!postgres || !iam) throw new Error('the local stack did not start PostgreSQL and IAM');
  return { postgres, iam };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`drill failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    process.exit(1);
  },
);
