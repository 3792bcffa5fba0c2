import { rmSync } from 'node:fs';
import { median } from 'simple-statistics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceKind } from '../../src/decode/types.ts';
import type { AnyDetector } from '../../src/detect/define-detector.ts';
import { loadDetectors } from '../../src/detect/registry.ts';
import { IngestConsumer } from '../../src/ingest/consumer.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../../src/policy/load.ts';
import { syncPolicy } from '../../src/policy/sync.ts';
import { smallOrgDay } from '../../src/simulate/small-org-day.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { createTopics, groupProgress, produce } from '../helpers/kafka.ts';
import { detectRange, type DetectReport } from './detect.ts';

/**
 * The planted day's proof for a small organisation (issue 14): a 5-person team at ~$1/day, through
 * a real broker into the ClickHouse engine, every detector over the day with policy.example.yaml.
 * The alerts must be exactly the two planted ones, which the fixed floors ($25 a day, 20 requests
 * an hour) used to hide; nothing else may fire, and a second run raises nothing new.
 */

const SOURCES: SourceKind[] = ['gateway', 'billing', 'idp', 'agent'];
const scenario = smallOrgDay();
const config = testConfig('e2e-small', { 'ingest.maxBatchAgeMs': 300 });
let store: Store;
let detectors: AnyDetector[];
let policyVersion: string;
let first: DetectReport;

beforeAll(async () => {
  store = await testStore(config);
  await createTopics(config, 3);
  for (const source of SOURCES) {
    const records = scenario.records[source];
    if (records.length > 0) await produce(config, config.kafka.topics[source], records.map((r) => ({ value: Buffer.from(JSON.stringify(r)) })), 3);
  }
  const consumer = new IngestConsumer({ config, store, log: createLogger('warn') });
  await consumer.start();
  try {
    await waitFor(async () => {
      const { committed, end } = await groupProgress(config, config.kafka.topics.gateway);
      return committed >= end;
    }, 120_000, 'every gateway offset committed');
  } finally {
    await consumer.stop();
  }
  policyVersion = (await syncPolicy(store, loadPolicyFile(EXAMPLE_POLICY_FILE).policy, EXAMPLE_POLICY_FILE)).version;
  detectors = await loadDetectors();
  first = await detectRange(store, detectors, scenario.window, policyVersion, new Date());
}, 300_000);

afterAll(async () => {
  await store?.close();
  rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
});

describe('a small organisation\'s planted day, end to end', () => {
  it('is the issue\'s organisation: a $1.17 median day, $4.68 today, 45 of 51 unlogged, hours of at most 12', async () => {
    const f = scenario.facts;
    expect(median(f.historyUsd)).toBe(1.17);
    expect(f.todayUsd).toBeCloseTo(4.68, 1);
    expect([f.unlogged, f.requests, f.busiestHour]).toEqual([45, 51, 12]);
    expect(await count(store, 'SELECT count() c FROM gateway_requests')).toBe(scenario.records.gateway.length);
    expect(await count(store, 'SELECT count() c FROM ingest_rejects')).toBe(0);
  });

  it('raises exactly the planted alerts, each accountable and evidenced with the parameters it was judged by', () => {
    const key = (a: { detector: string; entity: string }) => `${a.detector} ${a.entity}`;
    expect(first.created.map(key).sort()).toEqual(scenario.planted.map(key).sort());
    for (const p of scenario.planted) {
      const a = first.created.find((x) => x.detector === p.detector && x.entity === p.entity);
      expect({ team: a?.team, identity: a?.identity }).toEqual({ team: p.team, identity: p.identity });
      if (p.credential !== undefined) expect(a?.credential).toBe(p.credential);
      expect(a?.evidence.paramScope).toBe('default');
      expect(a?.windowStart.slice(0, 10)).toBe(scenario.day);
    }
    const spend = first.created.find((a) => a.detector === 'billing.spend-above-approved');
    expect(spend?.evidence.figures).toMatchObject({ baselineMedianUsd: 1.17, finding: 'spend-baseline' });
    expect(Number(spend?.evidence.figures['robustZ'])).toBeGreaterThanOrEqual(3.5);
    const gap = first.created.find((a) => a.detector === 'gateway.prompt-log-gap');
    expect(gap?.evidence.figures['judgedOver']).toBe('day so far');
    expect(Number(gap?.evidence.figures['unloggedShare'])).toBeGreaterThan(0.8);
  });

  it('raises nothing new when the day is detected again', async () => {
    const again = await detectRange(store, detectors, scenario.window, policyVersion, new Date());
    expect(again.created.map((a) => `${a.detector} ${a.entity}`)).toEqual([]);
  });
});
