import { defineConfig } from 'vitest/config';

// Files that need the Kafka broker; everything else runs without one (`npm run test:unit`).
const BROKER_TESTS = ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'];

// Each test file runs in its own forked process: the embedded ClickHouse (chdb) allows one data
// directory per process, and integration files each own one.
export default defineConfig({
  test: {
    pool: 'forks',
    setupFiles: ['test/helpers/temp-root.ts', 'test/helpers/pinned-today.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration files start consumers against one shared broker; two at a time fit 2 cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'detectors/**/*.test.ts', 'schemas/**/*.test.ts', 'bench/**/*.test.ts'],
          // The fault matrix has its own config and script (vitest.faults.config.ts, npm run test:faults).
          exclude: [...BROKER_TESTS, 'test/faults/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: BROKER_TESTS,
          globalSetup: ['test/helpers/global-setup.ts'],
        },
      },
    ],
  },
});
