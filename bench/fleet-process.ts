import { CreateSecretCommand, RotateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { generatePassword } from '../functions/shared/password';
import { RANDOM_DEFAULT_POLICY } from '../functions/strategies/password-defaults';
import { performance } from 'node:perf_hooks';
import type { FleetRequest, FleetSummary } from '../functions/fleet/contract';
import { TaskEnvironment } from '../functions/shared/lifecycle-contract';
import { ManagementTag } from '../functions/shared/management-tags';
import { STRATEGY_TAG } from '../functions/strategies/tag-options';
import { startLocalEventBridge } from '../local/eventbridge/local-eventbridge';
import { startLocalSns } from '../local/sns/local-sns';
import {
  LOCAL_ACCOUNT,
  LOCAL_ALERT_TOPIC_NAME,
  LOCAL_AUDIT_BUS_NAME,
  LOCAL_REGION,
  LOCAL_ROTATION_FUNCTION_ARN,
} from '../local/stack';
import { LOCAL_COORDINATOR_FUNCTION_ARN, loadStateMachine } from '../local/stepfunctions/definitions';
import { localFunctionArn, localStateMachineArn } from '../local/stepfunctions/executions';
import {
  runStateMachine,
  type LambdaHandler,
  type RunStateMachineOptions,
  type StateMachineRunResult,
} from '../local/stepfunctions/runner';
import type { FleetBenchResult } from './fleet';
import { keyturnFunctionMemoryMb } from './function-memory';
import { RemoteSecretsManager } from './remote-secrets-manager';
import { quantile, round } from './stats';
import { DEFAULT_WRITE_QUOTA_PER_SECOND } from '../functions/shared/write-pacing';

/** The local Secrets Manager's write quota (AWS's default, on in the fleet run). */
const QUOTA_WRITES_PER_SECOND = DEFAULT_WRITE_QUOTA_PER_SECOND;

/*
 * The fleet bench itself, in a process of its own (bench/fleet.ts forks it): Step Functions' side
 * (the runner, the fleet and lifecycle definitions, the task functions) with the local EventBridge
 * and SNS here; the local Secrets Manager and the rotation function it invokes in another process
 * (bench/secretsmanager-process.ts), so the two sides use the machine's two cores as they would use
 * two machines in AWS. Method and definitions: bench/fleet.ts.
 */

const SECRETS_MANAGER_WRITES = ['PutSecretValue', 'UpdateSecret', 'UpdateSecretVersionStage'] as const;
const USD_PER_TRANSITION = 0.025 / 1000;
const USD_PER_LAMBDA_REQUEST = 0.2 / 1_000_000;
const USD_PER_ARM64_GB_SECOND = 0.0000133334;
/** Local time compression: retry pauses keep their backoff and jitter at this fraction of their length. */
const RETRY_TIME_FACTOR = 0.1;
const FLEET_TAG = 'keyturn-bench:fleet';
const SETUP_CONCURRENCY = 50;
const PROBE_ROTATIONS = 5;

const FLEET_ARN = localStateMachineArn('keyturn-fleet');
const LIFECYCLE_ARN = localStateMachineArn('keyturn-lifecycle');
const SELECT_ARN = localFunctionArn('keyturn-fleet-select');
const SUMMARIZE_ARN = localFunctionArn('keyturn-fleet-summarize');

/** Handler durations by function (the task functions run here), for the cost model. */
class InvocationLog {
  private durations = new Map<string, number[]>();
  enabled = false;

  wrap(name: string, handler: LambdaHandler): LambdaHandler {
    return async (event) => {
      if (!this.enabled) return handler(event);
      const started = performance.now();
      try {
        return await handler(event);
      } finally {
        const samples = this.durations.get(name) ?? [];
        samples.push(performance.now() - started);
        this.durations.set(name, samples);
      }
    };
  }

  take(): Map<string, number[]> {
    const taken = this.durations;
    this.durations = new Map();
    return taken;
  }
}

/** A value the random strategy's default policy accepts, as a user's first key would be. */
const initialValue = (): string => generatePassword(RANDOM_DEFAULT_POLICY);

/** Random API-key secrets, keyturn-managed and tagged for the fleet, rotation enabled; quotas off meanwhile. */
async function givenSecrets(
  secretsManager: RemoteSecretsManager,
  client: SecretsManagerClient,
  count: number,
  group: string,
): Promise<string[]> {
  await secretsManager.setQuotas(false);
  try {
    const arns: string[] = [];
    for (let start = 0; start < count; start += SETUP_CONCURRENCY) {
      const batch = Array.from({ length: Math.min(SETUP_CONCURRENCY, count - start) }, async (_, i) => {
        const created = await client.send(
          new CreateSecretCommand({
            Name: `bench/fleet/${group}/${start + i}`,
            SecretString: initialValue(),
            Tags: [
              { Key: STRATEGY_TAG, Value: 'random' },
              { Key: ManagementTag.managed, Value: 'true' },
              { Key: FLEET_TAG, Value: group },
            ],
          }),
        );
        const arn = created.ARN as string;
        // RotateImmediately false enables rotation and only tests the current value.
        await client.send(
          new RotateSecretCommand({
            SecretId: arn,
            RotationLambdaARN: LOCAL_ROTATION_FUNCTION_ARN,
            RotationRules: { AutomaticallyAfterDays: 30 },
            RotateImmediately: false,
          }),
        );
        await secretsManager.waitForRotation(arn);
        return arn;
      });
      arns.push(...(await Promise.all(batch)));
    }
    return arns;
  } finally {
    await secretsManager.setQuotas(true);
  }
}

/** State transitions as Step Functions bills them: each state entered, and each retry attempt. */
function billedTransitions(execution: StateMachineRunResult): number {
  return execution.events.filter((event) => event.type === 'StateEntered' || event.type === 'StateRetried').length;
}

/** Lambda's price of these invocations: per request, plus GB-seconds of each duration rounded up to the ms. */
function lambdaUsd(durationsMs: readonly number[], memoryMb: number): number {
  return durationsMs.reduce(
    (usd, ms) => usd + USD_PER_LAMBDA_REQUEST + (Math.ceil(ms) / 1000) * (memoryMb / 1024) * USD_PER_ARM64_GB_SECOND,
    0,
  );
}

async function runFleetBench(secrets: number): Promise<FleetBenchResult> {
  const memoryMb = await keyturnFunctionMemoryMb();
  const location = { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT };
  const eventBridge = await startLocalEventBridge(location);
  const sns = await startLocalSns(location);
  eventBridge.createEventBus(LOCAL_AUDIT_BUS_NAME);
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'keyturn-local',
    AWS_SECRET_ACCESS_KEY: 'keyturn-local',
    AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
    [TaskEnvironment.auditBusName]: LOCAL_AUDIT_BUS_NAME,
    [TaskEnvironment.defaultAlertTopicArn]: sns.createTopic(LOCAL_ALERT_TOPIC_NAME),
  });
  const secretsManager = await RemoteSecretsManager.start(process.env);
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = secretsManager.endpoint;
  const client = new SecretsManagerClient({ endpoint: secretsManager.endpoint, region: LOCAL_REGION });
  try {
    // The handlers build their clients at import: only now does the environment point at the emulators.
    const fleetFunctions = await import('../functions/fleet/handler');
    const coordinator = await import('../functions/coordinator/handler');
    const rotationFunction = await import('../functions/rotate-secret/handler');
    const log = new InvocationLog();
    const lambdaHandlers: Record<string, LambdaHandler> = {
      [SELECT_ARN]: log.wrap('fleet select', fleetFunctions.selectHandler),
      [SUMMARIZE_ARN]: log.wrap('fleet summarize', fleetFunctions.summarizeHandler),
      [LOCAL_COORDINATOR_FUNCTION_ARN]: log.wrap('coordinator (lifecycle tasks)', coordinator.handler),
      [LOCAL_ROTATION_FUNCTION_ARN]: log.wrap('rotation function (lifecycle tasks)', rotationFunction.handler),
    };
    const lifecycle = loadStateMachine('lifecycle');
    const options: RunStateMachineOptions = { lambdaHandlers, wait: { ms: 0 }, retry: { factor: RETRY_TIME_FACTOR } };

    // Cost model: happy-path lifecycles one at a time (the first warms the handlers up).
    const [warmup = '', ...probes] = await givenSecrets(secretsManager, client, PROBE_ROTATIONS + 1, 'probe');
    await runStateMachine(lifecycle, { secretArn: warmup, trigger: 'on-demand' }, options);
    log.enabled = true;
    await secretsManager.recordStepDurations(true);
    const transitions: number[] = [];
    for (const secretArn of probes) {
      const result = await runStateMachine(
        lifecycle,
        { secretArn, trigger: 'on-demand' },
        { ...options, stateMachineArn: LIFECYCLE_ARN },
      );
      if (result.status !== 'SUCCEEDED') throw new Error(`probe lifecycle ${result.status}: ${result.error ?? ''}`);
      transitions.push(billedTransitions(result));
    }
    log.enabled = false;
    await secretsManager.recordStepDurations(false);
    const invocations = log.take();
    invocations.set('rotation function (4 steps)', await secretsManager.takeStepDurations());
    const transitionsPerRotation = quantile(transitions, 0.5);
    const lambdaPerRotation = lambdaUsd([...invocations.values()].flat(), memoryMb) / probes.length;
    const usdPerRotation = transitionsPerRotation * USD_PER_TRANSITION + lambdaPerRotation;

    // The fleet: N secrets selected by tag, write quota on.
    await givenSecrets(secretsManager, client, secrets, 'fleet');
    const fleet = loadStateMachine('fleet', {
      SelectFleetFunction: SELECT_ARN,
      SummarizeFleetFunction: SUMMARIZE_ARN,
      LifecycleStateMachine: LIFECYCLE_ARN,
    });
    // The default concurrency, as a user's fleet run would have it.
    const request: FleetRequest = { selection: { tags: { [FLEET_TAG]: 'fleet' } } };
    await secretsManager.resetRequestCounts();
    await secretsManager.takePacerWaits();
    const cpuBefore = { here: process.cpuUsage(), secretsManager: await secretsManager.cpuSeconds() };
    const started = performance.now();
    const result = await runStateMachine(fleet, request, {
      ...options,
      stateMachineArn: FLEET_ARN,
      stateMachines: { [LIFECYCLE_ARN]: { definition: lifecycle } },
    });
    const seconds = (performance.now() - started) / 1000;
    const cpuHere = process.cpuUsage(cpuBefore.here);
    const cpu = {
      stepFunctionsSide: (cpuHere.user + cpuHere.system) / 1e6,
      secretsManagerSide: (await secretsManager.cpuSeconds()) - cpuBefore.secretsManager,
    };
    const lifecycleMs = result.childExecutions.map((child) => child.stopDate.getTime() - child.startDate.getTime());
    const rotationMs = await secretsManager.rotationMs();
    const summary = result.output as FleetSummary | undefined;
    const failedRotations = await secretsManager.failedRotations();
    if (result.status !== 'SUCCEEDED' || summary?.succeeded !== secrets || summary.failed !== 0 || failedRotations) {
      throw new Error(
        `the fleet did not rotate every secret: ${result.status} ${result.error ?? ''} ${JSON.stringify(summary)}; ` +
          `${failedRotations} rotations failed`,
      );
    }
    const counts = await secretsManager.requestCounts();
    let admittedWrites = 0;
    let throttledWrites = 0;
    for (const operation of SECRETS_MANAGER_WRITES) {
      admittedWrites += (counts[operation]?.requests ?? 0) - (counts[operation]?.throttled ?? 0);
      throttledWrites += counts[operation]?.throttled ?? 0;
    }
    const writesPerRotation = admittedWrites / secrets;
    const pacer = await secretsManager.takePacerWaits();
    const achievedRate = admittedWrites / seconds;
    const fraction = achievedRate / pacer.writesPerSecond;
    const waits = Object.values(pacer.waitedMsBySecret);
    const maxWaitSeconds = Math.max(0, ...waits) / 1000;
    const fleetTransitions = billedTransitions(result) / secrets;

    const lines = [
      `fleet: ${secrets} rotations in ${round(seconds)} s, ${admittedWrites} writes (${round(writesPerRotation, 2)} per ` +
        `rotation, ${pacer.writes} through the pacer): ${round(achievedRate, 1)} writes/s against a pace of ` +
        `${pacer.writesPerSecond}/s (quota ${QUOTA_WRITES_PER_SECOND}/s): fraction ${round(fraction, 2)}; ` +
        `${throttledWrites} writes throttled (and retried), 0 rotations failed`,
      `  waits for the pacer per rotation: p50 ${round(quantile(waits, 0.5) / 1000, 2)} s, ` +
        `p90 ${round(quantile(waits, 0.9) / 1000, 2)} s, max ${round(maxWaitSeconds, 2)} s`,
      `  one lifecycle took p50 ${round(quantile(lifecycleMs, 0.5) / 1000, 1)} s (p90 ${round(quantile(lifecycleMs, 0.9) / 1000, 1)} s), ` +
        `its rotation (RotateSecret to finishSecret) p50 ${round(quantile(rotationMs, 0.5) / 1000, 1)} s`,
      `  CPU: ${round((cpu.stepFunctionsSide * 1000) / secrets, 1)} ms per rotation on the Step Functions side, ` +
        `${round((cpu.secretsManagerSide * 1000) / secrets, 1)} ms on the Secrets Manager side ` +
        `(${round(cpu.stepFunctionsSide + cpu.secretsManagerSide)} CPU-s in ${round(seconds)} s)`,
      `cost of one rotation: ${transitionsPerRotation} state transitions = $${(transitionsPerRotation * USD_PER_TRANSITION).toFixed(6)}; ` +
        `Lambda $${lambdaPerRotation.toFixed(7)} (${memoryMb} MB, arm64):`,
      ...[...invocations].map(
        ([name, samples]) =>
          `  ${name}: ${round(samples.length / probes.length, 1)} invocations, p50 ${round(quantile(samples, 0.5))} ms`,
      ),
      `  total $${usdPerRotation.toFixed(6)} per rotation; a fleet run adds ${round(fleetTransitions, 2)} transitions ` +
        `($${(fleetTransitions * USD_PER_TRANSITION).toFixed(6)}) per secret`,
    ];
    for (const line of lines) console.error(`bench: ${line}`);

    return {
      fleet_quota_fraction: round(fraction, 3),
      fleet_max_wait_s: round(maxWaitSeconds, 2),
      fleet_seconds: round(seconds, 1),
      fleet_writes_per_rotation: round(writesPerRotation, 2),
      fleet_throttled_writes: throttledWrites,
      transitions_per_rotation: transitionsPerRotation,
      fleet_transitions_per_rotation: round(fleetTransitions, 2),
      usd_per_rotation: Number(usdPerRotation.toPrecision(3)),
    };
  } finally {
    client.destroy();
    await secretsManager.stop();
    await eventBridge.stop();
    await sns.stop();
  }
}

runFleetBench(Number(process.argv[2] ?? 1000)).then(
  (result) => {
    process.send?.(result);
    process.exit(0);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
