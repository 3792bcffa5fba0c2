import { describe, expect, it } from 'vitest';

// Guards test/run-on-dates.ts: a pinned run whose pin silently did not apply would prove nothing.
describe('pinned today (test/helpers/pinned-today.ts)', () => {
  const pinned = process.env['DRIFTWATCH_TEST_TODAY'];
  it(pinned ? `Date reads the pinned day ${pinned}` : 'Date reads the real clock when nothing is pinned', () => {
    const realNow = performance.timeOrigin + performance.now();
    if (pinned) {
      expect(new Date().toISOString().slice(0, 10)).toBe(pinned.slice(0, 10));
    } else {
      expect(Math.abs(Date.now() - realNow)).toBeLessThan(60_000);
    }
  });
});
