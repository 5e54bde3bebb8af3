import { startChaosEnvironment, type ChaosEnvironment } from '../../chaos/environment';
import { OUTPUT_SOURCES, type OutputSource } from '../../chaos/outputs';
import { replayCommand } from '../../chaos/report';
import { generateScenario, SCENARIO_KINDS } from '../../chaos/scenario';
import { runScenarios } from '../../chaos/suite';
import { describeWithServers } from '../../support/servers';

/**
 * `npm test`'s share of the chaos suite (`npm run chaos` runs a thousand scenarios): a fixed seed's
 * first scenarios of every kind keep every invariant (chaos-self-test.test.ts shows the checker
 * finds what it must). Nothing here depends on how fast the machine is: each scenario runs to its
 * end, whatever it takes.
 */

/** The sample's seed; a failure prints the command that replays the scenario alone. */
const SAMPLE_SEED = 'npm-test';
const SCENARIOS_PER_KIND = 1;

describeWithServers(['mariadb', 'redis'])('the chaos suite, a seeded sample', () => {
  let env: ChaosEnvironment;

  beforeAll(async () => {
    env = await startChaosEnvironment('jest', { warmEnvironments: 2 });
    env.capture.start();
  });
  afterAll(() => env.stop());

  it(`keeps every invariant through scenario 1 of every kind (seed ${SAMPLE_SEED})`, async () => {
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
    // Faults did strike, and the leak check read every kind of output: a sample that saw nothing would prove nothing.
    expect(results.reduce((sum, result) => sum + result.faultsFired, 0)).toBeGreaterThan(scenarios.length / 2);
    const read = (source: OutputSource) =>
      results.reduce((sum, result) => sum + (result.outputSizes?.[source] ?? 0), 0);
    expect(OUTPUT_SOURCES.filter((source) => source !== 'alert' && read(source) === 0)).toEqual([]);
  });
});
