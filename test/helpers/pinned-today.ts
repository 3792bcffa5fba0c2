import { vi } from 'vitest';

/**
 * `DRIFTWATCH_TEST_TODAY=2028-02-29T03:12:00Z` pins what the test process believes "now" is (the
 * JavaScript Date only; timers and `performance` keep running for real). test/calendar.test.ts
 * runs the detector fixture suite this way on several dates to prove no outcome depends on the
 * day it runs. The store's own clock (ClickHouse's now(), which stamps ingested_at) cannot be
 * pinned — the embedded engine reads the system clock directly, even under libfaketime — so
 * tests about ingest delay take their times from the real clock (detectors/_shared/
 * fixtures-logging.ts `minutesAgo`).
 */
const pinned = process.env['DRIFTWATCH_TEST_TODAY'];
if (pinned) {
  const at = new Date(pinned);
  if (Number.isNaN(at.getTime())) throw new Error(`DRIFTWATCH_TEST_TODAY is not a date: ${pinned}`);
  vi.useFakeTimers({ toFake: ['Date'], now: at });
}
