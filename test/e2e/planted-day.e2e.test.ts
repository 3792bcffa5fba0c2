import { rmSync } from 'node:fs';
import { median } from 'simple-statistics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceKind } from '../../src/decode/types.ts';
import type { AnyDetector } from '../../src/detect/define-detector.ts';
import { loadDetectors } from '../../src/detect/registry.ts';
import { IngestConsumer } from '../../src/ingest/consumer.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../../src/policy/load.ts';
import { syncPolicy } from '../../src/policy/sync.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { createTopics, groupProgress, produce } from '../helpers/kafka.ts';
import { detectRange, type DetectReport } from './detect.ts';
import { plantedChecks } from './planted-checks.ts';
import { FRANK_SSO, plantedDay } from '../../src/simulate/planted-day.ts';
import { PROMPT_TEXT } from '../../src/simulate/wire.ts';

/**
 * The issue's proof: a day of four teams' traffic in the real wire formats, with planted incidents
 * of every kind the detectors look for, produced to a real broker (3 partitions per topic),
 * consumed by IngestConsumer into the ClickHouse engine, then every detector run over the day the
 * way `driftwatch detect --from --to` does, with policy.example.yaml synced. The alerts must be
 * exactly the planted ones, each accountable and evidenced, and a second run must raise nothing.
 */

const SOURCES: SourceKind[] = ['gateway', 'billing', 'idp', 'agent'];
const scenario = plantedDay();
const checks = plantedChecks(scenario.facts, FRANK_SSO);
const config = testConfig('e2e', { 'ingest.maxBatchAgeMs': 300 });
const log = createLogger('warn');
let store: Store;
let detectors: AnyDetector[];
let policyVersion: string;
let first: DetectReport;
const timings: Record<string, number> = {};

type Doc = Record<string, unknown>;
/** A provider key-list page (OpenAI project API keys, Anthropic Admin API keys): its rows go to provider_keys. */
const isKeyList = (doc: Doc): boolean => Array.isArray(doc['data']) && (doc['data'] as Doc[]).every((k) => k['object'] === 'organization.project.api_key' || k['type'] === 'api_key');
/** Rows a record yields in its source's main table: OTLP requests and report pages carry several. */
function rowsOf(doc: Doc): number {
  if (Array.isArray(doc['resourceLogs'])) {
    return (doc['resourceLogs'] as { scopeLogs: { logRecords: unknown[] }[] }[]).reduce((n, rl) => n + rl.scopeLogs.reduce((m, sl) => m + sl.logRecords.length, 0), 0);
  }
  if (isKeyList(doc)) return 0;
  if (Array.isArray(doc['data'])) return (doc['data'] as { results: unknown[] }[]).reduce((n, b) => n + b.results.length, 0);
  return 1;
}

async function timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    timings[name] = Math.round(performance.now() - started);
  }
}

beforeAll(async () => {
  store = await testStore(config);
  await timed('produce', async () => {
    await createTopics(config, 3);
    for (const source of SOURCES) {
      await produce(config, config.kafka.topics[source], scenario.records[source].map((r) => ({ value: Buffer.from(JSON.stringify(r)) })), 3);
    }
  });
  await timed('consume', async () => {
    const consumer = new IngestConsumer({ config, store, log });
    await consumer.start();
    try {
      await waitFor(async () => {
        for (const source of SOURCES) {
          const { committed, end } = await groupProgress(config, config.kafka.topics[source]);
          if (committed < end) return false;
        }
        return true;
      }, 120_000, 'every offset of the four topics committed');
    } catch (err) {
      // A crashed consumer cannot stop cleanly; the wait's error is the one worth reading.
      await consumer.stop().catch(() => undefined);
      throw err;
    }
    await consumer.stop();
  });
  policyVersion = (await syncPolicy(store, loadPolicyFile(EXAMPLE_POLICY_FILE).policy, EXAMPLE_POLICY_FILE)).version;
  detectors = await loadDetectors();
  first = await timed('detect', () => detectRange(store, detectors, scenario.window, policyVersion, new Date()));
}, 300_000);

afterAll(async () => {
  const volume = Object.fromEntries(SOURCES.map((s) => [s, scenario.records[s].length]));
  process.stderr.write(`planted day ${scenario.day}: kafka messages ${JSON.stringify(volume)}; timings ms ${JSON.stringify(timings)}\n`);
  if (first) process.stderr.write(`detect per detector: ${JSON.stringify(first.perDetector)}\n`);
  await store?.close();
  rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
});

