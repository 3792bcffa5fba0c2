import { describe, expect, it } from 'vitest';
import { detectionDelays, percentile, plantedIncidentSchema, scorecard, type AlertSighting, type PlantedIncident } from './scorecard.ts';

// Pinned times: simulated incidents on 2026-10-20, produced (real time) on 2026-12-06.
const incident = (detector: string, entity: string, plantedAt: string, producedAt: string, until?: string, evidenceAt?: string): PlantedIncident => ({
  detector, entity, team: 'team-web', identity: 'dave.kim@example.com', plantedAt, producedAt, ...(until ? { until } : {}), ...(evidenceAt ? { evidenceAt } : {}),
});
const alert = (detector: string, entity: string, windowStart: string, windowEnd: string, firstSeen: string): AlertSighting => ({ detector, entity, windowStart, windowEnd, firstSeen });

describe('scorecard', () => {
  it('counts planted, detected, missed and extra, per detector', () => {
    const truth = [
      incident('cross-source.session-without-gateway', 'session:a', '2026-10-20T10:03:00.000Z', '2026-12-06T01:00:00.000Z'),
      // proved by the usage report, produced 70 s after the session's first record
      incident('billing.unmanaged-key-usage', 'anthropic:account:user_01x', '2026-10-20T10:03:00.000Z', '2026-12-06T01:00:00.000Z', undefined, '2026-12-06T01:01:10.000Z'),
      incident('idp.unapproved-ai-app', 'erin@example.com:okta:0oa9', '2026-10-20T13:10:00.000Z', '2026-12-06T01:00:10.000Z'),
    ];
    const alerts = [
      alert('cross-source.session-without-gateway', 'session:a', '2026-10-20T10:00:00.000Z', '2026-10-20T11:00:00.000Z', '2026-12-06T01:00:30.000Z'),
      alert('billing.unmanaged-key-usage', 'anthropic:account:user_01x', '2026-10-20T10:00:00.000Z', '2026-10-20T11:00:00.000Z', '2026-12-06T01:01:40.000Z'),
      alert('gateway.prompt-log-gap', 'team-web:stopped-logging', '2026-10-20T10:00:00.000Z', '2026-10-20T11:00:00.000Z', '2026-12-06T01:01:00.000Z'),
    ];
    const card = scorecard(truth, alerts);
    expect(card).toEqual({
      planted: 3,
      detected: 2,
      missed: [{ detector: 'idp.unapproved-ai-app', entity: 'erin@example.com:okta:0oa9', team: 'team-web', identity: 'dave.kim@example.com', plantedAt: '2026-10-20T13:10:00.000Z' }],
      extra: [alerts[2]],
      byDetector: {
        'cross-source.session-without-gateway': { planted: 1, detected: 1 },
        'billing.unmanaged-key-usage': { planted: 1, detected: 1 },
        'idp.unapproved-ai-app': { planted: 1, detected: 0 },
      },
      timeToDetectSeconds: { p50: 30, p95: 100 },
      eventToAlertSeconds: { p50: 30, p95: 30 },
    });
    // Per incident, in truth order: what the percentiles are taken over, and the undetected as null.
    expect(detectionDelays(truth, alerts)).toEqual([30, 100, null]);
    expect(detectionDelays(truth, alerts, { from: 'evidence' })).toEqual([30, 30, null]);
    // The shape the issue asks for survives JSON.
    expect(JSON.parse(JSON.stringify(card))).toEqual(card);
  });

  it('matches an alert only when its window overlaps the incident', () => {
    const truth = [incident('gateway.routing-drift', 'routing:team-data:coding:opus', '2026-10-20T11:10:00.000Z', '2026-12-06T01:00:00.000Z', '2026-10-20T11:30:00.000Z')];
    const sameEntityNextDay = alert('gateway.routing-drift', 'routing:team-data:coding:opus', '2026-10-21T11:00:00.000Z', '2026-10-21T12:00:00.000Z', '2026-12-06T01:05:00.000Z');
    const card = scorecard(truth, [sameEntityNextDay]);
    expect(card.detected).toBe(0);
    expect(card.extra).toEqual([sameEntityNextDay]);
    expect(card.timeToDetectSeconds).toEqual({ p50: null, p95: null });
    // An hour window that ends just before the incident starts is within the default slack.
    expect(scorecard(truth, [alert('gateway.routing-drift', 'routing:team-data:coding:opus', '2026-10-20T10:00:00.000Z', '2026-10-20T11:00:00.000Z', '2026-12-06T01:00:20.000Z')], { slackSeconds: 0 }).detected).toBe(0);
  });

  it('counts an incident spanning two windows once, from its first alert', () => {
    const truth = [incident('gateway.prompt-log-gap', 'team-platform-eng:unlogged-prompts', '2026-10-20T11:00:00.000Z', '2026-12-06T01:00:00.000Z', '2026-10-20T13:00:00.000Z')];
    const alerts = [
      alert('gateway.prompt-log-gap', 'team-platform-eng:unlogged-prompts', '2026-10-20T12:00:00.000Z', '2026-10-20T13:00:00.000Z', '2026-12-06T01:00:50.000Z'),
      alert('gateway.prompt-log-gap', 'team-platform-eng:unlogged-prompts', '2026-10-20T11:00:00.000Z', '2026-10-20T12:00:00.000Z', '2026-12-06T01:00:20.000Z'),
    ];
    const card = scorecard(truth, alerts);
    expect({ planted: card.planted, detected: card.detected, extra: card.extra }).toEqual({ planted: 1, detected: 1, extra: [] });
    expect(card.timeToDetectSeconds).toEqual({ p50: 20, p95: 20 });
  });

  it('never reports a negative time to detect (alert raised before the record was produced: clock skew)', () => {
    const truth = [incident('d', 'e', '2026-10-20T10:00:00.000Z', '2026-12-06T01:00:00.000Z')];
    expect(scorecard(truth, [alert('d', 'e', '2026-10-20T10:00:00.000Z', '2026-10-20T11:00:00.000Z', '2026-12-06T00:59:59.000Z')]).timeToDetectSeconds.p50).toBe(0);
  });

  it('counts event → alert from the first record when the evidence is not in yet or the alert came before it', () => {
    const first = '2026-12-06T01:00:00.000Z';
    const alerted = alert('d', 'e', '2026-10-20T10:00:00.000Z', '2026-10-20T11:00:00.000Z', '2026-12-06T01:00:40.000Z');
    const notYet = incident('d', 'e', '2026-10-20T10:00:00.000Z', first);
    const later = incident('d', 'e', '2026-10-20T10:00:00.000Z', first, undefined, '2026-12-06T01:01:00.000Z');
    expect(detectionDelays([notYet, later], [alerted], { from: 'evidence' })).toEqual([40, 40]);
    expect(scorecard([later], [alerted]).eventToAlertSeconds).toEqual({ p50: 40, p95: 40 });
  });

  it('takes nearest-rank percentiles', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i + 1);
    expect([percentile(xs, 50), percentile(xs, 95), percentile(xs, 100), percentile([], 50), percentile([7], 95)]).toEqual([10, 19, 20, null, 7]);
  });

  it('validates ground truth read back from a file', () => {
    expect(plantedIncidentSchema.safeParse({ detector: 'd', entity: '', team: 't', identity: 'i', plantedAt: 'x', producedAt: 'y' }).success).toBe(false);
  });
});
