import { describe, expect, it } from 'vitest';
import { findDecoder } from '../decode/registry.ts';
import type { SourceKind } from '../decode/types.ts';
import { hasNaturalKey, naturalKey } from '../normalize/natural-key.ts';
import { BACKGROUND_BUDGET_SHARE, simulatedRecords, trafficPlanner } from './planner.ts';
import { PEOPLE, TEAM_DAILY_BUDGETS } from './world.ts';

// Pinned simulated span: 2026-10-20 00:00 → 2026-10-21 03:00 UTC (the day's cost reports arrive after midnight).
const START = Date.parse('2026-10-20T00:00:00Z');
const END = Date.parse('2026-10-21T03:00:00Z');
const HOUR = 3_600_000;
const ctx = { storePromptText: false, maxEventTime: Date.parse('2026-10-23T00:00:00Z') };
const records = simulatedRecords({ start: START, end: END, messagesPerHour: 120, seed: 11, incidentsPerHour: 1 });

describe('traffic planner', () => {
  it('is the same traffic for the same seed', () => {
    const again = simulatedRecords({ start: START, end: END, messagesPerHour: 120, seed: 11, incidentsPerHour: 1 });
    expect(again.map((r) => `${r.source}@${r.at}`)).toEqual(records.map((r) => `${r.source}@${r.at}`));
  });

  it('hands out only the asked topics, of the same day', () => {
    const gateway = simulatedRecords({ start: START, end: END, messagesPerHour: 120, seed: 11, incidentsPerHour: 1, sources: ['gateway'] });
    const key = (r: (typeof records)[number]) => `${r.at} ${String(r.doc['user'] ?? r.doc['trace_id'] ?? '')} ${JSON.stringify(r.doc['prompt_tokens'] ?? r.doc['ai'] ?? null)}`;
    expect(gateway.length).toBeGreaterThan(0);
    expect(gateway.map(key)).toEqual(records.filter((r) => r.source === 'gateway').map(key));
  });

  it('fills each hour with about the asked number of messages, in time order', () => {
    const hours = (END - START) / HOUR;
    expect(records.length).toBeGreaterThan(120 * hours * 0.8);
    expect(records.every((r, i) => i === 0 || (records[i - 1]?.at ?? 0) <= r.at)).toBe(true);
    expect(records.every((r) => r.at >= START && r.at < END)).toBe(true);
  });

  it('writes every record in a format the decoders accept', () => {
    const rejects = records.flatMap((r) => {
      const d = findDecoder(r.source, r.doc);
      return d ? d.decode(JSON.parse(JSON.stringify(r.doc)), ctx).rejects.map((x) => `${d.format} ${x.reason} ${x.detail}`) : [`${r.source}: no format`];
    });
    expect(rejects).toEqual([]);
  });

  it('never gives two records one natural key, handed-over sessions included', () => {
    // Incidents every hour, so session-handover (one session id, two identities) is planted.
    const planner = trafficPlanner({ start: START, messagesPerHour: 200, seed: 45, incidentsPerHour: 3 });
    const busy = planner.due(START + 12 * HOUR);
    const seen = new Map<string, number>();
    for (const r of busy) {
      for (const out of findDecoder(r.source, r.doc)?.decode(JSON.parse(JSON.stringify(r.doc)), ctx).records ?? []) {
        const key = hasNaturalKey(out.table) ? naturalKey(out.table, out.row as never) : '';
        const where = `${out.table} ${key}`;
        if (key !== '') seen.set(where, (seen.get(where) ?? 0) + 1);
      }
    }
    expect(planner.planted.filter((p) => p.kind === 'session-handover').length).toBeGreaterThan(0);
    expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
  });

  it('reports provider usage late: an hour\'s pages two hours after it starts, the day\'s costs after midnight', () => {
    const pages = records.filter((r) => r.source === 'billing' && Array.isArray(r.doc['data']));
    const anthropicHourly = pages.filter((r) => typeof (r.doc['data'] as { starting_at?: string }[])[0]?.starting_at === 'string' && !('object' in r.doc));
    expect(anthropicHourly.length).toBeGreaterThan(20);
    for (const p of anthropicHourly) {
      const bucket = (p.doc['data'] as { starting_at: string; ending_at: string }[])[0];
      expect(p.at).toBeGreaterThanOrEqual(Date.parse(bucket?.ending_at ?? '') + HOUR);
    }
    const costPages = pages.filter((r) => (r.doc['data'] as { end_time?: number; start_time?: number }[]).some((b) => (b.end_time ?? 0) - (b.start_time ?? 0) === 86_400));
    expect(costPages.map((r) => new Date(r.at).toISOString().slice(0, 10))).toEqual(['2026-10-21']);
  });

  it('plants incidents at random times and tags their records', () => {
    const planner = trafficPlanner({ start: START, messagesPerHour: 60, seed: 4, incidentsPerHour: 2 });
    const out = planner.due(START + 6 * HOUR);
    expect(planner.planted.length).toBeGreaterThan(3);
    const tagged = new Set(out.flatMap((r) => r.incidents ?? []));
    // Every incident planned early enough has had a record out (billing-only ones wait for their page).
    const early = planner.planted.flatMap((p, i) => ((p.reportedAt ?? p.start) < START + 3 * HOUR ? [i] : []));
    for (const i of early) expect(tagged, planner.planted[i]?.kind).toContain(i);
  });

  it('plants no incident from incidentsBefore on, and goes on with ordinary traffic', () => {
    const planner = trafficPlanner({ start: START, messagesPerHour: 60, seed: 4, incidentsPerHour: 6, incidentsBefore: START + 2 * HOUR });
    const after = planner.due(START + 6 * HOUR);
    expect(planner.planted.length).toBeGreaterThan(0);
    expect(planner.planted.filter((p) => p.start >= START + 2 * HOUR)).toEqual([]);
    // About 60 messages in each of the four hours after.
    expect(after.filter((r) => r.at >= START + 2 * HOUR).length).toBeGreaterThan(4 * 50);
  });

  it('plants no incident its scorecard could not tell apart: one per detector, entity and UTC day; no drift before an hour of history', () => {
    const planner = trafficPlanner({ start: START + 30 * 60_000, messagesPerHour: 60, seed: 4, incidentsPerHour: 10 });
    planner.due(START + 30 * HOUR);
    const keys = planner.planted.flatMap((p) => p.expected.map((e) => `${e.detector} ${e.entity} ${Math.floor(p.start / (24 * HOUR))}`));
    expect(planner.planted.length).toBeGreaterThan(100);
    expect(new Set(keys).size).toBe(keys.length);
    // A kind with one fixed entity (team-ml's batch ledger line) is planted once a day at most.
    const batchDays = planner.planted.filter((p) => p.kind === 'batch-outside-gateway').map((p) => new Date(p.start).toISOString().slice(0, 10));
    expect(batchDays).toEqual([...new Set(batchDays)]);
    const drifts = planner.planted.filter((p) => p.kind === 'moves-to-desktop');
    expect(drifts.length).toBeGreaterThan(0);
    for (const d of drifts) expect(d.start).toBeGreaterThanOrEqual(START + HOUR);
  });

  it.each([
    { messagesPerHour: 200, hours: 24 },
    { messagesPerHour: 3_000, hours: 6 },
    { messagesPerHour: 20_000, hours: 2 },
  ])('keeps every team\'s ordinary day inside its approved budget at $messagesPerHour messages an hour', ({ messagesPerHour, hours }) => {
    // Without incidents: the spend and tokens each team's gateway rows carry, projected to a day.
    const rows = gatewayRows(simulatedRecords({ start: START, end: START + hours * HOUR, messagesPerHour, seed: 5, incidentsPerHour: 0, sources: ['gateway'] }));
    const perDay = 24 / hours;
    const teams = Object.entries(TEAM_DAILY_BUDGETS).map(([team, budget]) => {
      const mine = rows.filter((g) => g.team === team);
      const usd = mine.reduce((a, g) => a + g.usd, 0);
      const tokens = mine.reduce((a, g) => a + g.tokens, 0);
      return { team, working: usd > 0, withinUsd: usd * perDay <= 1.5 * BACKGROUND_BUDGET_SHARE * budget.usd, withinTokens: !budget.tokens || tokens * perDay <= 1.5 * BACKGROUND_BUDGET_SHARE * budget.tokens };
    });
    expect(teams).toEqual(teams.map(({ team }) => ({ team, working: true, withinUsd: true, withinTokens: true })));
  });

  it.each([200, 20_000])('leaves a quarter of a team\'s LiteLLM requests unlogged while a node without prompt storage serves it, at %i messages an hour', (messagesPerHour) => {
    const planner = trafficPlanner({ start: START, messagesPerHour, seed: 8, incidentsPerHour: 1, incidentKinds: ['node-without-prompt-logging'], sources: ['gateway'] });
    const rows = gatewayRows(planner.due(START + 3 * HOUR));
    const gaps = planner.planted.flatMap((p) => (p.ordinary && p.ordinary.to <= START + 3 * HOUR ? [p.ordinary] : []));
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) {
      const served = rows.filter((g) => g.team === gap.team && g.gateway === 'litellm' && g.model && g.at >= gap.from && g.at < gap.to);
      const share = served.filter((g) => !g.logged).length / served.length;
      // A quarter of the sessions begun in the gap, diluted by the logged sessions begun before it: 0.12–0.30 over
      // seeds 1–10 at 20,000 an hour (one gap at a time: the planner plants no second gap on a team the same day).
      expect(share, `${gap.team} ${new Date(gap.from).toISOString()}`).toBeGreaterThan(messagesPerHour > 1000 ? 0.1 : 0.25);
    }
  });
});

/** The decoded gateway rows of simulated records: team (by the person, else the logged team), time, spend, tokens, prompt logged. */
function gatewayRows(records: readonly { source: SourceKind; doc: Record<string, unknown> }[]) {
  const teamOf = new Map(Object.values(PEOPLE).map((p) => [p.email, p.team]));
  return records.flatMap((r) => (findDecoder(r.source, r.doc)?.decode(r.doc, ctx).records ?? []).filter((x) => x.table === 'gateway_requests').map(({ row }) => {
    const g = row as { event_time: string; gateway: string; model_served: string; user_email: string; team_id: string; cost_usd: number; uncached_input_tokens: number; cache_read_tokens: number; cache_write_tokens: number; output_tokens: number; prompt_logged: number };
    return {
      team: teamOf.get(g.user_email) ?? g.team_id, at: Date.parse(`${g.event_time.replace(' ', 'T')}Z`), gateway: g.gateway, model: g.model_served !== '',
      usd: g.cost_usd, tokens: g.uncached_input_tokens + g.cache_read_tokens + g.cache_write_tokens + g.output_tokens, logged: g.prompt_logged === 1,
    };
  }));
}
