import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/telemetry/logger.ts';
import { IngestConsumer } from '../../src/ingest/consumer.ts';
import type { Store } from '../../src/store/store.ts';
import type { Alert } from '../../src/detect/alerts.ts';
import { loadDetectors } from '../../src/detect/registry.ts';
import { EXAMPLE_POLICY_FILE, loadPolicyFile } from '../../src/policy/load.ts';
import { syncPolicy } from '../../src/policy/sync.ts';
import { testConfig, testStore, waitFor } from '../helpers/env.ts';
import { createTopics, groupProgress, produce } from '../helpers/kafka.ts';
import { detectRange } from '../e2e/detect.ts';

/**
 * Issue 9 item 3 / issue 10 item 2: with the default storePromptText: false, no prompt text and no
 * credential reaches the store, the rejects, an alert or a log line. A corpus of records carrying
 * unique markers — fake credentials of each kind the secret rules cover, and prompt text in every
 * content-bearing field the formats (and their real variants) have — goes through the real broker
 * into the real engine, the detectors run over it, and then every String/Array/Map column of every
 * table of the database, every alert field and every log line is searched for the markers.
 */

// Every credential carries SECRET_MARK in its middle (its fingerprint keeps only the last four
// characters), every piece of prompt text carries PROMPT_MARK. None of these is a real key.
const SECRET_MARK = 'LEAKSEC';
const PROMPT_MARK = 'LEAKPROMPT';
const S = {
  anthropic: `sk-ant-api03-${SECRET_MARK}ant${'x'.repeat(80)}wxAA`,
  anthropicAdmin: `sk-ant-admin01-${SECRET_MARK}admin${'y'.repeat(20)}`,
  openai: `sk-proj-${SECRET_MARK}oai${'z'.repeat(30)}`,
  virtualKey: `sk-${SECRET_MARK}virt${'v'.repeat(10)}`,
  aws: `AKIA${SECRET_MARK}0AWS01XYZ`,
  jwt: `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ${SECRET_MARK}jwt0001.c2lnbmF0dXJl${SECRET_MARK}sig`,
  bearer: `Bearer ${SECRET_MARK}bearer0123456789`,
  privateKey: `-----BEGIN PRIVATE KEY-----\nMIIEv${SECRET_MARK}pk${'A'.repeat(120)}\n-----END PRIVATE KEY-----`,
};
const P = (where: string) => `${PROMPT_MARK}-${where}: please refactor the billing module and keep it secret`;

