import { describe, expect, it } from 'vitest';
import { binomialUpperTail } from './binomial.ts';

describe('binomialUpperTail', () => {
  it('matches sums of the exact probabilities', () => {
    // P(X >= 2 | n = 3, p = 0.5) = (3 + 1) / 8
    expect(binomialUpperTail(2, 3, 0.5)).toBeCloseTo(0.5, 12);
    // P(X >= 3 | n = 3, p = 0.05) = 0.05^3
    expect(binomialUpperTail(3, 3, 0.05)).toBeCloseTo(1.25e-4, 12);
    // P(X >= 1 | n = 10, p = 0.1) = 1 − 0.9^10
    expect(binomialUpperTail(1, 10, 0.1)).toBeCloseTo(1 - 0.9 ** 10, 12);
  });

  it('is 1 for nothing observed, 0 for more than n', () => {
    expect(binomialUpperTail(0, 5, 0.2)).toBe(1);
    expect(binomialUpperTail(6, 5, 0.2)).toBe(0);
  });

  it('separates the issue\'s small team (45 of 51 unlogged) from noise at a 5% expected share', () => {
    expect(binomialUpperTail(45, 51, 0.05)).toBeLessThan(1e-40);
    expect(binomialUpperTail(1, 1, 0.05)).toBeCloseTo(0.05, 12);
    expect(binomialUpperTail(4, 51, 0.05)).toBeGreaterThan(0.1);
  });

  it('stays exact at a large team\'s volume', () => {
    // mean 2,500 of 50,000 at 5%, sd ≈ 48.7: 2,500 or more is about even, 2,750 (≈ 5 sd) is rare
    expect(binomialUpperTail(2500, 50_000, 0.05)).toBeGreaterThan(0.45);
    expect(binomialUpperTail(2500, 50_000, 0.05)).toBeLessThan(0.55);
    expect(binomialUpperTail(2750, 50_000, 0.05)).toBeLessThan(1e-5);
  });
});
