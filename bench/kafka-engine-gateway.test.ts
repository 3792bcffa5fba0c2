import { describe, expect, it } from 'vitest';
import { findDecoder } from '../src/decode/registry.ts';
import { naturalKey } from '../src/normalize/natural-key.ts';
import type { GatewayRequestRow } from '../src/normalize/rows.ts';
import { sharedScratchStore } from '../src/detect/scratch-store.ts';
import { simulatedRecords } from '../src/simulate/planner.ts';
import { GATEWAY_VIEW_SELECT } from './kafka-engine-gateway.ts';

/**
 * The like-for-like reference of `npm run bench` must store what driftwatch stores, or its ratio
 * compares different work: the view's rows for simulated LiteLLM messages (both formats, MCP
 * calls, failed attempts, unlogged prompts) equal the decoders' rows, column by column — all but
 * `raw` (the reference keeps the message as it came) and the Kafka coordinates.
 */

const START = Date.parse('2026-03-02T00:00:00Z');
const HOUR = 3_600_000;
const ctx = { storePromptText: false, maxEventTime: START + 24 * HOUR };

describe('like-for-like Kafka engine view', () => {
  it('parses LiteLLM messages into the gateway_requests rows the decoders produce', async () => {
    const { store } = await sharedScratchStore();
    const c = store.client;
    const docs = simulatedRecords({ start: START, end: START + 2 * HOUR, messagesPerHour: 2000, seed: 5, incidentsPerHour: 2, sources: ['gateway'] })
      .map((r) => r.doc).filter((d) => !('ai' in d));
    expect(docs.length).toBeGreaterThan(300);
    await c.command({ query: 'CREATE TABLE kafka_in (raw String, _topic String, _partition UInt64, _offset UInt64) ENGINE = Null' });
    await c.command({ query: 'CREATE TABLE reference_rows AS gateway_requests ENGINE = Memory' });
    await c.command({ query: `CREATE MATERIALIZED VIEW reference_view TO reference_rows AS ${GATEWAY_VIEW_SELECT}` });
    await c.insert({ table: 'kafka_in', values: docs.map((d, i) => ({ raw: JSON.stringify(d), _topic: 'gateway', _partition: 0, _offset: i })), format: 'JSONEachRow' });
    const rows = await (await c.query({
      query: 'SELECT * EXCEPT (raw, ingested_at, source_topic, source_partition, source_offset, record_index) FROM reference_rows ORDER BY source_offset',
      format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    })).json<Record<string, unknown>>();

    const formats = new Set<string>();
    const expected = docs.map((doc) => {
      const decoder = findDecoder('gateway', doc);
      if (!decoder) throw new Error('no decoder');
      formats.add(decoder.format);
      const row = decoder.decode(structuredClone(doc), ctx).records[0]?.row as unknown as Record<string, unknown>;
      return Object.fromEntries(Object.keys(rows[0] ?? {}).map((k) => {
        const v = row[k];
        if (k === 'event_time') return [k, new Date(v as number).toISOString().replace('T', ' ').replace('Z', '')];
        if (k === 'natural_key') return [k, naturalKey('gateway_requests', row as unknown as GatewayRequestRow)];
        return [k, typeof v === 'boolean' ? Number(v) : v];
      }));
    });
    expect([...formats].sort()).toEqual(['litellm.payload', 'litellm.spend_log']);
    expect(rows.some((r) => (r['tool_names'] as string[]).length > 0)).toBe(true);
    expect(rows.some((r) => r['prompt_logged'] === 0)).toBe(true);
    expect(rows).toEqual(expected);
  });
});
