import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findDecoder } from '../../src/decode/registry.ts';
import { SOURCE_KINDS, type SourceKind } from '../../src/decode/types.ts';
import { ensureTopics } from '../../src/infra/topics.ts';
import { withProducer } from '../../src/ingest/produce.ts';
import { COVERED_DETECTORS } from '../../src/simulate/incidents.ts';
import { startSimulator, type SimulatorStats } from '../../src/simulate/live.ts';
import { plantedIncidentSchema, type PlantedIncident } from '../../src/simulate/scorecard.ts';
import { testConfig, waitFor } from '../helpers/env.ts';

/**
 * The live simulator against the real broker: three simulated hours (10:00–13:00 of a pinned day,
 * so the first two hours' late usage pages arrive too) at 3,600× speed-up, consumed back and run
 * through the real decoders. The real clock is injected: pinned at 13:00 of that day and moving
 * with the monotonic clock, so the simulated one never waits for it.
 */

const config = testConfig('simulate');
const SIM_START = Date.parse('2026-10-20T10:00:00Z');
const SIM_END = Date.parse('2026-10-20T13:00:00Z');
const started = performance.now();
const pinnedNow = () => SIM_END + (performance.now() - started);
let truth: PlantedIncident[] = [];
let stats: SimulatorStats;
const messages: Record<SourceKind, Buffer[]> = { gateway: [], billing: [], idp: [], agent: [] };

beforeAll(async () => {
  await ensureTopics(config.kafka.brokers, Object.values(config.kafka.topics), 3);
  await withProducer(config.kafka.brokers, async (producer) => {
    const sim = startSimulator({ producer, topics: config.kafka.topics, rate: 300, speedup: 3600, seed: 7, start: SIM_START, incidentsPerHour: 6, now: pinnedNow, tickMs: 50 });
    try {
      await waitFor(async () => Date.parse(sim.stats().simulatedTime) >= SIM_END, 120_000, 'three simulated hours');
    } finally {
      await sim.stop();
    }
    truth = sim.truth();
    stats = sim.stats();
  });
  const kafka = new Kafka({ clientId: 'simulate-test', brokers: config.kafka.brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: config.kafka.groupId });
  await consumer.connect();
  const topicSource = new Map(SOURCE_KINDS.map((s) => [config.kafka.topics[s], s]));
  await consumer.subscribe({ topics: [...topicSource.keys()], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ topic, message }) => void messages[topicSource.get(topic) as SourceKind].push(message.value ?? Buffer.alloc(0)) });
  try {
    await waitFor(async () => SOURCE_KINDS.every((s) => messages[s].length >= stats.produced[s]), 60_000, 'every produced message consumed back');
  } finally {
    await consumer.disconnect();
  }
}, 180_000);

afterAll(() => {
  process.stderr.write(`simulator: ${JSON.stringify(stats)}; truth ${truth.length}\n`);
});

describe('the live simulator', () => {
  it('produces every source, and every message decodes with no reject', () => {
    const formats = new Set<string>();
    const rejects: string[] = [];
    // Pinned upper bound for event times: the day after the simulated one.
    const ctx = { storePromptText: false, maxEventTime: Date.parse('2026-10-21T00:00:00Z') };
    for (const source of SOURCE_KINDS) {
      expect(messages[source].length, source).toBe(stats.produced[source]);
      expect(messages[source].length, source).toBeGreaterThan(0);
      for (const value of messages[source]) {
        const doc: unknown = JSON.parse(value.toString('utf8'));
        const decoder = findDecoder(source, doc);
        if (!decoder) {
          rejects.push(`${source}: no format matches ${value.toString('utf8').slice(0, 200)}`);
          continue;
        }
        formats.add(decoder.format);
        const out = decoder.decode(doc, ctx);
        for (const r of out.rejects) rejects.push(`${decoder.format}: ${r.reason} ${r.detail}`);
      }
    }
    expect(rejects).toEqual([]);
    // Late provider reports arrived: hourly usage pages of the closed hours, and the gateways' formats.
    for (const f of ['anthropic.usage', 'litellm.spend_log', 'litellm.payload', 'kong.ai_proxy', 'okta.system_log', 'entra.signin', 'otel.otlp_json', 'otel.flat']) expect(formats, f).toContain(f);
  });

  it('keeps ground truth for the incidents it planted, in simulated and real time', () => {
    expect(stats.incidents).toBeGreaterThan(0);
    expect(truth.length).toBeGreaterThanOrEqual(stats.incidents);
    for (const t of truth) {
      expect(plantedIncidentSchema.parse(t)).toEqual(t);
      expect(COVERED_DETECTORS).toContain(t.detector);
      // A daily report read during the run describes the day before it (Claude Code analytics): planted then.
      expect(Date.parse(t.plantedAt)).toBeGreaterThanOrEqual(Date.parse('2026-10-19T00:00:00Z'));
      expect(Date.parse(t.plantedAt)).toBeLessThan(SIM_END);
      // producedAt is the injected real clock's, so after the pinned 13:00.
      expect(Date.parse(t.producedAt)).toBeGreaterThanOrEqual(SIM_END);
    }
  });

  it("dates each alert's evidence: the incident's first record, or its first record of the source that proves it", () => {
    const bypassed = truth.filter((t) => t.detector === 'billing.unmanaged-key-usage' && t.entity.startsWith('anthropic:account:'));
    for (const t of truth.filter((x) => !bypassed.includes(x))) expect(t.evidenceAt, `${t.detector} ${t.entity}`).toBe(t.producedAt);
    // A session around the gateway: the agent's telemetry goes out first, the usage report that proves the
    // credential unmanaged an hour after its hour (absent when still due at the end).
    // The report of an hour goes out at its start + 2 h 05 min (planner.ts): before the simulated 13:00 for a session begun at 10:xx.
    expect(bypassed.length).toBeGreaterThan(0);
    for (const t of bypassed) {
      const reportDue = Math.floor(Date.parse(t.plantedAt) / 3_600_000) * 3_600_000 + 125 * 60_000;
      if (reportDue > SIM_END) expect(t.evidenceAt, t.entity).toBeUndefined();
      else expect(Date.parse(t.evidenceAt ?? ''), t.entity).toBeGreaterThan(Date.parse(t.producedAt));
    }
  });
});
