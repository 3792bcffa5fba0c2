import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { selectRows } from '../../src/store/select-rows.ts';
import { count, testConfig, testStore } from '../helpers/env.ts';
import { consumeAll, createTopics, produce } from '../helpers/kafka.ts';

/**
 * A usage or cost bucket exported again with other figures — a collector polling the current
 * bucket, or a provider restating one — through a real broker into the real engine: the newest
 * export of a bucket is what every table and roll-up holds, whatever came before it; the other
 * groups of the same bucket (another line item, OpenAI's batch and non-batch usage) are untouched.
 */
const config = testConfig('billing-restatements', { 'ingest.maxBatchAgeMs': 200 });
const log = createLogger('warn');
const topic = config.kafka.topics.billing;
let store: Store;

const DAY = 1_787_097_600; // 2026-08-19 00:00 UTC, a fixed day: nothing here depends on the date
const HOUR = 1_787_140_800; // 12:00 that day

/**
 * An OpenAI Costs page holding the day bucket once per [input, output] pair given: the restated
 * line item and a sibling. Two pairs in one page are two exports that meet in one batch.
 */
function costsPage(...exports: [codexUsd: number, siblingUsd?: number][]): Buffer {
  const result = (line_item: string, value: number) => ({
    object: 'organization.costs.result', amount: { value, currency: 'usd' }, line_item, project_id: 'proj_abc', api_key_id: 'key_abc',
  });
  const bucket = ([codex, sibling = 1.5]: [number, number?]) => ({
    object: 'bucket', start_time: DAY, end_time: DAY + 86_400, results: [result('gpt-5-codex, input', codex), result('gpt-5-codex, output', sibling)],
  });
  return Buffer.from(JSON.stringify({ object: 'page', has_more: false, next_page: null, data: exports.map(bucket) }));
}

/** An OpenAI Usage page of one hour: batch and non-batch usage of one model and key are two groups. */
function usagePage(onlineInput: number, batchInput = 900): Buffer {
  const result = (batch: boolean, input_tokens: number) => ({
    object: 'organization.usage.completions.result', input_tokens, output_tokens: 100, input_cached_tokens: 0, num_model_requests: 3,
    project_id: 'proj_abc', user_id: null, api_key_id: 'key_abc', model: 'gpt-5-codex', batch, service_tier: null,
  });
  return Buffer.from(JSON.stringify({
    object: 'page', has_more: false, next_page: null,
    data: [{ object: 'bucket', start_time: HOUR, end_time: HOUR + 3600, results: [result(false, onlineInput), result(true, batchInput)] }],
  }));
}

async function ingest(...values: Buffer[]): Promise<{ exportsSuperseded: number }> {
  // One partition: the order produced is the order stored.
  await produce(config, topic, values.map((value) => ({ value, partition: 0 })));
  const stats = await consumeAll(config, store, log, 120_000);
  return { exportsSuperseded: stats.exportsSuperseded };
}

interface State { rows: number; cost: number; rollupCost: number; rollupRecords: number; inputTokens: number; rollupInput: number; events: number }

async function state(): Promise<State> {
  const [row] = await selectRows<State>(store, `SELECT
      (SELECT count() FROM provider_usage) AS rows,
      (SELECT round(sum(cost_usd), 4) FROM provider_usage) AS cost,
      (SELECT round(sum(cost_usd), 4) FROM provider_hourly) AS rollupCost,
      (SELECT sum(records) FROM provider_hourly) AS rollupRecords,
      (SELECT sum(uncached_input_tokens) FROM provider_usage) AS inputTokens,
      (SELECT sum(uncached_input_tokens) FROM provider_hourly) AS rollupInput,
      (SELECT sum(events) FROM source_hourly WHERE source = 'billing') AS events`, {});
  return row as State;
}

beforeAll(async () => {
  store = await testStore(config);
  await createTopics(config, 1);
});