const sample = (name: string) => JSON.parse(readFileSync(new URL(`../../schemas/samples/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
const obj = (v: unknown) => v as Record<string, unknown>;
const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));

function liteLlmSpendLog(): Record<string, unknown> {
  const doc = sample('litellm-spend-log');
  const metadata = obj(doc['metadata']);
  return {
    ...doc,
    request_id: 'leak-spend-1',
    api_key: S.anthropic, // a raw key where LiteLLM normally logs its hash
    request_tags: ['claude-code', S.openai],
    messages: [{ role: 'system', content: P('spend-system') }, { role: 'user', content: P('spend-user') }],
    response: { choices: [{ message: { content: P('spend-response') } }] },
    proxy_server_request: { body: { messages: [{ content: P('spend-body') }] } },
    system_prompt: P('spend-system-prompt'),
    metadata: {
      ...metadata,
      user_api_key_alias: S.virtualKey,
      notes: P('spend-notes'),
      requester_custom_headers: { 'x-debug-prompt': P('spend-header'), authorization: S.bearer, 'x-api-key': S.anthropicAdmin, 'x-claude-code-session-id': 'e96634a3-fa28-4083-b354-55542e2dca01' },
    },
  };
}

function kong(): Record<string, unknown> {
  const doc = sample('kong-ai');
  const request = obj(doc['request']);
  const ai = obj(doc['ai']);
  return {
    ...doc,
    request: {
      ...request,
      headers: { ...obj(request['headers']), authorization: S.bearer, 'x-api-key': S.openai, 'x-debug-prompt': P('kong-header'), cookie: `session=${S.jwt}` },
      body: P('kong-body'),
    },
    ai: { ...ai, proxy: { ...obj(ai['proxy']), payload: { request: P('kong-payload-request'), response: P('kong-payload-response') } } },
  };
}

const attr = (key: string, value: unknown) =>
  ({ key, value: typeof value === 'number' ? { intValue: value } : { stringValue: String(value) } });

/** A Claude Code 2.1.294-shaped OTLP export: user_prompt with prompt and prompt_text, api_error, tool_result. */
function otlp2_1_294(): Record<string, unknown> {
  const common = [
    attr('session.id', '7c4a1f2e-0b3d-4e5f-8a9b-0c1d2e3f4a5b'), attr('user.id', 'c'.repeat(64)),
    attr('user.email', 'dana@example.com'), attr('organization.id', 'dc9f6c26-b22c-4831-8d01-0446bada88f1'),
  ];
  const event = (name: string, seq: number, extra: unknown[]) => ({
    timeUnixNano: '1787148198044000000',
    body: { stringValue: `claude_code.${name}` },
    attributes: [attr('event.name', name), attr('event.timestamp', '2026-08-19T14:03:18.044Z'), attr('event.sequence', seq), ...common, ...extra],
  });
  return {
    resourceLogs: [{
      resource: { attributes: [attr('service.name', 'claude-code'), attr('service.version', '2.1.294'), attr('team.id', 'platform'), attr('deploy.token', S.jwt)] },
      scopeLogs: [{
        scope: { name: 'com.anthropic.claude_code.events', version: '2.1.294' },
        logRecords: [
          event('user_prompt', 1, [attr('prompt.id', '1b0f3a52-5d7e-4c1e-9a3b-6f2d8e4c7a10'), attr('prompt_length', 90), attr('prompt', P('otlp-prompt')), attr('prompt_text', P('otlp-prompt-text')), attr('command_name', 'refactor')]),
          event('api_error', 2, [attr('model', 'claude-sonnet-4-5-20250929'), attr('error', `${P('otlp-error')} with key ${S.anthropic}`), attr('status_code', 401), attr('duration_ms', 120)]),
          event('tool_result', 3, [attr('tool_name', 'Bash'), attr('success', 'true'), attr('tool_parameters', JSON.stringify({ command: `echo ${P('otlp-tool')}` })), attr('tool_input', P('otlp-tool-input'))]),
          // Issue 14: tool details classified at ingest; only the labels may be stored, never the secret or the token in the URL.
          event('tool_result', 4, [attr('tool_name', 'Bash'), attr('success', 'true'), attr('tool_parameters', JSON.stringify({
            bash_command: 'cat', full_command: `cat ~/.aws/credentials .env; export AWS_SECRET_ACCESS_KEY=${SECRET_MARK}awsvalue01; git clone https://x:${SECRET_MARK}tok@github.com/other-org/x.git`,
          }))]),
        ],
      }],
    }],
  };
}

function otelFlat(): Record<string, unknown> {
  const doc = sample('claude-code-flat');
  return {
    ...doc,
    body: { stringValue: 'claude_code.user_prompt' },
    attributes: { ...obj(doc['attributes']), 'event.name': 'user_prompt', prompt: P('flat-prompt'), prompt_text: P('flat-prompt-text'), 'x.custom_secret': S.aws },
  };
}

function bedrock(): Record<string, unknown> {
  const doc = sample('bedrock-invocation');
  return {
    ...doc,
    input: { ...obj(doc['input']), inputBodyJson: { messages: [{ role: 'user', content: P('bedrock-input') }], system: P('bedrock-system') } },
    output: { ...obj(doc['output']), outputBodyJson: { content: [{ text: P('bedrock-output') }] } },
    requestMetadata: { ticket: S.aws, deployKey: S.privateKey },
  };
}

function okta(): Record<string, unknown> {
  const doc = sample('okta-token-grant');
  const debug = obj(obj(doc['debugContext'])['debugData']);
  return { ...doc, debugContext: { debugData: { ...debug, requestUri: `/oauth2/v1/token?assertion=${S.jwt}` } } };
}

