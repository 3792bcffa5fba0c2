import { describe, expect, it } from 'vitest';
import { poissonLowerTail } from './poisson.ts';

describe('poissonLowerTail', () => {
  it('matches sums of the exact probabilities', () => {
    expect(poissonLowerTail(0, 8)).toBeCloseTo(Math.exp(-8), 14);
    // P(X ≤ 1 | λ = 12) = e^-12 (1 + 12)
    expect(poissonLowerTail(1, 12)).toBeCloseTo(13 * Math.exp(-12), 14);
    expect(poissonLowerTail(2, 1)).toBeCloseTo(Math.exp(-1) * (1 + 1 + 0.5), 14);
  });

  it('is 0 below zero and 1 when nothing was expected', () => {
    expect(poissonLowerTail(-1, 5)).toBe(0);
    expect(poissonLowerTail(0, 0)).toBe(1);
  });

  it('judges the small team\'s silent hour and a large team\'s collapse alike, and not a thin hour', () => {
    expect(poissonLowerTail(0, 8)).toBeLessThan(0.001);
    expect(poissonLowerTail(80, 800)).toBeLessThan(1e-100);
    expect(poissonLowerTail(0, 2)).toBeGreaterThan(0.1);
    // an ordinary hour at the baseline is not a collapse
    expect(poissonLowerTail(760, 800)).toBeGreaterThan(0.05);
  });
});
