import { spawnSync } from 'node:child_process';

/**
 * `npm run test:calendar`: the detector fixture suite, once per pinned "today" (the first and
 * second of a month, mid-month, the 28th, 29 February of a leap year, New Year's Eve; at hours
 * near midnight too), so that no fixture can again pass or fail by the day CI happens to run
 * (issue 9: a month-to-date case was red on days 2-17 of every month). Each run is a separate
 * vitest process whose Date is pinned by test/helpers/pinned-today.ts; test/pinned-today.test.ts
 * fails a run whose pin did not take.
 */
const DATES = [
  '2027-01-01T00:05:00Z',
  '2027-01-02T12:00:00Z',
  '2027-01-15T23:59:30Z',
  '2027-02-28T03:12:00Z',
  '2028-02-29T03:12:00Z',
  '2027-12-31T23:30:00Z',
];
const SUITE = ['detectors', 'test/detectors.meta.test.ts', 'test/pinned-today.test.ts'];

const failed: string[] = [];
for (const today of DATES) {
  process.stderr.write(`\n== detector fixtures with today pinned to ${today}\n`);
  const run = spawnSync('npx', ['vitest', 'run', ...SUITE], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DRIFTWATCH_TEST_TODAY: today, DRIFTWATCH_SKIP_BROKER: '1' },
  });
  if (run.status !== 0) failed.push(today);
}
if (failed.length > 0) {
  process.stderr.write(`\ndetector fixtures failed with today pinned to: ${failed.join(', ')}\n`);
  process.exit(1);
}
process.stderr.write(`\ndetector fixtures passed on every pinned date (${DATES.length})\n`);