const spend = liteLlmSpendLog();
const secretText = `${P('raw')} ${Object.values(S).join(' ')}`;
const corpus = {
  gateway: [
    bytes(spend),
    bytes(kong()),
    bytes(sample('litellm-payload')),
    // invalid JSON: an array `messages`, auth headers and an OTLP-style key/value prompt pair, cut short
    Buffer.from(`{"messages":[${JSON.stringify(P('invalid-msg'))}],"headers":{"authorization":${JSON.stringify(S.bearer)},"x-api-key":${JSON.stringify(S.anthropic)}},` +
      `"attributes":[{"key":"prompt","value":{"stringValue":${JSON.stringify(P('invalid-otlp'))}}}], "note": ${JSON.stringify(secretText)}, broken ${PROMPT_MARK}bare`),
    // oversized (limit 64 KiB below)
    bytes({ ...spend, request_id: 'leak-oversized', pad: `${secretText} `.repeat(400) }),
    // not UTF-8: a prompt and a key around an invalid byte sequence
    Buffer.concat([Buffer.from(`{"prompt":${JSON.stringify(P('utf8'))},"api_key":"${S.anthropic}","x":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
    // no format matches
    bytes({ hello: P('unknown'), key: S.anthropic, nested: { authorization: S.bearer, list: [S.jwt, P('unknown-list')] } }),
    // a known format that fails its schema
    bytes({ ...spend, request_id: 'leak-schema', prompt_tokens: 'lots' }),
  ],
  billing: [bytes(bedrock())],
  idp: [bytes(okta())],
  agent: [bytes(otlp2_1_294()), bytes(otelFlat())],
};

const config = testConfig('leak', { 'ingest.maxMessageBytes': 64 * 1024, 'ingest.maxBatchAgeMs': 300 });
const logLines: string[] = [];
const logSink = new Writable({ write(chunk: Buffer, _enc, done) { logLines.push(chunk.toString()); done(); } });
const log = createLogger('debug', logSink);
let store: Store;
let alerts: Alert[] = [];

beforeAll(async () => {
  store = await testStore(config);
  await createTopics(config, 1);
  for (const [source, values] of Object.entries(corpus)) {
    await produce(config, config.kafka.topics[source as keyof typeof corpus], values.map((value) => ({ value, partition: 0 })), 1);
  }
  const consumer = new IngestConsumer({ config, store, log });
  await consumer.start();
  try {
    await waitFor(async () => {
      for (const topic of Object.values(config.kafka.topics)) {
        const { committed, end } = await groupProgress(config, topic);
        if (committed < end) return false;
      }
      return true;
    }, 120_000, 'every offset of the four topics committed');
  } finally {
    await consumer.stop();
  }
  const policyVersion = (await syncPolicy(store, loadPolicyFile(EXAMPLE_POLICY_FILE).policy, EXAMPLE_POLICY_FILE, log)).version;
  // The samples are dated 2026-08-19; a fixed "now" keeps the run independent of today's date.
  const report = await detectRange(store, await loadDetectors(), { from: new Date('2026-08-18T00:00:00Z'), to: new Date('2026-08-21T00:00:00Z') }, policyVersion, new Date('2026-08-22T00:00:00Z'));
  alerts = report.created;
}, 300_000);

afterAll(async () => {
  await store?.close();
  rmSync(config.clickhouse.dataDir, { recursive: true, force: true });
});

const MARKERS = [SECRET_MARK, PROMPT_MARK];

interface ColumnInfo { table: string; name: string; type: string }

async function textColumns(): Promise<Map<string, string[]>> {
  const res = await store.client.query({
    query: `SELECT c.table AS table, c.name AS name, c.type AS type FROM system.columns c
            INNER JOIN system.tables t ON t.database = c.database AND t.name = c.table
            WHERE c.database = currentDatabase() AND t.engine NOT IN ('View', 'MaterializedView')
              AND (c.type LIKE '%String%' OR c.type LIKE 'Array(%' OR c.type LIKE 'Map(%' OR c.type LIKE '%Tuple(%')`,
    format: 'JSONEachRow',
  });
  const byTable = new Map<string, string[]>();
  for (const c of await res.json<ColumnInfo>()) {
    if (c.type.startsWith('AggregateFunction')) continue;
    byTable.set(c.table, [...(byTable.get(c.table) ?? []), c.name]);
  }
  return byTable;
}

describe('nothing leaks (storePromptText: false)', () => {
  it('ingested the corpus: rows in every source table, a reject of each kind', async () => {
    const res = await store.client.query({
      query: `SELECT 'rows' k, toString(count()) v FROM gateway_requests UNION ALL SELECT 'rows', toString(count()) FROM provider_usage
              UNION ALL SELECT 'rows', toString(count()) FROM idp_events UNION ALL SELECT 'rows', toString(count()) FROM agent_events
              UNION ALL SELECT 'reject', reason FROM ingest_rejects`,
      format: 'JSONEachRow',
    });
    const rows = await res.json<{ k: string; v: string }>();
    expect(rows.filter((r) => r.k === 'rows').every((r) => Number(r.v) > 0)).toBe(true);
    expect(new Set(rows.filter((r) => r.k === 'reject').map((r) => r.v))).toEqual(new Set(['invalid_json', 'oversized', 'invalid_utf8', 'unknown_format', 'schema_violation']));
  });

  it('finds no marker in any text column of any table of the database', async () => {
    const columns = await textColumns();
    expect([...columns.keys()]).toEqual(expect.arrayContaining(['gateway_requests', 'provider_usage', 'idp_events', 'agent_events', 'ingest_rejects', 'alerts']));
    const hits: string[] = [];
    const controlHits: string[] = [];
    for (const [table, names] of columns) {
      const row = `concat(${names.map((n) => `toString(\`${n}\`)`).join(", '|', ")})`;
      // The same search finds what must be there (a request id of the corpus): the scan itself works.
      const control = await store.client.query({
        query: `SELECT count() AS c FROM \`${table}\` WHERE positionCaseInsensitive(${row}, 'leak-spend-1') > 0`, format: 'JSONEachRow',
      });
      if (Number((await control.json<{ c: string }>())[0]?.c) > 0) controlHits.push(table);
      for (const marker of MARKERS) {
        const res = await store.client.query({
          query: `SELECT substring(${row}, greatest(1, toInt64(positionCaseInsensitive(${row}, {m:String})) - 60), 160) AS around
                  FROM \`${table}\` WHERE positionCaseInsensitive(${row}, {m:String}) > 0 LIMIT 3`,
          query_params: { m: marker },
          format: 'JSONEachRow',
        });
        for (const r of await res.json<{ around: string }>()) hits.push(`${table}: …${r.around}…`);
      }
    }
    expect(hits).toEqual([]);
    expect(controlHits).toEqual(expect.arrayContaining(['gateway_requests']));
  });

  it('keeps the labels derived from tool parameters, without the parameters', async () => {
    const res = await store.client.query({ query: 'SELECT secret_labels, repositories FROM agent_events WHERE notEmpty(secret_labels)', format: 'JSONEachRow' });
    expect(await res.json()).toEqual([{ secret_labels: ['aws-credentials', 'dotenv-file'], repositories: ['github.com/other-org'] }]);
  });

  it('stores credentials as fingerprints where they were (api_key_id and its roll-ups keep a joinable value)', async () => {
    const res = await store.client.query({ query: "SELECT api_key_id FROM gateway_requests WHERE request_id = 'leak-spend-1'", format: 'JSONEachRow' });
    const [row] = await res.json<{ api_key_id: string }>();
    expect(row?.api_key_id).toMatch(/^sk-ant-api03-…wxAA#[0-9a-f]{12}$/);
  });

  it('keeps rejects bounded, with the size and SHA-256 of the original', async () => {
    const res = await store.client.query({ query: "SELECT reason, detail, raw_bytes, length(raw) AS kept FROM ingest_rejects WHERE reason IN ('oversized', 'invalid_utf8', 'invalid_json')", format: 'JSONEachRow' });
    const rows = await res.json<{ reason: string; detail: string; raw_bytes: string; kept: string }>();
    expect(rows).toHaveLength(3);
    for (const r of rows) {
      expect(r.detail).toMatch(/sha256 [0-9a-f]{64}/);
      expect(Number(r.kept)).toBeLessThanOrEqual(4 * 2048);
    }
    expect(Number(rows.find((r) => r.reason === 'oversized')?.raw_bytes)).toBeGreaterThan(64 * 1024);
  });

  it('finds no marker in any field of any alert the detectors raised, nor in any log line', () => {
    // The corpus has an ownerless session and keys with no owner: detectors do fire on it.
    expect(alerts.length).toBeGreaterThan(0);
    const text = JSON.stringify(alerts) + logLines.join('');
    for (const marker of MARKERS) expect(text.toLowerCase()).not.toContain(marker.toLowerCase());
  });
});
