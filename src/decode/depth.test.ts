import { describe, expect, it } from 'vitest';
import { exceedsDepth, MAX_JSON_DEPTH } from './depth.ts';

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('exceedsDepth', () => {
  it('accepts the limit and refuses one level more', () => {
    expect(exceedsDepth(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(exceedsDepth(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(exceedsDepth(`{"a":${nested(3)}}`, 3)).toBe(true);
    expect(exceedsDepth(`{"a":${nested(2)}}`, 3)).toBe(false);
  });

  it('scans 100,000 levels without recursion', () => {
    expect(exceedsDepth(`{"a":${nested(100_000)}}`)).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    expect(exceedsDepth(JSON.stringify({ a: '['.repeat(1000), b: 'say \\"[[[[' }))).toBe(false);
    expect(exceedsDepth(JSON.stringify({ a: '"\\' + '{'.repeat(10) }), 1)).toBe(false);
  });

  it('counts sibling containers by depth, not in total', () => {
    expect(exceedsDepth(JSON.stringify(Array.from({ length: 1000 }, () => [[1]])), 3)).toBe(false);
  });

  it('works on text that is not valid JSON', () => {
    expect(exceedsDepth('{"a": [[[', 2)).toBe(true);
    expect(exceedsDepth('{"a": "unterminated [[[[')).toBe(false);
  });
});
