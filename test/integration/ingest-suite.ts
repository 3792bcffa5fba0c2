import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createLogger } from '../../src/telemetry/logger.ts';
import { IngestConsumer } from '../../src/ingest/consumer.ts';
import type { Config } from '../../src/config/schema.ts';
import type { Store } from '../../src/store/store.ts';
import { startChdbHttpServer, type ChdbHttpServer } from '../helpers/chdb-http-server.ts';
import { count, testConfig, testStore, waitFor } from '../helpers/env.ts';
import { createTopics, produce } from '../helpers/kafka.ts';

/**
 * Every format through a real broker (3 partitions per topic) into the real ClickHouse engine,
 * with poison messages of every kind mixed into the same partitions as good ones. `embedded`
 * opens the engine in-process (chdb); `server` goes through CLICKHOUSE_URL and @clickhouse/client
 * over HTTP to the test endpoint over the same engine (test/helpers/chdb-http-server.ts): the
 * same traffic must give the same rows both ways.
 */
const sample = (name: string) => readFileSync(new URL(`../../schemas/samples/${name}.json`, import.meta.url));

const good = {
  // Real variants (formats.md): LiteLLM Pub/Sub payload, Kong 3.6/3.7 and AI MCP records, OpenAI
  // usage families other than completions, Anthropic Claude Code analytics.
  gateway: ['litellm-spend-log', 'litellm-payload', 'kong-ai', 'litellm-payload-pubsub', 'kong-ai-proxy-3-6', 'kong-ai-mcp'],
  billing: ['openai-usage', 'openai-costs', 'anthropic-usage', 'anthropic-cost', 'bedrock-invocation',
    'openai-usage-embeddings', 'openai-usage-images', 'anthropic-claude-code', 'openai-project-api-keys', 'anthropic-api-keys',
    // One page per family of the organization usage API, each in its endpoint's own result shape.
    'openai-usage-moderations', 'openai-usage-audio-speeches', 'openai-usage-audio-transcriptions', 'openai-usage-vector-stores', 'openai-usage-code-interpreter-sessions'],
  idp: ['okta-token-grant', 'okta-user-deactivate', 'entra-signin-interactive', 'entra-signin-service-principal', 'entra-diagnostic-envelope'],
  agent: ['claude-code-flat', 'claude-code-otlp'],
} as const;

