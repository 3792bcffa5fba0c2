import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SOURCE_KINDS, type SourceKind } from '../../src/decode/types.ts';
import { DATA_TABLES } from '../../src/normalize/rows.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { count, testConfig, testStore } from '../helpers/env.ts';
import { consumeAll, createTopics, produce } from '../helpers/kafka.ts';
import { faultTraffic } from '../faults/traffic.ts';

/**
 * A producer retrying records it already sent: the same simulator traffic (all four sources, real
 * formats) produced twice through a real broker into the real engine, the second time at new
 * offsets — half of it in another partition than the first time — and consumed by a new consumer
 * (a restart: the only memory of seen keys is the store). Every source table and every roll-up
 * must hold exactly what the single produce left; rows without a natural key are stored each time
 * and counted; one key at two event times is two records.
 */
const PARTITIONS = 3;
const config = testConfig('producer-retry', { 'ingest.maxBatchAgeMs': 300 });
const log = createLogger('warn');
const traffic = faultTraffic({ hours: 3, messagesPerHour: 600, seed: 31 });
let store: Store;

/** Claude Code events without `event.sequence`: no natural key, so each copy is stored. */
const unnumbered = Array.from({ length: 4 }, (_, i) => {
  const doc = JSON.parse(readFileSync(new URL('../../schemas/samples/claude-code-flat.json', import.meta.url), 'utf8')) as { attributes: Record<string, unknown> };
  delete doc.attributes['event.sequence'];
  doc.attributes['prompt.id'] = `unnumbered-${i}`;
  return Buffer.from(JSON.stringify(doc));
});

/**
 * Two events of one session with the same sequence and name, half an hour apart (a session
 * handed over to another machine that numbered its events afresh): one key, two records, both
 * stored whether they meet in one batch or across batches; re-sent, both recognised.
 */
const sameKeyOtherTime = ['2026-08-19T14:03:18.044Z', '2026-08-19T14:33:18.044Z'].map((at) => {
  const doc = JSON.parse(readFileSync(new URL('../../schemas/samples/claude-code-flat.json', import.meta.url), 'utf8')) as { timeUnixNano: string; attributes: Record<string, unknown> };
  doc.timeUnixNano = `${Date.parse(at)}000000`;
  doc.attributes['event.timestamp'] = at;
  return Buffer.from(JSON.stringify(doc));
});

async function produceAll(shift: (i: number) => number): Promise<void> {
  for (const source of SOURCE_KINDS) {
    const values = source === 'agent' ? [...traffic.messages[source], ...unnumbered] : traffic.messages[source];
    await produce(config, config.kafka.topics[source as SourceKind], values.map((value, i) => ({ value, partition: (i + shift(i)) % PARTITIONS })));
  }
  // Back to back in one partition: they meet in one batch.
  await produce(config, config.kafka.topics.agent, sameKeyOtherTime.map((value) => ({ value, partition: shift(1) })));
}

/** Every roll-up total and distinct-key count the detectors could see doubled. */
const TOTALS = {
  gateway_requests: 'SELECT count() c FROM gateway_requests',
  provider_usage: 'SELECT count() c FROM provider_usage',
  idp_events: 'SELECT count() c FROM idp_events',
  agent_events: 'SELECT count() c FROM agent_events',
  provider_keys: 'SELECT count() c FROM provider_keys',
  gateway_hourly: 'SELECT sum(requests) c FROM gateway_hourly',
  gateway_hourly_cost_micros: 'SELECT round(sum(cost_usd) * 1e6) c FROM gateway_hourly',
  gateway_sessions_hourly: 'SELECT sum(requests) c FROM gateway_sessions_hourly',
  gateway_daily: 'SELECT sum(requests) c FROM gateway_daily',
  gateway_logging_hourly: 'SELECT sum(requests) c FROM gateway_logging_hourly',
  gateway_delays_hourly: 'SELECT sum(requests) c FROM gateway_delays_hourly',
  agent_hourly: 'SELECT sum(events) c FROM agent_hourly',
  agent_tools_hourly: 'SELECT sum(events) c FROM agent_tools_hourly',
  agent_tool_calls: 'SELECT count() c FROM agent_tool_calls',
  agent_boundary_events: 'SELECT count() c FROM agent_boundary_events',
  agent_paths_hourly: 'SELECT sum(requests) c FROM agent_paths_hourly',
  provider_hourly: 'SELECT sum(records) c FROM provider_hourly',
  provider_hourly_cost_micros: 'SELECT round(sum(cost_usd) * 1e6) c FROM provider_hourly',
} as const;

async function totals(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, sql] of Object.entries(TOTALS)) out[name] = await count(store, sql);
  return out;
}

beforeAll(async () => {
  store = await testStore(config);
  await createTopics(config, PARTITIONS);
});

afterAll(async () => {
  await store?.close();
});

describe('a producer sending the same records again at new offsets', () => {
  it('stores each record once, in the source tables and every roll-up, across partitions and a restart', async () => {
    await produceAll(() => 0);
    const first = await consumeAll(config, store, log, 240_000);
    const once = await totals();
    expect(once['agent_events']).toBe(traffic.expectedRows.agent_events + unnumbered.length + sameKeyOtherTime.length);
    for (const t of DATA_TABLES.filter((t) => t !== 'agent_events')) expect(once[t], t).toBe(traffic.expectedRows[t]);
    expect(first.duplicatesDropped).toBe(0);
    expect(first.rowsWithoutKey).toBe(unnumbered.length);

    // Again, after the first consumer stopped: odd messages one partition further on.
    await produceAll((i) => i % 2);
    const second = await consumeAll(config, store, log, 240_000);
    const twice = await totals();

    const keyed = traffic.expectedRows.gateway_requests + traffic.expectedRows.provider_usage + traffic.expectedRows.idp_events + traffic.expectedRows.agent_events + sameKeyOtherTime.length;
    expect(second.duplicatesDropped).toBe(keyed);
    expect(second.rowsWithoutKey).toBe(unnumbered.length);
    // The only rows that doubled are the ones that cannot be recognised: no key (agent), and the
    // key inventories, which have none by design (a pull restates every key).
    expect(twice).toEqual({
      ...once,
      agent_events: once['agent_events']! + unnumbered.length,
      agent_hourly: once['agent_hourly']! + unnumbered.length,
      agent_paths_hourly: once['agent_paths_hourly']! + unnumbered.length,
      provider_keys: 2 * once['provider_keys']!,
    });
    for (const t of ['gateway_requests', 'provider_usage', 'idp_events', 'agent_events'] as const) {
      expect(await count(store, `SELECT count() - uniqExact(natural_key, event_time) c FROM ${t} WHERE natural_key != ''`), t).toBe(0);
    }
  });
});