afterAll(async () => {
  await store?.close();
});

describe('a usage or cost bucket exported again', () => {
  it('keeps the newest export of the bucket in the table and in every roll-up, and leaves the bucket\'s other groups alone', async () => {
    expect((await ingest(costsPage([4]))).exportsSuperseded).toBe(0);
    expect(await state()).toMatchObject({ rows: 2, cost: 5.5, rollupCost: 5.5, rollupRecords: 2 });

    // The collector polls again: the day's codex input grew, its output did not.
    expect((await ingest(costsPage([6.25]))).exportsSuperseded).toBe(1);
    expect(await state()).toMatchObject({ rows: 2, cost: 7.75, rollupCost: 7.75, rollupRecords: 2 });

    // The same export once more (a producer's retry): a duplicate, nothing changes.
    expect((await ingest(costsPage([6.25]))).exportsSuperseded).toBe(0);
    expect(await state()).toMatchObject({ rows: 2, cost: 7.75, rollupCost: 7.75 });

    // Restated back to an earlier figure, then two polls in one batch: the last one wins.
    expect((await ingest(costsPage([4]))).exportsSuperseded).toBe(1);
    expect(await state()).toMatchObject({ rows: 2, cost: 5.5, rollupCost: 5.5 });
    // In one page: codex 8 (dropped in the batch), the sibling as stored (a duplicate), codex 9 and a new sibling.
    expect((await ingest(costsPage([8], [9, 2]))).exportsSuperseded).toBe(3);
    expect(await state()).toMatchObject({ rows: 2, cost: 11, rollupCost: 11, rollupRecords: 2 });
    expect(await count(store, `SELECT count() c FROM provider_usage WHERE sign != 1`)).toBe(0);
    // Source health counts every export stored: 2, then the changed line item of each poll (1, 0, 1), then 2.
    expect((await state()).events).toBe(2 + 1 + 0 + 1 + 2);
  });

  it('tells OpenAI\'s batch and non-batch usage apart as two groups of one bucket', async () => {
    const before = await state();
    await ingest(usagePage(1000));
    await ingest(usagePage(1500));
    const after = await state();
    expect(after.rows - before.rows).toBe(2);
    expect(after.inputTokens - before.inputTokens).toBe(1500 + 900);
    expect(after.rollupInput - before.rollupInput).toBe(1500 + 900);
  });

  it('completes an export cancelled by an interrupted attempt, and writes nothing twice', async () => {
    // The state a crash leaves between the cancel insert and the delete: the stored export and its cancel row.
    const [live] = await selectRows<{ n: number }>(store, `SELECT count() n FROM provider_usage WHERE format = 'openai.costs'`, {});
    expect(live?.n).toBe(2);
    const cols = (await selectRows<{ name: string }>(store, `SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'provider_usage' AND default_kind = '' ORDER BY position`, {})).map((c) => c.name);
    await store.client.command({
      query: `INSERT INTO provider_usage (${cols.join(', ')}, sign) SELECT ${cols.join(', ')}, toInt8(-1) FROM provider_usage WHERE format = 'openai.costs' AND line_item = 'gpt-5-codex, input'`,
    });
    expect((await state()).rollupCost).toBe(2);
    // The retried batch brings the next export of the bucket: the half-cancelled one is removed, not cancelled again.
    expect((await ingest(costsPage([3, 2]))).exportsSuperseded).toBe(0);
    const s = await state();
    expect(s.rollupCost - (await usageCost())).toBe(5);
    expect(await count(store, `SELECT count() c FROM provider_usage WHERE format = 'openai.costs'`)).toBe(2);
    expect(await count(store, `SELECT count() c FROM provider_usage WHERE sign != 1`)).toBe(0);
  });
});

async function usageCost(): Promise<number> {
  return count(store, `SELECT round(sum(cost_usd), 4) c FROM provider_usage WHERE format != 'openai.costs'`);
}
