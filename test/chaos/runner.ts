import type { ChaosEnvironment } from './environment';
import { checkInvariants, type Violation } from './invariants';
import { observe } from './observe';
import type { OutputSource } from './outputs';
import { lifecyclePhase, recover, rotationPhase, type LifecycleRun, type Recovery } from './phases';
import { isExecutionPlant, plant, plantAfterExecution, type Plant } from './plants';
import type { KeyPlant } from './key-plants';
import { runKeyScenario } from './key-runner';
import type { KeyRun } from './key-world';
import { isDualAccept, type Scenario, type SecretScenario } from './scenario';
import type { RotationAttempt } from './world';
import { ScenarioWorld } from './world';

/**
 * Runs one scenario from start to verdict: set up, a clean rotation if the scenario wants one, the
 * faults armed through its rotations (or its lifecycle execution), the faults lifted and running
 * calls settled, recovery, then observation and the invariants.
 */

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly violations: readonly Violation[];
  /** A rotation succeeded once the faults were lifted. */
  readonly recovered: boolean;
  /** Faults that struck (some wait for a request or packet that never comes). */
  readonly faultsFired: number;
  /** The IAM/STS or provider operations crashes at a call struck. */
  readonly struckCalls?: readonly string[];
  /** The clean rotation before the faults failed (a finding in itself: nothing was injected yet). */
  readonly warmupFailed?: string;
  readonly rotations: readonly RotationAttempt[];
  readonly lifecycle?: LifecycleRun;
  readonly recovery?: Recovery;
  /** KMS keys: every run of the kms-key state machine while the faults were armed and in recovery. */
  readonly keyRuns?: readonly KeyRun[];
  /** KMS keys: what operators did by hand between tasks. */
  readonly handFixes?: readonly string[];
  /** The harness itself failed (setup, a server): the scenario says nothing about keyturn. */
  readonly harnessError?: string;
  /** Every rotation run Secrets Manager recorded for the secret (its own history), oldest first. */
  readonly runs?: readonly RunRecord[];
  /** The errors callers saw, distinct, with every secret value redacted (for a replay's trace). */
  readonly errors?: readonly string[];
  /** Characters of output the leak check read, per source. */
  readonly outputSizes?: Readonly<Record<OutputSource, number>>;
  readonly durationMs: number;
}

/** A rotation run as Secrets Manager recorded it. */
export interface RunRecord {
  readonly token: string;
  readonly outcome: string;
  readonly completedSteps: readonly string[];
  readonly error?: string;
  readonly ms?: number;
}

export interface RunScenarioOptions {
  /** Break one invariant after the scenario (the checker's self-test). */
  readonly plant?: Plant;
  /** The same for a KMS key's scenario. */
  readonly keyPlant?: KeyPlant;
}

/** Runs one scenario of any kind: a secret's (below) or a KMS key's (key-runner.ts). */
export function runScenario(
  env: ChaosEnvironment,
  scenario: Scenario,
  options: RunScenarioOptions = {},
): Promise<ScenarioResult> {
  return scenario.kind === 'kms-key'
    ? runKeyScenario(env, scenario, options.keyPlant)
    : runSecretScenario(env, scenario, options);
}

async function runSecretScenario(
  env: ChaosEnvironment,
  scenario: SecretScenario,
  options: RunScenarioOptions,
): Promise<ScenarioResult> {
  const started = Date.now();
  const base = { scenario, durationMs: 0, faultsFired: 0, rotations: [], violations: [], recovered: false };
  let world: ScenarioWorld;
  try {
    world = await ScenarioWorld.create(env, scenario);
  } catch (error) {
    return { ...base, harnessError: `setup: ${describe(error)}`, durationMs: Date.now() - started };
  }
  try {
    let warmupFailed: string | undefined;
    if (scenario.warmup) {
      const warmup = await world.rotate();
      if (warmup.outcome !== 'succeeded') {
        warmupFailed = `${warmup.outcome} at ${warmup.failedStep ?? '?'}: ${warmup.errorName ?? ''}`;
      }
    }
    world.arm();
    let rotations: RotationAttempt[] = [];
    let lifecycle: LifecycleRun | undefined;
    if (scenario.kind === 'lifecycle') {
      lifecycle = await lifecyclePhase(world, {
        // A plant that breaks what an execution leaves (a canary's abort or promotion) strikes as it ends.
        ...(options.plant && isExecutionPlant(options.plant)
          ? { afterExecution: () => plantAfterExecution(world, options.plant as Plant) }
          : {}),
      });
    } else rotations = await rotationPhase(world);
    await world.lift();
    await world.settle();
    const beforeRecovery = isDualAccept(scenario.target) ? await world.currentAuthenticates() : undefined;
    await world.canaryReplica.redriveAbort();
    const recovery = await recover(world);
    if (options.plant && !isExecutionPlant(options.plant)) await plant(world, options.plant);
    const observation = await observe(world, {
      recovered: recovery.succeeded,
      ...(beforeRecovery === undefined ? {} : { currentAuthenticatedBeforeRecovery: beforeRecovery }),
    });
    return {
      ...base,
      violations: checkInvariants(observation),
      recovered: recovery.succeeded,
      faultsFired: world.fired.size,
      ...(world.struckCalls.length > 0 ? { struckCalls: world.struckCalls } : {}),
      ...(warmupFailed === undefined ? {} : { warmupFailed }),
      rotations,
      ...(lifecycle ? { lifecycle } : {}),
      recovery,
      outputSizes: world.outputs.sizes(),
      errors: redacted(
        [
          ...world.outputs
            .all()
            .filter((output) => output.source === 'error')
            .map((output) => output.text),
          ...world.concurrentErrors.map((error) => `${error.source}: ${error.name}: ${error.message}`),
        ],
        observation.secretValues.map((secret) => secret.value),
      ),
      runs: env.stack.secretsManager.rotationHistory(world.secretArn).map((record) => ({
        token: record.clientRequestToken,
        outcome: record.outcome,
        completedSteps: record.completedSteps,
        ...(record.error ? { error: `${record.step ?? '?'}: ${record.error.name}` } : {}),
        ...(record.endedAt ? { ms: record.endedAt.getTime() - record.startedAt.getTime() } : {}),
      })),
      durationMs: Date.now() - started,
    };
  } catch (error) {
    return { ...base, harnessError: describe(error), faultsFired: world.fired.size, durationMs: Date.now() - started };
  } finally {
    await world.lift().catch(() => undefined);
    await world.dispose();
  }
}

/** Distinct texts with every secret value replaced: a trace shows what went wrong, never a value. */
function redacted(texts: readonly string[], secrets: readonly string[]): string[] {
  const values = secrets.filter((value) => value.length > 0).sort((a, b) => b.length - a.length);
  return [
    ...new Set(texts.map((text) => values.reduce((clean, value) => clean.split(value).join('«redacted»'), text))),
  ];
}

/** A harness failure, by name and message (the harness's own errors hold no secret values). */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