const spend = JSON.parse(sample('litellm-spend-log').toString()) as Record<string, unknown>;
const poison = [
  { reason: 'invalid_json', value: Buffer.from('{"request_id": "x", "api_key": ') },
  { reason: 'unknown_format', value: Buffer.from(JSON.stringify({ hello: 'world' })) },
  { reason: 'schema_violation', value: Buffer.from(JSON.stringify({ ...spend, prompt_tokens: 'lots' })) },
  { reason: 'oversized', value: Buffer.from(JSON.stringify({ ...spend, pad: 'x'.repeat(100 * 1024) })) },
  { reason: 'invalid_utf8', value: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
  { reason: 'empty_message', value: null },
];

export function ingestSuite(mode: Store['kind']): void {
  let config: Config = testConfig(`ingest-${mode}`, { 'ingest.maxMessageBytes': 64 * 1024, 'ingest.maxBatchAgeMs': 300 });
  const log = createLogger('warn');
  let server: ChdbHttpServer | undefined;
  let store: Store;
  let consumer: IngestConsumer;

  beforeAll(async () => {
    if (mode === 'server') {
      server = await startChdbHttpServer({ dataDir: config.clickhouse.dataDir });
      config = { ...config, clickhouse: { ...config.clickhouse, url: server.url } };
    }
    store = await testStore(config);
    expect(store.kind).toBe(mode);
    // The formats.md samples are dated 2026-08; once that is more than 90 days ago, a background
    // merge applies the raw column's evidence TTL and empties `raw`, which this test reads back.
    await store.client.command({ query: 'SYSTEM STOP MERGES gateway_requests' });
    await createTopics(config, 3);
    for (const [source, names] of Object.entries(good)) {
      const topic = config.kafka.topics[source as keyof typeof good];
      // Each good record goes to every partition, so each partition has real data to decode.
      await produce(config, topic, names.flatMap((n) => [0, 1, 2].map((partition) => ({ value: sample(n), partition }))));
    }
    // Poison lands in partition 0 of the gateway topic, BEFORE good records that must still arrive.
    await produce(config, config.kafka.topics.gateway, [...poison.map((p) => ({ value: p.value, partition: 0 })), { value: sample('kong-ai'), partition: 0 }]);
    consumer = new IngestConsumer({ config, store, log });
    await consumer.start();
    await waitFor(async () => (await count(store, 'SELECT count() c FROM ingest_rejects')) >= poison.length &&
      (await count(store, 'SELECT count() c FROM gateway_requests')) >= 19 &&
      (await count(store, 'SELECT count() c FROM provider_usage')) >= 51 &&
      (await count(store, 'SELECT count() c FROM provider_keys')) >= 9, 90_000, 'all rows');
    await consumer.stop();
  });

  afterAll(async () => {
    await store?.close();
    await server?.close();
  });

  describe(`Kafka → ClickHouse ingest (${mode})`, () => {
    it('stores every format from every partition, normalised', async () => {
      const res = await store.client.query({
        query: `SELECT 'gateway_requests' t, format, count() c, uniqExact(source_partition) p FROM gateway_requests GROUP BY format
                UNION ALL SELECT 'provider_usage', format, count(), uniqExact(source_partition) FROM provider_usage GROUP BY format
                UNION ALL SELECT 'idp_events', format, count(), uniqExact(source_partition) FROM idp_events GROUP BY format
                UNION ALL SELECT 'agent_events', format, count(), uniqExact(source_partition) FROM agent_events GROUP BY format
                UNION ALL SELECT 'provider_keys', format, count(), uniqExact(source_partition) FROM provider_keys GROUP BY format
  `,
        format: 'JSONEachRow',
      });
      const rows = (await res.json<{ t: string; format: string; c: string; p: string }>()).map((r) => `${r.t} ${r.format} ${r.c} ${r.p}`).sort();
      expect(rows).toEqual([
        'agent_events otel.flat 3 3',
        'agent_events otel.otlp_json 9 3',
        'gateway_requests kong.ai_mcp 3 3',
        'gateway_requests kong.ai_proxy 7 3',
        'gateway_requests litellm.payload 6 3',
        'gateway_requests litellm.spend_log 3 3',
        'idp_events entra.signin 12 3',
        'idp_events okta.system_log 6 3',
        'provider_keys anthropic.api_keys 3 3',
        'provider_keys openai.api_keys 6 3',
        'provider_usage anthropic.claude_code 15 3',
        'provider_usage anthropic.cost 3 3',
        'provider_usage anthropic.usage 3 3',
        'provider_usage bedrock.invocation 3 3',
        'provider_usage openai.costs 3 3',
        'provider_usage openai.usage 3 3',
        'provider_usage openai.usage_family 21 3',
      ]);
    });

    it('stores what the real variants carry: end user, usage family, Claude Code figures per person', async () => {
      expect(await count(store, `SELECT count() c FROM gateway_requests WHERE end_user = 'carol@example.com'`)).toBe(3);
      expect(await count(store, `SELECT count() c FROM gateway_requests
        WHERE format = 'kong.ai_mcp' AND has(tool_names, 'list_orders_for_user') AND has(mcp_servers, 'orders-mcp')`)).toBe(3);
      const res = await store.client.query({
        query: `SELECT kind, user_email, model, sum(cost_usd) cost, sum(uncached_input_tokens) input,
                       sum(metrics['num_sessions']) sessions, sum(metrics['edit_tool.accepted']) accepted, sum(metrics['images']) images
                FROM provider_usage WHERE kind IN ('claude_code', 'images', 'embeddings') AND source_partition = 1
                GROUP BY kind, user_email, model ORDER BY kind, user_email, model`,
        format: 'JSONEachRow',
      });
      expect(await res.json()).toEqual([
        { kind: 'claude_code', user_email: '', model: '', cost: 0, input: '0', sessions: 4, accepted: 9, images: 0 },
        { kind: 'claude_code', user_email: '', model: 'claude-sonnet-4-20250514', cost: 0.955, input: '20300', sessions: 0, accepted: 0, images: 0 },
        { kind: 'claude_code', user_email: 'alice@example.com', model: '', cost: 0, input: '0', sessions: 15, accepted: 25, images: 0 },
        { kind: 'claude_code', user_email: 'alice@example.com', model: 'claude-3-5-haiku-20241022', cost: 0.42, input: '23100', sessions: 0, accepted: 0, images: 0 },
        { kind: 'claude_code', user_email: 'alice@example.com', model: 'claude-sonnet-4-20250514', cost: 1.86, input: '45230', sessions: 0, accepted: 0, images: 0 },
        { kind: 'embeddings', user_email: '', model: 'text-embedding-ada-002-v2', cost: 0, input: '16', sessions: 0, accepted: 0, images: 0 },
        { kind: 'images', user_email: '', model: 'dall-e-3', cost: 0, input: '0', sessions: 0, accepted: 0, images: 2 },
      ]);
      // Every usage family with tokens or cost is recorded with its kind, and each with its own measure.
      const families = await store.client.query({
        query: `SELECT kind, sum(uncached_input_tokens) tokens, sum(request_count) requests, toJSONString(sumMap(metrics)) measures
                FROM provider_usage WHERE format IN ('openai.usage', 'openai.usage_family', 'openai.costs') AND source_partition = 1
                GROUP BY kind ORDER BY kind`,
        format: 'JSONEachRow',
      });
      expect(await families.json()).toEqual([
        { kind: 'audio_speeches', tokens: '0', requests: '1', measures: '{"characters":45}' },
        { kind: 'audio_transcriptions', tokens: '0', requests: '1', measures: '{"seconds":20}' },
        { kind: 'code_interpreter_sessions', tokens: '0', requests: '0', measures: '{"num_sessions":1}' },
        { kind: 'cost', tokens: '0', requests: '0', measures: '{}' },
        { kind: 'embeddings', tokens: '16', requests: '2', measures: '{}' },
        { kind: 'images', tokens: '0', requests: '2', measures: '{"images":2}' },
        { kind: 'moderations', tokens: '16', requests: '2', measures: '{}' },
        { kind: 'usage', tokens: '62340', requests: '57', measures: '{}' },
        { kind: 'vector_stores', tokens: '0', requests: '0', measures: '{"usage_bytes":1024}' },
      ]);
    });

    it('stores provider keys as hints with owner and project, and the client authentication of sign-ins', async () => {
      const keys = await store.client.query({
        query: `SELECT DISTINCT provider, key_id, key_hint, workspace_id, owner_type, owner_email FROM provider_keys ORDER BY key_id`,
        format: 'JSONEachRow',
      });
      expect(await keys.json()).toEqual([
        { provider: 'anthropic', key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT', key_hint: 'sk-ant-api03-R2D...igAA', workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', owner_type: 'user', owner_email: '' },
        { provider: 'openai', key_id: 'key_abc', key_hint: 'sk-abc...def', workspace_id: 'proj_abc', owner_type: 'service_account', owner_email: '' },
        { provider: 'openai', key_id: 'key_def', key_hint: 'sk-proj-****wXyz', workspace_id: 'proj_abc', owner_type: 'user', owner_email: 'alice@example.com' },
      ]);
      expect(await count(store, `SELECT count() c FROM idp_events WHERE client_auth = 'federated' AND actor_type = 'service_principal'`)).toBeGreaterThanOrEqual(3);
    });

    it('normalises tokens, identities and time at the edge', async () => {
      const res = await store.client.query({
        query: `SELECT toString(event_time) t, session_id, user_email, team_id, uncached_input_tokens u, cache_read_tokens r,
                       cache_write_tokens w, output_tokens o, prompt_logged, raw
                FROM gateway_requests WHERE format = 'litellm.spend_log' LIMIT 1`,
        format: 'JSONEachRow',
      });
      const [row] = await res.json<Record<string, string | number>>();
      expect(row).toMatchObject({ t: '2026-08-19 14:03:11.512', session_id: 'e96634a3-fa28-4083-b354-55542e2dca01', user_email: 'alice@example.com',
        team_id: 'team-platform-eng', u: '390', r: '45100', w: '2400', o: '320', prompt_logged: 0 });
      expect(JSON.parse(String(row?.['raw']))).toMatchObject({ request_id: 'msg_01XFDUDYJgAACzvnptvVoYEL' });
    });

    it('keeps every poison message with its reason and origin, and the partition moves on', async () => {
      const res = await store.client.query({
        query: `SELECT reason, topic, partition, toUInt64(offset) AS offset, raw_encoding, raw_bytes, detail FROM ingest_rejects ORDER BY offset`,
        format: 'JSONEachRow',
      });
      const rejects = await res.json<{ reason: string; topic: string; partition: number; offset: string; raw_encoding: string; raw_bytes: string; detail: string }>();
      expect(rejects.map((r) => r.reason)).toEqual(poison.map((p) => p.reason));
      for (const r of rejects) {
        expect(r.topic).toBe(config.kafka.topics.gateway);
        expect(r.partition).toBe(0);
        expect(r.detail.length).toBeGreaterThan(5);
      }
      // Unreadable messages keep a redacted, shape-only prefix (UTF-8 text) with the original's size and SHA-256.
      const utf8 = rejects.find((r) => r.reason === 'invalid_utf8');
      expect(utf8?.raw_encoding).toBe('utf8');
      expect(utf8?.detail).toMatch(/sha256 [0-9a-f]{64}/);
      expect(rejects.find((r) => r.reason === 'schema_violation')?.detail).toMatch(/prompt_tokens/);
      // The good record produced after the poison, in the same partition, was stored.
      expect(await count(store, `SELECT count() c FROM gateway_requests WHERE format = 'kong.ai_proxy' AND source_partition = 0
        AND request_id = '9ec9264afbbbad5fe5c64877d92eeb04'`)).toBe(2);
    });

    it('never stores prompt text by default', async () => {
      const leaked = await count(store, `SELECT count() c FROM (
        SELECT raw FROM gateway_requests UNION ALL SELECT raw FROM agent_events UNION ALL SELECT raw FROM ingest_rejects)
        WHERE raw LIKE '%Refactor the retry loop%' OR raw LIKE '%Hello, world!%' OR raw LIKE '%INC-2231%' OR raw LIKE '%Dana Smith%'`);
      expect(leaked).toBe(0);
      expect(await count(store, `SELECT count() c FROM gateway_requests WHERE prompt_logged = 1 AND prompt_text = '' AND length(prompt_sha256) = 64`)).toBeGreaterThan(0);
    });

    it('counted what it consumed', () => {
      expect(consumer.stats.rejected).toBe(poison.length);
      expect(consumer.stats.rejectReasons).toEqual(Object.fromEntries(poison.map((p) => [p.reason, 1])));
    });
  });
}
