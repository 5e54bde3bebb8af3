import { startChaosEnvironment, type ChaosEnvironment } from '../../chaos/environment';
import { replayCommand } from '../../chaos/report';
import { generateScenario, SCENARIO_KINDS } from '../../chaos/scenario';
import { runScenarios, runSelfTest } from '../../chaos/suite';
import { describeWithServers } from '../../support/servers';

/**
 * `npm test`'s share of the chaos suite (`npm run chaos` runs a thousand scenarios): the checker
 * finds each violation planted in a clean scenario, and a fixed seed's first scenarios of every
 * kind keep every invariant. Nothing here depends on how fast the machine is: each scenario runs
 * to its end, whatever it takes.
 */
jest.setTimeout(55_000);

/** The sample's seed; a failure prints the command that replays the scenario alone. */
const SAMPLE_SEED = 'npm-test';
const SCENARIOS_PER_KIND = 2;

describeWithServers(['mariadb', 'redis'])('the chaos suite, a seeded sample', () => {
  let env: ChaosEnvironment;

  beforeAll(async () => {
    env = await startChaosEnvironment('jest', { warmEnvironments: 2 });
    env.capture.start();
  });
  afterAll(() => env.stop());

  it('finds every violation planted in a clean scenario, and none in clean ones', async () => {
    const outcomes = await runSelfTest(env, 3);
    const missed = outcomes
      .filter((outcome) => !outcome.passed)
      .map(
        ({ testCase, result }) =>
          `${testCase.plant ?? 'clean'} on ${testCase.target}: ${result.violations.map((v) => v.invariant).join(', ') || 'no violation'}${result.harnessError ? ` (${result.harnessError})` : ''}`,
      );
    expect(missed).toEqual([]);
  });

  it(`keeps every invariant through the first ${SCENARIOS_PER_KIND} scenarios of every kind (seed ${SAMPLE_SEED})`, async () => {
    const scenarios = SCENARIO_KINDS.flatMap((kind) =>
      Array.from({ length: SCENARIOS_PER_KIND }, (_, i) => generateScenario(SAMPLE_SEED, i + 1, [kind])),
    );
    const results = await runScenarios(env, scenarios, 3);
    const findings = results.flatMap((result) =>
      [
        ...result.violations.map((violation) => `${violation.invariant}: ${violation.detail}`),
        ...(result.harnessError ? [`harness error: ${result.harnessError}`] : []),
      ].map(
        (finding) => `${finding} (replay: ${replayCommand(SAMPLE_SEED, result.scenario.number, result.scenario.kind)})`,
      ),
    );
    expect(findings).toEqual([]);
    // Faults did strike: a sample where none fired would prove nothing.
    expect(results.reduce((sum, result) => sum + result.faultsFired, 0)).toBeGreaterThan(scenarios.length / 2);
  });
});
