import { describe, expect, it } from 'vitest';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../policy/load.ts';
import { TEAM_DAILY_BUDGETS } from './world.ts';

describe('the simulated organization', () => {
  it('knows the daily budgets policy.example.yaml approves today (its newest entry per team)', () => {
    const { policy } = loadPolicyFile(EXAMPLE_POLICY_FILE);
    const newest = Object.fromEntries(policy.teams.filter((t) => t.budgets.length > 0).map((t) => {
      const b = [...t.budgets].sort((x, y) => new Date(x.from).getTime() - new Date(y.from).getTime()).at(-1) as (typeof t.budgets)[number];
      return [t.id, { usd: b.dailyUsd, ...(b.dailyTokens ? { tokens: b.dailyTokens } : {}) }];
    }));
    expect(TEAM_DAILY_BUDGETS).toEqual(newest);
  });
});
