import { startChaosEnvironment, type ChaosEnvironment } from '../../chaos/environment';
import { PLANTS } from '../../chaos/plants';
import { runSelfTest, SELF_TEST_CASES } from '../../chaos/suite';
import { describeWithServers } from '../../support/servers';

/**
 * The chaos suite's checker cannot pass by seeing nothing: in clean scenarios on the real servers,
 * each violation is planted (a password changed behind keyturn's back, a credential printed, the
 * secret deleted and made again, AWSPENDING or AWSPREVIOUS moved by hand; a KMS key disabled or
 * deleted under its alias, spare keys left, a rotation by hand) and must be found; a clean scenario
 * must show none. `npm run chaos -- --self-test` runs every case.
 */

/** One case per plant, on kinds chosen to spread over the servers, and a clean control. */
const CASES = [
  ...PLANTS.map((plant) => {
    const found = SELF_TEST_CASES.find((testCase) => testCase.plant === plant);
    if (!found) throw new Error(`no self-test case plants ${plant}`);
    return found;
  }),
  { target: 'mariadb-alternating' as const },
  // KMS keys: each plant on its key, and a clean replaced key.
  ...SELF_TEST_CASES.filter((testCase) => testCase.target === 'kms-key' && testCase.plant !== undefined),
  { target: 'kms-key' as const, key: 'hmac' as const },
];

describeWithServers(['mariadb', 'redis'])('the chaos checker, self-test', () => {
  let env: ChaosEnvironment;

  beforeAll(async () => {
    env = await startChaosEnvironment('self', { warmEnvironments: 2 });
    env.capture.start();
  });
  afterAll(() => env.stop());

  it('finds every violation planted in a clean scenario, and none in a clean one', async () => {
    const outcomes = await runSelfTest(env, 3, CASES);
    expect(outcomes).toHaveLength(CASES.length);
    const missed = outcomes
      .filter((outcome) => !outcome.passed)
      .map(
        ({ testCase, result }) =>
          `${testCase.plant ?? 'clean'} on ${testCase.target === 'kms-key' ? `kms-key/${testCase.key}` : testCase.target}: ${result.violations.map((v) => v.invariant).join(', ') || 'no violation'}${result.harnessError ? ` (${result.harnessError})` : ''}`,
      );
    expect(missed).toEqual([]);
  });
});
