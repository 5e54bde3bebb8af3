/** Unit tests run fast and alone; integration tests start real servers on loopback. */
const common = {
  testEnvironment: 'node',
  // esbuild strips the types (test/support/esbuild-transform.js); `npm run typecheck` checks them.
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.js' },
  setupFiles: ['<rootDir>/test/support/env.ts'],
};

module.exports = {
  // A ceiling for hangs, not a speed check: starting a server in a hook takes under a second on a quiet
  // machine and tens of seconds at a load average of 13 on 2 cores (measured), and no test may fail for
  // the machine's speed; a real hang still ends the file. (A global option: projects do not take it.)
  testTimeout: 180_000,
  // Three workers on this 2-core machine: most files wait on servers, sockets and child processes (the
  // CLI's end-to-end tests), so three at a time keep both cores busy: 323 s instead of 355 s with two,
  // measured on a quiet machine (jest's default here would be one).
  maxWorkers: 3,
  // The slowest files first, also on a fresh clone without jest's cached timings (test/support/slow-first-sequencer.js).
  testSequencer: '<rootDir>/test/support/slow-first-sequencer.js',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts', '<rootDir>/test/infra/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/statemachines/**/*.test.ts'],
      slowTestThreshold: 30,
    },
  ],
};
