import { Metrics } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createAuditTrail } from '../shared/audit';
import { invocationDeadline } from '../shared/deadline';
import { TaskEnvironment } from '../shared/lifecycle-contract';
import { METRICS_NAMESPACE, MetricService } from '../shared/metric-names';
import { createObservability } from '../shared/observability';
import { SecretStore } from '../shared/secret-store';
import { throttlingRetryStrategy } from '../shared/throttling-retry';
import { processWritePacer, writeDeadline } from '../shared/write-pacing';
import { createStrategyRegistry } from '../strategies/registry';
import { parseBlackouts } from '../tasks/blackouts';
import type { TaskDeps } from '../tasks/deps';
import { lambdaAuthFailureReader } from '../shared/cloudwatch-auth-failures';
import { isLifecycleTaskEvent, runRotationFunctionTask } from '../tasks/dispatch';
import { runObservedRotationStep } from './observed-step';

// Built once per cold start. The endpoint comes from the environment
// (AWS_ENDPOINT_URL_SECRETS_MANAGER locally), so there is no local-mode branch.
const { logger, metrics } = createObservability(MetricService.RotateSecret);
// Secrets Manager's write quota (PutSecretValue + UpdateSecret + UpdateSecretVersionStage: 50/s per region) is shared by
// every rotation and every other writer in the account: each write first waits for its slot at keyturn's pace (a
// share of the quota, see write-pacer.ts), so a fleet does not run into the quota. Throttled calls that happen anyway
// are retried soon and often, for up to 25 s of waiting in all (the function's timeout is 45 s). See bench/fleet.ts.
const pacer = processWritePacer();
const store = new SecretStore(
  new SecretsManagerClient({
    retryStrategy: throttlingRetryStrategy({
      maxAttempts: 40,
      baseDelayMs: 100,
      maxDelayMs: 2_000,
      maxTotalDelayMs: 25_000,
    }),
  }),
);
const strategies = createStrategyRegistry();

// The lifecycle tasks publish under the lifecycle's service name: the lifecycle alarms watch that dimension.
const lifecycleMetrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: MetricService.Lifecycle,
});
let lifecycleDeps: Promise<TaskDeps> | undefined;

/**
 * Built on the first lifecycle task. The EventBridge client is imported only then: a cold start
 * that serves Secrets Manager's rotation steps does not pay for loading it.
 */
function taskDeps(): Promise<TaskDeps> {
  lifecycleDeps ??= import('../shared/event-bus').then(({ eventBridgePutEvents }) => ({
    store,
    strategies,
    logger,
    metrics: lifecycleMetrics,
    audit: createAuditTrail({
      putEvents: eventBridgePutEvents(),
      busName: process.env[TaskEnvironment.auditBusName],
      logger,
      metrics: lifecycleMetrics,
    }),
    blackouts: parseBlackouts(process.env[TaskEnvironment.blackouts], TaskEnvironment.blackouts),
    authFailures: lambdaAuthFailureReader(),
  }));
  return lifecycleDeps;
}

/**
 * Secrets Manager invokes this function once per rotation step; the lifecycle state machines
 * invoke it for the tasks that reach the secret's target (`{ task: ... }`), because it already
 * runs where that target is reachable (its VPC) with access to exactly its secrets.
 */
export const handler = async (event: unknown, context?: Partial<LambdaContext>): Promise<unknown> => {
  const deadline = invocationDeadline(context);
  // Each invocation's writes wait for their slots no later than its deadline, then fail with WriteQuotaWaitError.
  const writes = pacer.forInvocation(writeDeadline(Date.now(), deadline.remainingMs()));
  const pacedStore = store.withWriteGate(writes);
  if (isLifecycleTaskEvent(event)) {
    return runRotationFunctionTask(event, { ...(await taskDeps()), store: pacedStore, deadline });
  }
  await runObservedRotationStep(event, {
    store: pacedStore,
    strategies,
    logger,
    metrics,
    deadline,
    writeQuotaWaitMs: () => writes.waitedMs,
  });
  return undefined;
};

/** What the handler uses of Lambda's context (absent when a local runner calls it). */
interface LambdaContext {
  getRemainingTimeInMillis(): number;
}
