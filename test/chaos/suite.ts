import type { ChaosEnvironment } from './environment';
import { PLANTED_INVARIANT, type Plant } from './plants';
import { runScenario, type ScenarioResult } from './runner';
import { KEY_PLANT_TARGET, KEY_PLANTED_INVARIANT, KEY_PLANTS, type KeyPlant } from './key-plants';
import { KEY_TARGETS, type KeyScenario, type KeyTarget } from './key-scenario';
import { generateScenario, type Fault, type Scenario, type ScenarioKind, type TargetKind } from './scenario';

/**
 * A run: scenarios 1..N of a seed (or one of them), a few at a time, each from (seed, number) alone;
 * and the checker's self-test, which plants each violation and expects it found.
 */

export interface SuiteOptions {
  readonly seed: string;
  /** Scenarios 1..scenarios; ignored when `only` is set. */
  readonly scenarios: number;
  /** Just this scenario (a replay). */
  readonly only?: number;
  /** Times to run `only`. @default 1 */
  readonly repeat?: number;
  readonly kinds: readonly ScenarioKind[];
  /** Scenarios running at once. */
  readonly concurrency: number;
  /** Told of each result as it comes. */
  readonly onResult?: (result: ScenarioResult) => void;
}

export async function runSuite(env: ChaosEnvironment, options: SuiteOptions): Promise<ScenarioResult[]> {
  const numbers =
    options.only === undefined
      ? Array.from({ length: options.scenarios }, (_, i) => i + 1)
      : Array.from({ length: options.repeat ?? 1 }, () => options.only ?? 0);
  return runScenarios(
    env,
    numbers.map((number) => generateScenario(options.seed, number, options.kinds)),
    options.concurrency,
    options.onResult,
  );
}

/** Runs scenarios `concurrency` at a time (each with its own user, secret and proxy); results in scenario order. */
export async function runScenarios(
  env: ChaosEnvironment,
  scenarios: readonly Scenario[],
  concurrency: number,
  onResult?: (result: ScenarioResult) => void,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let scenario = scenarios[next++]; scenario !== undefined; scenario = scenarios[next++]) {
      const result = await runScenario(env, scenario);
      results.push(result);
      onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, () => worker()));
  return results.sort((a, b) => a.scenario.number - b.scenario.number);
}

/** A plant (undefined: a clean control scenario, which must show no violation at all) on a secret or a KMS key. */
export type SelfTestCase =
  | {
      readonly target: TargetKind;
      readonly plant?: Plant;
      /** A lifecycle execution with a canary around the target (else a plain rotation). */
      readonly canary?: boolean;
      /** Replica regions of the secret. */
      readonly replicas?: readonly string[];
      /** Faults the case needs to reach what it plants on (a canary aborted). */
      readonly faults?: readonly Fault[];
    }
  | { readonly target: 'kms-key'; readonly key: KeyTarget; readonly plant?: KeyPlant };

