import { describe, expect, it } from 'vitest';
import { findDecoder } from '../decode/registry.ts';
import { loadDetectors } from '../detect/registry.ts';
import { COVERED_DETECTORS, INCIDENT_KINDS, type TimedRecord } from './incidents.ts';
import { trafficPlanner } from './planner.ts';
import { seeded } from './traffic.ts';
import { flatEvent, gatewayRecord, otlpBatch } from './wire.ts';
import { PEOPLE } from './world.ts';

// A pinned simulated time: 2026-10-20 14:07 UTC.
const T = Date.parse('2026-10-20T14:07:00Z');
const ctx = { storePromptText: false, maxEventTime: Date.parse('2026-10-22T00:00:00Z') };

describe('incident kinds', () => {
  it('cover every detector of the corpus', async () => {
    const ids = (await loadDetectors()).map((d) => d.id).sort();
    expect(COVERED_DETECTORS).toEqual(ids);
  });

  it.each(INCIDENT_KINDS.map((k) => [k.id, k] as const))('%s: records in the real formats, expected alerts named', (_id, kind) => {
    const plan = kind.plant(seeded(3), Object.values(PEOPLE), T, []);
    expect(plan).not.toBeNull();
    if (!plan) return;
    expect(plan.expected.length).toBeGreaterThan(0);
    for (const e of plan.expected) expect(kind.detectors).toContain(e.detector);
    const records: TimedRecord[] = [
      ...plan.records,
      ...plan.sessions.flatMap((s) => s.calls.flatMap((c) => { const doc = gatewayRecord(c); return doc ? [{ at: c.at, source: 'gateway' as const, doc }] : []; })),
      ...plan.sessions.flatMap((s) => s.turns.flatMap((turn) => (s.person.telemetry === 'otlp' ? [otlpBatch(s, turn)] : turn.map((e) => flatEvent(s, e)))).map((doc) => ({ at: T, source: 'agent' as const, doc }))),
    ];
    expect(records.length + (plan.anthropic?.length ?? 0) + (plan.openai?.length ?? 0)).toBeGreaterThan(0);
    for (const rec of records) {
      const decoder = findDecoder(rec.source, rec.doc);
      expect(decoder, `${rec.source} record matches a format`).toBeDefined();
      expect(decoder?.decode(rec.doc, ctx).rejects).toEqual([]);
      expect(rec.at).toBeGreaterThanOrEqual(T);
    }
  });

  it('plant nothing when the teams they need are not simulated', () => {
    const dataOnly = Object.values(PEOPLE).filter((p) => p.team === 'team-data');
    const r = seeded(5);
    const planted = Object.fromEntries(INCIDENT_KINDS.map((k) => [k.id, k.plant(r, dataOnly, T, []) !== null]));
    expect(planted).toMatchObject({ 'shared-devbox': false, 'batch-outside-gateway': false, 'runaway-agent': true, 'unapproved-model': true });
  });

  it('never plant a person\'s sign-in to an unapproved AI app twice: the detector raises only the first within its re-alert period', () => {
    const kind = INCIDENT_KINDS.find((k) => k.id === 'unapproved-ai-app');
    if (!kind) throw new Error('no unapproved-ai-app kind');
    // Every person and both apps used up: the next plant has nothing new to plant.
    const earlier = Object.values(PEOPLE).flatMap((p) => [
      { kind: kind.id, expected: [{ entity: `${p.email}:okta:0oa9chatgptent00001d7` }] },
      { kind: kind.id, expected: [{ entity: `${p.email}:entra:6f1d2c3b-7a8e-4b9c-8d0e-1f2a3b4c5d6e` }] },
    ]) as unknown as Parameters<typeof kind.plant>[3];
    expect(kind.plant(seeded(3), Object.values(PEOPLE), T, earlier)).toBeNull();
    // Over a planner's run that draws many of them (only this kind), each (person, app) comes once.
    const planner = trafficPlanner({ start: T, messagesPerHour: 200, seed: 7, incidentsPerHour: 8, incidentKinds: ['unapproved-ai-app'], sources: ['idp'] });
    for (let h = 0; h <= 12; h += 1) planner.due(T + h * 3_600_000);
    const entities = planner.planted.flatMap((p) => p.expected.map((e) => e.entity));
    expect(entities.length).toBeGreaterThan(5);
    expect(new Set(entities).size).toBe(entities.length);
  });
});
