import { randomUUID } from 'node:crypto';
import { runStateMachine } from '../../local/stepfunctions/runner';
import { LOCAL_COORDINATOR_FUNCTION_ARN } from '../../local/stepfunctions/definitions';
import type { RotationAttempt, ScenarioWorld } from './world';

/**
 * What happens in a scenario, phase by phase: rotations started while the faults are armed (with
 * Secrets Manager's retries and an operator's hand fixes), or one lifecycle execution; then,
 * with the faults lifted, the recovery anyone would attempt.
 */

/** Rotations tried after the faults are lifted before the scenario counts as unable to complete. */
export const RECOVERY_ROTATIONS = 6;
/** Secrets Manager's retries of one stuck version, in recovery, before an operator clears it and starts over. */
const RETRIES_BEFORE_HAND_FIX = 2;

/** The rotations started while faults are armed: the schedule's, Secrets Manager's retries, the operator's. */
export async function rotationPhase(world: ScenarioWorld): Promise<RotationAttempt[]> {
  const { scenario } = world;
  const attempts: RotationAttempt[] = [];
  const restarts = scenario.faults.find((fault) => fault.type === 'operator-restarts');
  let restartsLeft = restarts?.type === 'operator-restarts' ? restarts.times : 0;
  for (let attempt = 0; attempt < scenario.attempts; attempt++) {
    // A rotation left stuck is retried with its own token, as Secrets Manager does; else a new one starts.
    let run = await world.rotate(world.stuckPending());
    attempts.push(run);
    for (let retry = 0; retry < scenario.awsRetries && failed(run) && world.stuckPending() === run.token; retry++) {
      run = await world.rotate(run.token);
      attempts.push(run);
    }
    while (failed(run) && restartsLeft > 0 && restarts) {
      restartsLeft -= 1;
      world.fired.add(restarts);
      await world.clearStuckPending();
      run = await world.rotate();
      attempts.push(run);
    }
  }
  return attempts;
}

export interface LifecycleRun {
  readonly status: string;
  readonly error?: string;
  /** The states entered, in order. */
  readonly history: readonly string[];
}

/**
 * One lifecycle execution (the real definition, waits shortened, tasks run by the scenario's
 * function), with Secrets Manager retrying a native rotation that failed, as AWS does.
 */
export async function lifecyclePhase(
  world: ScenarioWorld,
  options: { readonly afterExecution?: () => Promise<void> } = {},
): Promise<LifecycleRun> {
  const { env } = world;
  // The warm-up was a plain rotation: AWSPREVIOUS's IAM key is still active, as no lifecycle revoked it.
  await world.retireStaleKey();
  const name = randomUUID();
  const executionArn = `arn:aws:states:us-east-1:123456789012:execution:keyturn-lifecycle:${name}`;
  let running = true;
  const retrier = retryFailedRotations(world, () => running, 1 + world.scenario.awsRetries);
  const currentBefore = world.canaryReplica.beforeExecution();
  try {
    const result = await runStateMachine(
      env.lifecycleDefinition,
      { secretArn: world.secretArn, trigger: 'on-demand' },
      {
        lambdaHandlers: {
          [LOCAL_COORDINATOR_FUNCTION_ARN]: env.coordinator,
          [world.functionArn]: (payload) => world.invokeFromStateMachine(payload),
        },
        wait: { ms: 5 },
        retry: { ms: 20 },
        stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:keyturn-lifecycle',
        executionName: name,
        context: { Execution: { Id: executionArn, Name: name } },
      },
    );
    world.outputs.add(
      'execution-history',
      JSON.stringify({ events: result.events, output: result.output, error: result.error, cause: result.cause }),
    );
    world.endExecution();
    await options.afterExecution?.();
    await world.canaryReplica.afterExecution(result.history, currentBefore);
    return { status: result.status, ...(result.error ? { error: result.error } : {}), history: result.history };
  } finally {
    running = false;
    world.endExecution();
    await retrier;
  }
}

/** Secrets Manager's pause before it runs a failed rotation again: 0.5 s, then 1 s, then 2 s (time compressed). */
const RETRY_PAUSE_MS = 500;

/** While the execution runs: a native rotation that failed is run again with its token, up to `times` times. */
async function retryFailedRotations(world: ScenarioWorld, running: () => boolean, times: number): Promise<void> {
  const retried = new Map<string, number>();
  while (running()) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const records = world.env.stack.secretsManager.rotationHistory(world.secretArn);
    const latest = records[records.length - 1];
    if (!latest || latest.outcome !== 'failed' || !running()) continue;
    const token = latest.clientRequestToken;
    const count = retried.get(token) ?? 0;
    if (count >= times || world.stuckPending() !== token) continue;
    retried.set(token, count + 1);
    await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS * 2 ** count));
    if (running() && world.stuckPending() === token) await world.rotate(token);
  }
}

export interface Recovery {
  /** Rotations run after the faults were lifted. */
  readonly rotations: readonly RotationAttempt[];
  /** Whether one of them succeeded. */
  readonly succeeded: boolean;
  /** Times an operator cleared a stuck AWSPENDING in recovery. */
  readonly handFixes: number;
}

/**
 * With the faults lifted: Secrets Manager retries a stuck rotation with its token; if that keeps
 * failing, an operator clears AWSPENDING and starts a new one; with nothing stuck, a new rotation
 * runs. Until one succeeds, at most RECOVERY_ROTATIONS times.
 */
export async function recover(world: ScenarioWorld): Promise<Recovery> {
  const rotations: RotationAttempt[] = [];
  let handFixes = 0;
  let retriesOfStuck = 0;
  for (let i = 0; i < RECOVERY_ROTATIONS; i++) {
    let stuck = world.stuckPending();
    if (stuck !== undefined && retriesOfStuck >= RETRIES_BEFORE_HAND_FIX) {
      if (await world.clearStuckPending()) handFixes += 1;
      stuck = undefined;
    }
    const run = await world.rotate(stuck);
    retriesOfStuck = stuck !== undefined ? retriesOfStuck + 1 : 0;
    rotations.push(run);
    if (run.outcome === 'succeeded') return { rotations, succeeded: true, handFixes };
  }
  return { rotations, succeeded: false, handFixes };
}

function failed(run: RotationAttempt): boolean {
  return run.outcome !== 'succeeded';
}
