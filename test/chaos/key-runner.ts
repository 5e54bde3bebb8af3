import type { ChaosEnvironment } from './environment';
import { checkKeyInvariants, type KeyObservation } from './key-invariants';
import { plantKey, type KeyPlant } from './key-plants';
import type { KeyScenario } from './key-scenario';
import { KeyWorld, type KeyRun } from './key-world';
import type { SecretValue } from './observe';
import type { ScenarioResult } from './runner';
import type { RotationAttempt } from './world';

/**
 * Runs one kms-key scenario from start to verdict, in the same phases as a secret's: set up, a clean run if the
 * scenario wants one, the faults armed through its runs, the faults lifted and running calls settled, recovery
 * (runs until one completes), then observation and the invariants. Its result is a ScenarioResult like any
 * other, so the report, the replay and the summary treat both kinds alike.
 */

/** Runs tried after the faults are lifted before the scenario counts as unable to complete. */
export const KEY_RECOVERY_RUNS = 4;

export async function runKeyScenario(
  env: ChaosEnvironment,
  scenario: KeyScenario,
  plant?: KeyPlant,
): Promise<ScenarioResult> {
  const started = Date.now();
  const base = { scenario, durationMs: 0, faultsFired: 0, rotations: [], violations: [], recovered: false };
  let world: KeyWorld;
  try {
    world = await KeyWorld.create(env, scenario);
  } catch (error) {
    return { ...base, harnessError: `setup: ${describe(error)}`, durationMs: Date.now() - started };
  }
  try {
    await world.checkpoint('at the start');
    let warmupFailed: string | undefined;
    if (scenario.warmup) {
      const warmup = await world.execute();
      if (!completed(warmup))
        warmupFailed = `${warmup.outcome ?? warmup.status} at ${warmup.failedStep ?? '?'}: ${warmup.errorName ?? ''}`;
    }
    world.arm();
    const runs: KeyRun[] = [];
    for (let attempt = 0; attempt < scenario.attempts; attempt++) runs.push(await world.execute());
    world.lift();
    await world.settle();
    const recoveryRuns: KeyRun[] = [];
    for (let i = 0; i < KEY_RECOVERY_RUNS && !recoveryRuns.some(completed); i++)
      recoveryRuns.push(await world.execute());
    const recovered = recoveryRuns.some(completed);
    if (plant) await plantKey(world, plant);
    const observation = await observeKeys(world, recovered);
    return {
      ...base,
      violations: checkKeyInvariants(observation),
      recovered,
      faultsFired: world.fired.size,
      ...(world.struckCalls.length > 0 ? { struckCalls: world.struckCalls } : {}),
      ...(world.handFixes.length > 0 ? { handFixes: world.handFixes } : {}),
      ...(warmupFailed === undefined ? {} : { warmupFailed }),
      rotations: runs.map(asAttempt),
      recovery: { rotations: recoveryRuns.map(asAttempt), succeeded: recovered, handFixes: 0 },
      keyRuns: [...runs, ...recoveryRuns],
      outputSizes: world.outputs.sizes(),
      errors: [
        ...new Set([
          ...world.outputs
            .all()
            .filter((output) => output.source === 'error')
            .map((output) => output.text),
          ...world.concurrentErrors.map((error) => `${error.source}: ${error.name}: ${error.message}`),
        ]),
      ],
      durationMs: Date.now() - started,
    };
  } catch (error) {
    return { ...base, harnessError: describe(error), faultsFired: world.fired.size, durationMs: Date.now() - started };
  } finally {
    world.lift();
    await world.dispose();
  }
}

function completed(run: KeyRun): boolean {
  return run.outcome === 'completed';
}

/** A run as the report shows rotations: completed is a success; anything else names its step and error. */
function asAttempt(run: KeyRun): RotationAttempt {
  return {
    token: run.name,
    outcome: completed(run) ? 'succeeded' : 'failed',
    ...(run.errorName === undefined ? {} : { errorName: run.errorName }),
    ...(run.failedStep === undefined ? {} : { failedStep: run.failedStep }),
  };
}

/** What the checker looks at: the findings at every observation point, the entry's keys, KMS's feed, outputs. */
async function observeKeys(world: KeyWorld, recovered: boolean): Promise<KeyObservation> {
  const { env } = world;
  await world.checkpoint('at the end');
  await world.verifyArtefacts();
  const canaries = await world.canaryPlaintexts();
  for (const message of env.stack.sns.messages().slice(world.startedAt.alerts)) {
    world.outputs.add('alert', JSON.stringify(message));
  }
  for (const event of env.stack.eventBridge.events().slice(world.startedAt.auditEvents)) {
    world.outputs.add('audit-event', JSON.stringify(event));
  }
  const secretValues: SecretValue[] = [
    ...canaries.flatMap((plaintext, index) => forms(`the plaintext of keyturn's canary #${index + 1}`, plaintext)),
    ...world.artefacts.flatMap((artefact) => forms(`the consumer's data made ${artefact.where}`, artefact.data)),
  ];
  const aliasKeyId = world.aliasTarget()?.keyId;
  return {
    number: world.scenario.number,
    key: world.scenario.key,
    recovered,
    findings: world.findings,
    ...(aliasKeyId === undefined ? {} : { aliasKeyId }),
    keys: await world.entryKeys(),
    executions: world.executions,
    onDemandRotations: world.onDemandRotations,
    limitRefusals: world.limitRefusals,
    onDemandRotationLimit: world.scenario.onDemandRotationLimit,
    aliasedDeletions: world.aliasedDeletions,
    secretValues,
    outputs: world.outputs.all(),
  };
}

/** Bytes as they would show in text: base64 (as the SDK and JSON carry them) and hex. */
function forms(what: string, bytes: Uint8Array): SecretValue[] {
  const buffer = Buffer.from(bytes);
  return [
    { what, value: buffer.toString('base64') },
    { what, value: buffer.toString('hex') },
  ];
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
