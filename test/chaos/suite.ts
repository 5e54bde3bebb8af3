import type { ChaosEnvironment } from './environment';
import { PLANTED_INVARIANT, type Plant } from './plants';
import { runScenario, type ScenarioResult } from './runner';
import { generateScenario, type Scenario, type ScenarioKind, type TargetKind } from './scenario';

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

export interface SelfTestCase {
  readonly target: TargetKind;
  /** Undefined: a clean control scenario, which must show no violation at all. */
  readonly plant?: Plant;
}

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
];

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
      const scenario: Scenario = {
        seed: 'self-test',
        // Apart from any generated scenario's number, so users and secrets never collide.
        number: 1_000_000 + index,
        kind: testCase.target,
        target: testCase.target,
        warmup: true,
        attempts: 1,
        awsRetries: 0,
        faults: [],
      };
      const result = await runScenario(env, scenario, testCase.plant ? { plant: testCase.plant } : {});
      const wanted = testCase.plant ? PLANTED_INVARIANT[testCase.plant] : undefined;
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
