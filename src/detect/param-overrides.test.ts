import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import promptLogGap from '../../detectors/gateway/prompt-log-gap.ts';
import spendAboveApproved from '../../detectors/billing/spend-above-approved.ts';
import { policySchema } from '../../schemas/policy/policy.ts';
import type { AppError } from '../errors.ts';
import { EXAMPLE_POLICY_FILE, parsePolicy, type PolicyIssue } from '../policy/load.ts';
import { syncPolicy } from '../policy/sync.ts';
import { defineDetector, param } from './define-detector.ts';
import { runDetector } from './run.ts';
import { sharedScratchStore } from './scratch-store.ts';
import { sql } from './sql.ts';
import { dataWindow } from './windows.ts';

const CORPUS = [promptLogGap, spendAboveApproved];
// The example's own (empty) section removed, so a case can append one.
const EXAMPLE = readFileSync(EXAMPLE_POLICY_FILE, 'utf8').replace(/^detectors: \{\}\n/m, '');

function issuesOf(text: string): PolicyIssue[] {
  try {
    parsePolicy(text, 'policy.yaml', CORPUS);
  } catch (err) {
    expect((err as AppError).code).toBe('POLICY_INVALID');
    return (err as AppError).context['issues'] as PolicyIssue[];
  }
  throw new Error('expected the policy to be rejected');
}

describe('policy detectors: section', () => {
  it('accepts overrides that fit each detector\'s declaration, organisation-wide and per team', () => {
    const policy = parsePolicy(`${EXAMPLE}
detectors:
  gateway.prompt-log-gap:
    params: { maxPValue: 0.01 }
    teams:
      team-ml: { maxUnloggedShare: 0.5, minRequests: 5 }
  billing.spend-above-approved:
    params: { minDailyUsd: 0.25 }
`, 'policy.yaml', CORPUS);
    expect(policy.detectors['gateway.prompt-log-gap']).toEqual({ params: { maxPValue: 0.01 }, teams: { 'team-ml': { maxUnloggedShare: 0.5, minRequests: 5 } } });
  });

  it('reports an unknown detector, param or team and a value the detector refuses, each at its line:column', () => {
    const lines = EXAMPLE.split('\n').length;
    const issues = issuesOf(`${EXAMPLE}
detectors:
  gateway.prompt-log-gap:
    params: { maxUnloggedShare: 1.5, minRequest: 5 }
    teams:
      team-nope: { minRequests: -1 }
  billing.no-such-thing:
    params: {}
`);
    const at = (path: string) => issues.find((i) => i.path === path);
    expect(at('detectors.gateway.prompt-log-gap.params.maxUnloggedShare')).toMatchObject({ line: lines + 3, column: 33 });
    expect(at('detectors.gateway.prompt-log-gap.params.minRequest')).toMatchObject({ line: lines + 3, message: expect.stringContaining('has no param "minRequest"') });
    expect(at('detectors.gateway.prompt-log-gap.teams.team-nope')).toMatchObject({ line: lines + 5, message: 'unknown team "team-nope"' });
    expect(at('detectors.gateway.prompt-log-gap.teams.team-nope.minRequests')).toMatchObject({ line: lines + 5 });
    expect(at('detectors.billing.no-such-thing')).toMatchObject({ line: lines + 7, message: expect.stringContaining('unknown detector') });
  });

  it('changes the policy version when only a parameter changes', async () => {
    const { store } = await sharedScratchStore();
    const base = parsePolicy(EXAMPLE, 'policy.yaml', CORPUS);
    const a = await syncPolicy(store, base, 'a');
    const b = await syncPolicy(store, { ...base, detectors: { 'billing.spend-above-approved': { params: { minDailyUsd: 2 }, teams: {} } } }, 'b');
    expect(b.version).not.toBe(a.version);
    expect(b.rowCounts['policy_detector_params']).toBe(1);
  });
});

// One row per policy team whose threshold (a param) is below 10: shows which parameter set judged which team.
const perTeam = defineDetector({
  id: 'gateway.test-params',
  title: 'Params per team', description: 'One alert per team whose threshold param is below 10.',
  severity: 'info', audience: 'soc',
  schedule: { every: '1h', lookback: '1h', settle: '0m' },
  controls: { owaspAgentic: ['ASI08'], maestro: ['L5'], nistAiRmf: ['MEASURE 2.7'], nistCsf: ['DE.CM-01'] },
  runbook: 'Test detector: checks that policy overrides reach the query, per team.', falsePositives: ['test only'],
  params: { threshold: param('Float64', 1, 'Alert while below 10.', z.number().min(0)) },
  query: sql`
    SELECT team_id AS team, {threshold:Float64} AS threshold FROM policy_teams
    WHERE {threshold:Float64} < 10 AND (SELECT count() FROM gateway_requests WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}) >= 0
    ORDER BY team`,
  alert: (r: { team: string; threshold: number }, ctx) => ({ entity: `team:${r.team}`, team: r.team, identity: '', credential: '', summary: `team ${r.team} at ${r.threshold}`,
    evidence: { figures: { threshold: r.threshold } }, windowStart: ctx.window.from, windowEnd: ctx.window.to }),
});

describe('a run with policy overrides', () => {
  it('judges each team with its own parameter set, or the organisation\'s, and cites it in the evidence', async () => {
    const { store } = await sharedScratchStore();
    const policy = policySchema.parse({
      ...(parse(EXAMPLE) as object),
      detectors: { 'gateway.test-params': { params: { threshold: 2 }, teams: { 'team-ml': { threshold: 20 }, 'team-web': { threshold: 3 } } } },
    });
    await syncPolicy(store, policy, 'test');
    const run = await runDetector(store, perTeam, dataWindow(Date.parse('2026-08-19T01:00:00Z'), 3_600_000));
    const seen = run.alerts.map((a) => [a.team, a.evidence.figures['threshold'], a.evidence.paramScope, a.evidence.params?.['threshold']]);
    // team-ml's own threshold (20) silences it; team-web runs with 3; the others with the organisation's 2.
    expect(seen).toEqual([
      ['team-data', 2, 'policy', 2],
      ['team-platform-eng', 2, 'policy', 2],
      ['team-web', 3, 'policy team team-web', 3],
    ]);
    await syncPolicy(store, policySchema.parse(parse(EXAMPLE)), 'example');
    const plain = await runDetector(store, perTeam, dataWindow(Date.parse('2026-08-19T01:00:00Z'), 3_600_000));
    expect(plain.alerts.map((a) => [a.evidence.paramScope, a.evidence.params?.['threshold']])).toEqual(Array(4).fill(['default', 1]));
  });
});
