/**
 * Reference for bench:ingest — ClickHouse's own Kafka table engine (inside chdb) reading the same
 * topics through a materialized view into a plain MergeTree table. Runs in its own process so its
 * peak RSS is its own. Prints one JSON line: {seconds, firstRowSeconds, rows, peakRssBytes}.
 * Usage: node --import tsx bench/native-kafka-engine.ts <brokers> <topic,topic,...> <expectedRows> <dataDir>
 */
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

const [brokers, topics, expectedText, dataDir] = process.argv.slice(2);
if (!brokers || !topics || !expectedText || !dataDir) throw new Error('usage: <brokers> <topics> <expectedRows> <dataDir>');
const expected = Number(expectedText);
const client = createClient({ connection: createChdbConnection({ path: dataDir }) as never });
const q = async (sql: string) => (await (await client.query({ query: sql, format: 'JSONEachRow' })).json<{ c: string }>());

await client.command({ query: `CREATE TABLE sink_rows (received_at DateTime64(3) DEFAULT now64(3), raw String CODEC(ZSTD(3)), kind LowCardinality(String), ts String) ENGINE = MergeTree ORDER BY received_at` });
const started = Date.now();
await client.command({ query: `CREATE TABLE kafka_in (raw String) ENGINE = Kafka SETTINGS
  kafka_broker_list = '${brokers}', kafka_topic_list = '${topics}', kafka_group_name = 'native-ref-${started}',
  kafka_format = 'JSONAsString', kafka_num_consumers = 2, kafka_thread_per_consumer = 1,
  kafka_max_block_size = 65536, kafka_flush_interval_ms = 500, kafka_poll_max_batch_size = 65536` });
// A light projection so the reference does some per-row work too (it still does far less than driftwatch's decoders).
await client.command({ query: `CREATE MATERIALIZED VIEW kafka_mv TO sink_rows AS
  SELECT raw, multiIf(JSONHas(raw, 'request_id'), 'spend_log', JSONHas(raw, 'ai'), 'kong', JSONHas(raw, 'timeUnixNano'), 'otel', 'other') AS kind,
         JSONExtractString(raw, 'startTime') AS ts FROM kafka_in` });
let firstRow = 0;
for (;;) {
  const rows = Number((await q('SELECT count() c FROM sink_rows'))[0]?.c ?? 0);
  if (rows > 0 && firstRow === 0) firstRow = Date.now();
  if (rows >= expected) {
    const done = Date.now();
    process.stdout.write(`${JSON.stringify({ seconds: (done - started) / 1000, firstRowSeconds: (firstRow - started) / 1000, rows, peakRssBytes: process.resourceUsage().maxRSS * 1024, cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6 })}\n`);
    break;
  }
  if (Date.now() - started > 1_800_000) throw new Error(`native reference stalled at ${rows}/${expected}`);
  await new Promise((r) => setTimeout(r, 100));
}
await client.command({ query: 'DROP TABLE kafka_mv' });
await client.command({ query: 'DROP TABLE kafka_in' });
await client.close();
process.exit(0);
