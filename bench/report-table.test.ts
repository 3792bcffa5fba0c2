import { describe, expect, it } from 'vitest';
import { censoredPercentile, formatCensored, markdownTable } from './report-table.ts';

describe('bench report', () => {
  it('prints a Markdown table with padded columns', () => {
    expect(markdownTable(['what', 'value'], [['ingest events/s', '21,000'], ['p95', '40 s']]).split('\n')).toEqual([
      '| what            | value  |',
      '|-----------------|--------|',
      '| ingest events/s | 21,000 |',
      '| p95             | 40 s   |',
    ]);
  });

  it('ranks incidents without an alert last, so a p95 beyond the run says so', () => {
    const detectedAll = [12, 30, 8, 45, 20];
    expect(censoredPercentile(detectedAll, 50)).toEqual({ seconds: 20, above: false });
    expect(censoredPercentile(detectedAll, 95)).toEqual({ seconds: 45, above: false });
    // 2 of 10 without an alert: p50 is a figure, p95 lies beyond what the run could see.
    const someMissed = [5, 6, 7, 8, 9, 10, 11, 12, null, null];
    expect(censoredPercentile(someMissed, 50)).toEqual({ seconds: 9, above: false });
    expect(censoredPercentile(someMissed, 95)).toEqual({ seconds: null, above: true });
    expect(formatCensored(censoredPercentile(someMissed, 95), 300)).toBe('> 300 s');
    expect(formatCensored(censoredPercentile([], 95), 300)).toBe('n/a');
  });
});
