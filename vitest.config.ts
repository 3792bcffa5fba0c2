import { defineConfig } from 'vitest/config';

// Each test file runs in its own forked process: the embedded ClickHouse (chdb) allows one data
// directory per process, and integration files each own one.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'detectors/**/*.test.ts', 'schemas/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/pinned-today.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration files start consumers against one shared broker; two at a time fit 2 cores.
    maxWorkers: 2,
  },
});