/** Each plant on a kind it applies to, and a clean control for every kind. */
export const SELF_TEST_CASES: readonly SelfTestCase[] = [
  { target: 'pg-single', plant: 'lockout' },
  { target: 'mariadb-alternating', plant: 'lockout' },
  { target: 'redis', plant: 'lockout' },
  { target: 'mysql8-single', plant: 'lockout' },
  { target: 'pg-alternating', plant: 'leak' },
  { target: 'random', plant: 'leak' },
  { target: 'mariadb-single', plant: 'lost-version' },
  { target: 'redis', plant: 'pending-left' },
  { target: 'random', plant: 'previous-not-prior-current' },
  { target: 'iam-access-key', plant: 'orphan-key' },
  { target: 'iam-access-key', plant: 'revoked-current' },
  { target: 'http-api-key', plant: 'orphan-key' },
  { target: 'http-api-key', plant: 'leaked-orphan' },
  { target: 'iam-access-key', plant: 'leaked-orphan' },
  { target: 'http-api-key-datadog', plant: 'revoked-current' },
  // Canary cohorts and replicated secrets.
  { target: 'random', canary: true, plant: 'canary-promoted-other' },
  {
    target: 'pg-alternating',
    canary: true,
    faults: [{ type: 'canary-fails', at: { step: 'canary-check', occurrence: 1 }, how: 'label-removed' }],
    plant: 'canary-moved-current',
  },
  { target: 'redis', canary: true, plant: 'canary-orphan' },
  { target: 'random', canary: true, plant: 'canary-left' },
  { target: 'pg-alternating', replicas: ['eu-west-1'], plant: 'revoked-while-replica-stale' },
  { target: 'pg-alternating', canary: true, replicas: ['eu-central-1'] },
  ...KEY_PLANTS.map((plant) => ({ target: 'kms-key' as const, key: KEY_PLANT_TARGET[plant], plant })),
  { target: 'pg-single' },
  { target: 'pg-alternating' },
  { target: 'mariadb-single' },
  { target: 'mariadb-alternating' },
  { target: 'mysql8-single' },
  { target: 'mysql8-alternating' },
  { target: 'redis' },
  { target: 'random' },
  { target: 'iam-access-key' },
  { target: 'http-api-key' },
  { target: 'http-api-key-datadog' },
  ...KEY_TARGETS.map((key) => ({ target: 'kms-key' as const, key })),
];

/** A clean scenario (a warm-up rotation or run, no faults) with the case's plant; numbered apart from generated ones. */
function runSelfTestCase(env: ChaosEnvironment, testCase: SelfTestCase, number: number): Promise<ScenarioResult> {
  const common = { seed: 'self-test', number, warmup: true, attempts: 1, faults: [] };
  if (testCase.target === 'kms-key') {
    const scenario: KeyScenario = { ...common, kind: 'kms-key', key: testCase.key, onDemandRotationLimit: 10 };
    return runScenario(env, scenario, testCase.plant ? { keyPlant: testCase.plant } : {});
  }
  const scenario: Scenario = {
    ...common,
    kind: testCase.canary ? 'lifecycle' : testCase.target,
    target: testCase.target,
    awsRetries: 0,
    faults: testCase.faults ?? [],
    ...(testCase.canary
      ? {
          lifecycle: { whenStillInUse: 'revoke' as const, terminateSessions: false },
          canary: { label: 'KEYTURN_CANARY', windowSeconds: 1, checkEverySeconds: 1 },
        }
      : {}),
    ...(testCase.replicas ? { replicas: { regions: testCase.replicas, maxWaitSeconds: 900 } } : {}),
  };
  return runScenario(env, scenario, testCase.plant ? { plant: testCase.plant } : {});
}

export interface SelfTestOutcome {
  readonly testCase: SelfTestCase;
  readonly result: ScenarioResult;
  /** The plant was found (or, for a control, nothing was). */
  readonly passed: boolean;
}

/** Clean scenarios (a warm-up rotation, no faults), each with its plant, checked like any other. */
export async function runSelfTest(
  env: ChaosEnvironment,
  concurrency: number,
  cases: readonly SelfTestCase[] = SELF_TEST_CASES,
): Promise<SelfTestOutcome[]> {
  const outcomes: SelfTestOutcome[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < cases.length; index = next++) {
      const testCase = cases[index];
      if (!testCase) continue;
      const result = await runSelfTestCase(env, testCase, 1_000_000 + index);
      const wanted =
        testCase.plant === undefined
          ? undefined
          : testCase.target === 'kms-key'
            ? KEY_PLANTED_INVARIANT[testCase.plant]
            : PLANTED_INVARIANT[testCase.plant];
      const passed =
        result.harnessError === undefined &&
        (wanted === undefined
          ? result.violations.length === 0
          : result.violations.some((violation) => violation.invariant === wanted));
      outcomes.push({ testCase, result, passed });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, () => worker()));
  return outcomes;
}
