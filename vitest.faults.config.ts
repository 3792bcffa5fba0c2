import { defineConfig } from 'vitest/config';

// `npm run test:faults`: the fault matrix (test/faults/), apart from `npm test` because each case
// kills processes, restarts a broker or fills a disk for minutes. One file at a time: the cases
// measure recovery, and two at once on 2 cores would mostly measure each other.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/faults/**/*.faults.test.ts'],
    setupFiles: ['test/helpers/temp-root.ts', 'test/helpers/pinned-today.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
    fileParallelism: false,
  },
});
