/**
 * Jest's own order, with the slowest files first. Jest orders by the durations it cached from earlier runs; a fresh
 * clone (as CI is) has none, and jest falls back to file size, which left the chaos files to run last, alone, for
 * half a minute. Starting the long files first lets the short ones fill the other workers around them.
 */
const Sequencer = require('@jest/test-sequencer').default;

/**
 * Files that take 15 s or more in a full run (measured with `npm test -- --json --outputFile=report.json`), slowest
 * first. A file missing here starts in jest's order: the CLI's end-to-end files once ran last and alone for a minute.
 */
const SLOW_FIRST = [
  'test/integration/cli/cli-fleet.test.ts',
  'test/integration/cli/cli-cancel.test.ts',
  'test/integration/cli/cli-inventory.test.ts',
  'test/integration/rotation/postgres-tls.test.ts',
  'test/integration/chaos/chaos-self-test.test.ts',
  'test/integration/cli/cli-rotate.test.ts',
  'test/integration/chaos/chaos-sample.test.ts',
  'test/integration/kms-rewrap/local-kms.test.ts',
  'test/integration/kms-rewrap/conflicts.test.ts',
  'test/integration/rotation/iam-access-key.test.ts',
  'test/integration/local-stepfunctions-lifecycle.test.ts',
  'test/infra/observability/keyturn-observability.test.ts',
  'test/infra/keyturn-app.test.ts',
  'test/integration/kms-rewrap/throttling.test.ts',
  'test/integration/dynamodb/write-pacer-store.test.ts',
  'test/integration/freshness-check/list-managed-secrets.test.ts',
  'test/statemachines/kms-key-crashes.test.ts',
  'test/statemachines/fleet-mixed-kinds.test.ts',
  'test/statemachines/lifecycle.test.ts',
];

class SlowFirstSequencer extends Sequencer {
  sort(tests) {
    const rank = (test) => {
      const index = SLOW_FIRST.findIndex((file) => test.path.endsWith(file));
      return index === -1 ? SLOW_FIRST.length : index;
    };
    // A stable sort: the rest keep jest's order.
    return [...super.sort(tests)].sort((a, b) => rank(a) - rank(b));
  }
}

module.exports = SlowFirstSequencer;
