/**
 * References for the ingest benches — ClickHouse's own Kafka table engine (inside chdb) reading
 * the same topics, in its own process so that its peak RSS and CPU are its own:
 *   raw      a materialized view into a plain MergeTree table keeping each message as one
 *            compressed string (plus two JSON extracts): the floor of storing a topic at all;
 *   gateway  the like-for-like one: the production schema migrated, and a materialized view that
 *            parses each LiteLLM message into `gateway_requests` (bench/kafka-engine-gateway.ts),
 *            whose roll-up views then fill as they do for driftwatch.
 * Prints one JSON line: {seconds, firstRowSeconds, rows, peakRssBytes, cpuSeconds}; CPU from the
 * Kafka table's creation on (the migration before it is not ingest).
 * Usage: node --import tsx bench/native-kafka-engine.ts <brokers> <topic,topic,...> <expectedRows> <dataDir> [raw|gateway]
 */
import { loadConfig } from '../src/config/load.ts';
import { migrate } from '../src/store/migrate.ts';
import { openStore } from '../src/store/store.ts';
import { createLogger } from '../src/telemetry/logger.ts';
import { GATEWAY_VIEW_SELECT } from './kafka-engine-gateway.ts';

const [brokers, topics, expectedText, dataDir, mode = 'raw'] = process.argv.slice(2);
if (!brokers || !topics || !expectedText || !dataDir || !['raw', 'gateway'].includes(mode)) throw new Error('usage: <brokers> <topics> <expectedRows> <dataDir> [raw|gateway]');
const expected = Number(expectedText);
const store = await openStore(loadConfig({ env: {}, overrides: { 'clickhouse.dataDir': dataDir, logLevel: 'warn' } }).clickhouse);
const client = store.client;
const q = async (sql: string) => (await (await client.query({ query: sql, format: 'JSONEachRow' })).json<{ c: string }>());

let target: string;
let view: string;
if (mode === 'gateway') {
  await migrate(store, createLogger('warn'));
  target = 'gateway_requests';
  view = GATEWAY_VIEW_SELECT;
} else {
  await client.command({ query: `CREATE TABLE sink_rows (received_at DateTime64(3) DEFAULT now64(3), raw String CODEC(ZSTD(3)), kind LowCardinality(String), ts String) ENGINE = MergeTree ORDER BY received_at` });
  target = 'sink_rows';
  // A light projection so the reference does some per-row work too (far less than driftwatch's decoders).
  view = `SELECT raw, multiIf(JSONHas(raw, 'request_id'), 'spend_log', JSONHas(raw, 'ai'), 'kong', JSONHas(raw, 'timeUnixNano'), 'otel', 'other') AS kind,
         JSONExtractString(raw, 'startTime') AS ts FROM kafka_in`;
}
const started = Date.now();
const cpu0 = process.cpuUsage();
await client.command({ query: `CREATE TABLE kafka_in (raw String) ENGINE = Kafka SETTINGS
  kafka_broker_list = '${brokers}', kafka_topic_list = '${topics}', kafka_group_name = 'native-${mode}-${started}',
  kafka_format = 'JSONAsString', kafka_num_consumers = 2, kafka_thread_per_consumer = 1,
  kafka_max_block_size = 65536, kafka_flush_interval_ms = 500, kafka_poll_max_batch_size = 65536` });
await client.command({ query: `CREATE MATERIALIZED VIEW kafka_mv TO ${target} AS ${view}` });
let firstRow = 0;
for (;;) {
  const rows = Number((await q(`SELECT count() c FROM ${target}`))[0]?.c ?? 0);
  if (rows > 0 && firstRow === 0) firstRow = Date.now();
  if (rows >= expected) {
    const done = Date.now();
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(`${JSON.stringify({ seconds: (done - started) / 1000, firstRowSeconds: (firstRow - started) / 1000, rows, peakRssBytes: process.resourceUsage().maxRSS * 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6 })}\n`);
    break;
  }
  if (Date.now() - started > 1_800_000) throw new Error(`native reference stalled at ${rows}/${expected}`);
  await new Promise((r) => setTimeout(r, 100));
}
await client.command({ query: 'DROP TABLE kafka_mv' });
await client.command({ query: 'DROP TABLE kafka_in' });
await store.close();
process.exit(0);
