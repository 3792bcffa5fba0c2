import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { fingerprintOf, persistAlerts, type Alert } from '../../src/detect/alerts.ts';
import { alertSightings, scorecard, type PlantedIncident } from '../../src/simulate/scorecard.ts';
import type { Store } from '../../src/store/store.ts';
import { testStore } from '../helpers/env.ts';

/**
 * The scorecard read from a real alerts table (embedded engine, no Kafka: DRIFTWATCH_SKIP_BROKER=1
 * is enough): stored alerts come back as sightings with their detector, entity, window and
 * first_seen, and score against ground truth. Times are pinned.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'driftwatch-scorecard-'));
const config = loadConfig({ env: { ...process.env, DRIFTWATCH_DATA_DIR: dataDir }, overrides: { 'clickhouse.database': 'scorecard', logLevel: 'warn' } });
let store: Store;

function alert(detector: string, entity: string, windowStart: string, windowEnd: string): Alert {
  return {
    id: `${detector}:${entity}`, fingerprint: fingerprintOf(detector, entity, new Date(windowStart), new Date(windowEnd)), detector, title: detector,
    severity: 'high', audience: 'soc', team: 'team-web', identity: 'dave.kim@example.com', credential: '', entity, windowStart, windowEnd,
    summary: 'planted', evidence: { figures: {} }, impactUsd: null, controls: { owaspAgentic: [], maestro: [], nistAiRmf: [], nistCsf: [] },
    policyVersion: 'v1', firstSeen: '2026-12-06T01:00:42.000Z', lastSeen: '2026-12-06T01:00:42.000Z', status: 'open',
  };
}

beforeAll(async () => {
  store = await testStore(config);
  await persistAlerts(store, [
    alert('cross-source.session-without-gateway', 'session:s1', '2026-10-20T10:00:00.000Z', '2026-10-20T11:00:00.000Z'),
    alert('gateway.prompt-log-gap', 'team-web:stopped-logging', '2026-10-20T10:00:00.000Z', '2026-10-20T11:00:00.000Z'),
  ], new Date('2026-12-06T01:00:42.000Z'));
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('scorecard over the alerts table', () => {
  it('reads detector, entity, window and first_seen, and scores them', async () => {
    const sightings = await alertSightings(store);
    expect(sightings).toEqual([
      { detector: 'cross-source.session-without-gateway', entity: 'session:s1', firstSeen: '2026-12-06T01:00:42.000Z', windowStart: '2026-10-20T10:00:00.000Z', windowEnd: '2026-10-20T11:00:00.000Z' },
      { detector: 'gateway.prompt-log-gap', entity: 'team-web:stopped-logging', firstSeen: '2026-12-06T01:00:42.000Z', windowStart: '2026-10-20T10:00:00.000Z', windowEnd: '2026-10-20T11:00:00.000Z' },
    ]);
    const truth: PlantedIncident[] = [{
      detector: 'cross-source.session-without-gateway', entity: 'session:s1', team: 'team-web', identity: 'dave.kim@example.com',
      plantedAt: '2026-10-20T10:03:00.000Z', until: '2026-10-20T10:40:00.000Z', producedAt: '2026-12-06T01:00:00.000Z',
    }];
    const card = scorecard(truth, sightings);
    expect({ planted: card.planted, detected: card.detected, extra: card.extra.map((e) => e.detector), ttd: card.timeToDetectSeconds })
      .toEqual({ planted: 1, detected: 1, extra: ['gateway.prompt-log-gap'], ttd: { p50: 42, p95: 42 } });
  });
});