describe('a planted day, end to end', () => {
  it('is a realistic day whose plants are what they claim', () => {
    const f = scenario.facts;
    expect(scenario.records.gateway.length).toBeGreaterThan(1000);
    expect(scenario.records.agent.length + scenario.records.billing.length + scenario.records.idp.length).toBeGreaterThan(1000);
    // Stopped logging: team-web's 10:00 hour has a real baseline, and nothing at the gateway today.
    expect(median(f.webHour10History)).toBeGreaterThanOrEqual(10);
    expect(f.webHour10).toBe(0);
    // The runaway crosses team-data's $80 budget inside one hour, from below the baseline floor ($25).
    expect(f.dataSpendBefore15).toBeLessThan(25);
    expect(f.dataSpendBy16).toBeGreaterThan(85);
    // team-ml: well above its own median, within its $300 budget.
    expect(f.mlSpend).toBeGreaterThan(Math.max(25, 1.5 * median(f.mlHistorySpend)) + 3);
    expect(f.mlSpend).toBeLessThan(300);
    expect(f.platformHour11.requests).toBeGreaterThanOrEqual(20);
    expect(f.platformHour11.unlogged / f.platformHour11.requests).toBeGreaterThan(0.05);
    expect(f.chatHour15.every((n) => n > 0)).toBe(true);
    expect(f.sharedSessionPeople).toEqual(['alice@example.com', 'carol.nguyen@example.com']);
  });

  it('ingests every record of every format through the broker, rejecting none', async () => {
    expect(await count(store, 'SELECT count() c FROM ingest_rejects')).toBe(0);
    const tables: Record<SourceKind, string> = { gateway: 'gateway_requests', billing: 'provider_usage', idp: 'idp_events', agent: 'agent_events' };
    for (const source of SOURCES) {
      const expected = scenario.records[source].reduce((n, d) => n + rowsOf(d), 0);
      expect(await count(store, `SELECT count() c FROM ${tables[source]}`), source).toBe(expected);
      expect(await count(store, `SELECT uniqExact(source_partition) c FROM ${tables[source]}`), `${source} partitions`).toBe(3);
    }
    const keys = scenario.records.billing.filter(isKeyList).reduce((n, d) => n + (d['data'] as unknown[]).length, 0);
    expect(await count(store, 'SELECT count() c FROM provider_keys'), 'provider keys').toBe(keys);
    const res = await store.client.query({
      query: `SELECT DISTINCT format FROM (SELECT format FROM gateway_requests UNION ALL SELECT format FROM provider_usage
              UNION ALL SELECT format FROM idp_events UNION ALL SELECT format FROM agent_events
              UNION ALL SELECT format FROM provider_keys) ORDER BY format`,
      format: 'JSONEachRow',
    });
    expect((await res.json<{ format: string }>()).map((r) => r.format)).toEqual([
      'anthropic.cost', 'anthropic.usage', 'bedrock.invocation', 'entra.signin', 'kong.ai_proxy', 'litellm.payload', 'litellm.spend_log',
      'okta.system_log', 'openai.api_keys', 'openai.costs', 'openai.usage', 'otel.flat', 'otel.otlp_json',
    ]);
    // Governed does not mean tidy: the background has failed attempts, MCP-gateway tool calls and refused sign-ins.
    const day = { from: scenario.window.from.toISOString().replace('T', ' ').slice(0, 19), to: scenario.window.to.toISOString().replace('T', ' ').slice(0, 19) };
    const inDay = `event_time >= toDateTime64({from:String}, 3, 'UTC') AND event_time < toDateTime64({to:String}, 3, 'UTC')`;
    expect(await count(store, `SELECT count() c FROM gateway_requests WHERE status = 'failure' AND ${inDay}`, day)).toBeGreaterThan(5);
    expect(await count(store, `SELECT count() c FROM gateway_requests WHERE notEmpty(mcp_servers) AND ${inDay}`, day)).toBeGreaterThan(20);
    expect(await count(store, `SELECT count() c FROM agent_events WHERE event_name = 'api_error'`)).toBeGreaterThan(5);
    expect(await count(store, `SELECT count() c FROM idp_events WHERE outcome = 'failure'`)).toBeGreaterThan(0);
  });

  it('raises exactly the planted alerts: every detector fires, no misses, no extras', () => {
    const key = (a: { detector: string; entity: string }) => `${a.detector} ${a.entity}`;
    expect(first.created.map(key).sort()).toEqual(scenario.planted.map(key).sort());
    expect(new Set(scenario.planted.map((p) => p.detector)).size).toBe(detectors.length);
  });

  it('gives each alert its team, accountable identity, evidence and framework controls', () => {
    expect(Object.keys(checks).sort()).toEqual(scenario.planted.map((p) => p.id).sort());
    for (const p of scenario.planted) {
      const a = first.created.find((x) => x.detector === p.detector && x.entity === p.entity);
      if (!a) continue; // reported by the previous test
      const who = `${p.detector} ${p.entity}`;
      expect({ team: a.team, identity: a.identity }, who).toEqual({ team: p.team, identity: p.identity });
      if (p.credential !== undefined) expect(a.credential, who).toBe(p.credential);
      expect(a.summary.length, who).toBeGreaterThan(40);
      expect(Object.keys(a.evidence.figures).length, who).toBeGreaterThan(3);
      expect(a.evidence.samples?.length ?? 0, `${who} raw samples`).toBeGreaterThan(0);
      for (const family of Object.values(a.controls)) expect(family.length, who).toBeGreaterThan(0);
      expect(a.windowStart.slice(0, 10), who).toBe(scenario.day);
      expect(a.policyVersion).toBe(policyVersion);
      // Evidence is redacted: prompt text never reaches an alert.
      expect(JSON.stringify(a.evidence), who).not.toContain(PROMPT_TEXT);
      checks[p.id]?.(a);
    }
  });

  it('raises nothing new when the day is detected again', async () => {
    const again = await timed('detect-again', () => detectRange(store, detectors, scenario.window, policyVersion, new Date()));
    expect(again.created.map((a) => `${a.detector} ${a.entity}`)).toEqual([]);
    for (const [id, stats] of Object.entries(first.perDetector)) expect(again.perDetector[id]?.alerts, id).toBe(stats.alerts);
    expect(await count(store, 'SELECT uniqExact(fingerprint) c FROM alerts')).toBe(scenario.planted.length);
  });
});
