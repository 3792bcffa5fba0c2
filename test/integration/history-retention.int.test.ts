import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anthropicUsagePage, bedrockInvocation, claudeCodeEvent, entraSignIn, kongAiLog, litellmSpendLog, oktaEvent,
} from '../../detectors/_shared/fixtures.ts';
import { truncateTables } from '../../src/detect/scratch-store.ts';
import { decodeMessage } from '../../src/decode/message.ts';
import type { SourceKind } from '../../src/decode/types.ts';
import { replayFiles } from '../../src/ingest/replay.ts';
import { DATA_TABLES } from '../../src/normalize/rows.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { count, testConfig, testStore } from '../helpers/env.ts';
import { consumeAll, createTopics, produce } from '../helpers/kafka.ts';

/**
 * Issue 10 §1: a backfill of old history is stored, with its evidence. Before 0013 the source
 * tables expired rows 400 days after their event time as they were written, so records from two
 * years back were counted as accepted and never stored. The day is fixed (more than two years
 * before this test was written), so the case is the same on any date. Both ways in are proved:
 * `replay` of files, and the Kafka consumer through the real broker. No record is refused for its
 * age, so no `expired` reject exists; the README's "Retention" says how long history is kept.
 */
const OLD = '2024-10-20';
const t = (hhmm: string) => `${OLD}T${hhmm}:00Z`;

const RECORDS: Record<SourceKind, object[]> = {
  gateway: [litellmSpendLog(t('09:00')), litellmSpendLog(t('09:05')), kongAiLog(t('09:10'))],
  billing: [anthropicUsagePage(t('09:00'), [{}]), bedrockInvocation(t('09:20'))],
  idp: [oktaEvent(t('08:55')), entraSignIn(t('08:56'))],
  agent: [claudeCodeEvent(t('09:01')), claudeCodeEvent(t('09:02'))],
};
const TABLE: Record<SourceKind, string> = { gateway: 'gateway_requests', billing: 'provider_usage', idp: 'idp_events', agent: 'agent_events' };

const config = testConfig('history', { 'ingest.maxBatchAgeMs': 300 });
const log = createLogger('silent');
let store: Store;
let dir: string;

/** Rows per source table, those with their raw evidence, and the earliest day stored. */
async function stored(): Promise<Record<SourceKind, { rows: number; withRaw: number; day: string }>> {
  // Merges apply TTLs: force them, so a row that a TTL would drop is gone before we count.
  for (const table of Object.values(TABLE)) await store.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
  const out: Partial<Record<SourceKind, { rows: number; withRaw: number; day: string }>> = {};
  for (const [source, table] of Object.entries(TABLE) as [SourceKind, string][]) {
    const res = await store.client.query({
      query: `SELECT count() AS rows, countIf(raw != '') AS with_raw, toString(min(toDate(event_time))) AS day FROM ${table}`,
      format: 'JSONEachRow',
    });
    const [row] = await res.json<{ rows: string; with_raw: string; day: string }>();
    out[source] = { rows: Number(row?.rows), withRaw: Number(row?.with_raw), day: row?.day ?? '' };
  }
  return out as Record<SourceKind, { rows: number; withRaw: number; day: string }>;
}

const expectAllStored = (source: SourceKind, accepted: number, got: { rows: number; withRaw: number; day: string }): void => {
  expect(accepted, source).toBeGreaterThan(0);
  expect({ source, ...got }).toEqual({ source, rows: accepted, withRaw: accepted, day: OLD });
};

beforeAll(async () => {
  store = await testStore(config);
  dir = mkdtempSync(join(tmpdir(), 'driftwatch-history-'));
}, 120_000);

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
});

describe('history from two years back (retention from ingest time, 0013)', () => {
  it('replay: stores every accepted record, raw evidence included', async () => {
    await truncateTables(store, [...DATA_TABLES]);
    const accepted: Partial<Record<SourceKind, number>> = {};
    for (const [source, records] of Object.entries(RECORDS) as [SourceKind, object[]][]) {
      const file = join(dir, `${source}.ndjson`);
      writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n'));
      const summary = await replayFiles(source, [file], config, store, log);
      expect(summary.rejected, `${source}: ${JSON.stringify(summary.rejectReasons)}`).toBe(0);
      accepted[source] = summary.accepted;
    }
    const got = await stored();
    for (const source of Object.keys(TABLE) as SourceKind[]) expectAllStored(source, accepted[source] ?? 0, got[source]);
  }, 120_000);

  it('Kafka: the consumer stores every record it accepts, through the real broker, with no reject', async () => {
    await truncateTables(store, [...DATA_TABLES, 'ingest_rejects']);
    await createTopics(config, 1);
    // What the consumer's decoder accepts of each message: the rows that must be stored.
    const accepted: Partial<Record<SourceKind, number>> = {};
    for (const [source, records] of Object.entries(RECORDS) as [SourceKind, object[]][]) {
      const values = records.map((r) => Buffer.from(JSON.stringify(r)));
      accepted[source] = values.reduce((n, v) => n + decodeMessage(source, v, { storePromptText: false, maxEventTime: Date.now() }, { maxMessageBytes: 1 << 20 }).records.length, 0);
      await produce(config, config.kafka.topics[source], values.map((value) => ({ value, partition: 0 })), 1);
    }
    await consumeAll(config, store, log);
    expect(await count(store, 'SELECT count() c FROM ingest_rejects')).toBe(0);
    const got = await stored();
    for (const source of Object.keys(TABLE) as SourceKind[]) expectAllStored(source, accepted[source] ?? 0, got[source]);
  }, 300_000);
});
