/** Unit tests run fast and alone; integration tests start real servers on loopback. */
const common = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFiles: ['<rootDir>/test/support/env.ts'],
};

module.exports = {
  // A ceiling for hangs, not a speed check: starting a server in a hook takes under a second on a quiet
  // machine and many on a loaded one, and no test may fail for the machine's speed. (A global option:
  // projects do not take it.)
  testTimeout: 30_000,
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
