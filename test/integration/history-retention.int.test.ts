import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anthropicUsagePage, bedrockInvocation, claudeCodeEvent, entraSignIn, kongAiLog, litellmSpendLog, oktaEvent,
} from '../../detectors/_shared/fixtures.ts';
import { sharedScratchStore, truncateTables } from '../../src/detect/scratch-store.ts';
import type { SourceKind } from '../../src/decode/types.ts';
import { replayFiles } from '../../src/ingest/replay.ts';
import { DATA_TABLES } from '../../src/normalize/rows.ts';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';

/**
 * Issue 10 §1: a backfill of old history is stored, with its evidence. Before 0013 the source
 * tables expired rows 400 days after their event time as they were written, so records from two
 * years back were counted as accepted and never stored. The day is fixed (more than two years
 * before this test was written), so the case is the same on any date.
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

describe('history replayed from two years back (retention from ingest time, 0013)', () => {
  let store: Store;
  let dir: string;
  const accepted: Partial<Record<SourceKind, number>> = {};

  beforeAll(async () => {
    const scratch = await sharedScratchStore();
    store = scratch.store;
    await truncateTables(store, [...DATA_TABLES]);
    dir = mkdtempSync(join(tmpdir(), 'driftwatch-history-'));
    for (const [source, records] of Object.entries(RECORDS) as [SourceKind, object[]][]) {
      const file = join(dir, `${source}.ndjson`);
      writeFileSync(file, records.map((r) => JSON.stringify(r)).join('\n'));
      const summary = await replayFiles(source, [file], scratch.config, store, createLogger('silent'));
      expect(summary.rejected, `${source}: ${JSON.stringify(summary.rejectReasons)}`).toBe(0);
      accepted[source] = summary.accepted;
    }
    // Merges apply TTLs: force them, so a row that a TTL would drop is gone before we count.
    for (const table of Object.values(TABLE)) await store.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores every accepted record, raw evidence included', async () => {
    for (const [source, table] of Object.entries(TABLE) as [SourceKind, string][]) {
      const res = await store.client.query({
        query: `SELECT count() AS rows, countIf(raw != '') AS with_raw, toString(min(toDate(event_time))) AS day FROM ${table}`,
        format: 'JSONEachRow',
      });
      const [row] = await res.json<{ rows: string; with_raw: string; day: string }>();
      expect(accepted[source], source).toBeGreaterThan(0);
      expect({ source, rows: Number(row?.rows), withRaw: Number(row?.with_raw), day: row?.day })
        .toEqual({ source, rows: accepted[source], withRaw: accepted[source], day: OLD });
    }
  });
});
