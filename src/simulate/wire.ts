import { readFileSync } from 'node:fs';
import { claudeCodeEvent, deepMerge, freshId, kongAiLog, litellmSpendLog } from '../../detectors/_shared/fixtures.ts';
import { canonicalModel } from '../normalize/model.ts';
import type { AgentEvent, Call, Session } from './traffic.ts';
import { boundaryEventAttributes } from './boundary-events.ts';

/**
 * Calls and telemetry turns → the records the real systems write, in their own wire formats
 * (shared/reference/formats.md): LiteLLM SpendLogs rows and StandardLoggingPayload objects, Kong AI
 * Gateway http-log objects, Claude Code OTLP/JSON ExportLogsServiceRequest batches (one per turn,
 * as the collector's kafka exporter writes them) and flattened single records. The builders start
 * from the checked-in samples (detectors/_shared/fixtures.ts) and override with each format's own
 * field names, so every record goes through the real decoders.
 */

type Doc = Record<string, unknown>;
const iso = (ms: number) => new Date(ms).toISOString();

/** Prompt text that must never reach an alert's evidence (the test greps for it). */
export const PROMPT_TEXT = 'Refactor the retry helper in src/ingest/sink.ts to use capped exponential backoff';
const PROMPT = [{ role: 'user', content: PROMPT_TEXT }];
const RESPONSE = { content: [{ type: 'text', text: 'Here is the refactored helper with jitter.' }] };
const ORG_ID = 'dc9f6c26-b22c-4831-8d01-0446bada88f1';

const PAYLOAD_SAMPLE = JSON.parse(readFileSync(new URL('../../schemas/samples/litellm-payload.json', import.meta.url), 'utf8')) as Doc;

function apiBase(c: Call): string {
  if (c.model.provider === 'openai') return 'https://api.openai.com/v1';
  if (c.model.provider === 'bedrock') return 'https://bedrock-runtime.us-east-1.amazonaws.com';
  return 'https://api.anthropic.com/v1/messages';
}

function shape(c: Call) {
  const t = c.tokens;
  const prompt = t.uncached + t.cacheRead + t.cacheWrite;
  const route = c.taskClass === 'chat' ? '/v1/chat/completions' : c.taskClass === 'review' ? '/review/pull-request' : '/v1/messages';
  const tags = c.taskClass === 'chat' ? ['chat'] : c.taskClass === 'review' ? ['code-review'] : ['claude-code'];
  const callType = c.model.provider === 'openai' ? 'acompletion' : 'anthropic_messages';
  const headers: Doc = c.clientRequestId ? { 'x-claude-code-session-id': c.session, 'x-client-request-id': c.clientRequestId } : {};
  return { t, prompt, route, tags, callType, headers };
}

/** LiteLLM `LiteLLM_SpendLogs` row (§1b): prompt_tokens include cache reads and writes (N1). */
function spendLogRow(c: Call): Doc {
  const { t, prompt, route, tags, callType } = shape(c);
  const key = c.key;
  return litellmSpendLog(iso(c.at), deepMerge({
    request_id: c.model.provider === 'openai' ? freshId('chatcmpl-') : freshId('msg_01'),
    call_type: callType,
    api_key: key?.hash ?? '',
    spend: c.costUsd,
    prompt_tokens: prompt,
    completion_tokens: t.output,
    total_tokens: prompt + t.output,
    endTime: iso(c.at + c.durationMs),
    completionStartTime: iso(c.at + Math.min(900, c.durationMs)),
    request_duration_ms: c.durationMs,
    model: c.model.served,
    model_group: c.model.requested,
    custom_llm_provider: c.model.provider,
    api_base: apiBase(c),
    user: key?.user ?? null,
    team_id: c.team,
    session_id: c.session,
    request_tags: tags,
    requester_ip_address: c.clientIp,
    metadata: {
      user_api_key: key ? `${key.hash.slice(0, 8)}…${key.hash.slice(-4)}` : null,
      user_api_key_alias: key?.alias ?? null,
      user_api_key_team_id: c.team,
      user_api_key_team_alias: null,
      user_api_key_user_id: key?.user ?? null,
      user_api_key_request_route: route,
      additional_usage_values: { cache_read_input_tokens: t.cacheRead, cache_creation_input_tokens: t.cacheWrite },
      requester_ip_address: c.clientIp,
    },
    messages: c.logged ? PROMPT : '{}',
    response: c.logged && !c.failed ? RESPONSE : '{}',
  }, failure(c)));
}

/** Status fields of a failed attempt (529 overloaded), in both LiteLLM record shapes. */
function failure(c: Call): Doc {
  if (!c.failed) return {};
  return {
    status: 'failure',
    metadata: { status: 'failure', error_information: { error_code: '529', error_class: 'InternalServerError', llm_provider: c.model.provider } },
  };
}

/** LiteLLM StandardLoggingPayload (§1a) from the generic HTTP logger: epoch-second floats, trace_id = session. */
function payloadRow(c: Call): Doc {
  const { t, prompt, route, tags, callType, headers } = shape(c);
  const key = c.key;
  const usage = { prompt_tokens: prompt, completion_tokens: t.output, total_tokens: prompt + t.output, cache_read_input_tokens: t.cacheRead, cache_creation_input_tokens: t.cacheWrite };
  const id = freshId('msg_01');
  const doc = deepMerge(PAYLOAD_SAMPLE, {
    id, trace_id: c.session, litellm_call_id: crypto.randomUUID(), call_type: callType,
    custom_llm_provider: c.model.provider, model: c.model.served, model_group: c.model.requested, model_id: crypto.randomUUID(),
    api_base: apiBase(c), prompt_tokens: prompt, completion_tokens: t.output, total_tokens: prompt + t.output,
    response_cost: c.costUsd, cost_breakdown: { total_cost: c.costUsd },
    startTime: c.at / 1000, completionStartTime: (c.at + Math.min(900, c.durationMs)) / 1000, endTime: (c.at + c.durationMs) / 1000,
    response_time: c.durationMs / 1000, request_tags: tags, requester_ip_address: c.clientIp, user_agent: 'claude-cli/2.1.200 (external, cli)',
    messages: c.logged ? PROMPT : null,
    response: c.logged && !c.failed ? { id, type: 'message', role: 'assistant', model: c.model.served, ...RESPONSE } : null,
    ...(c.failed ? { status: 'failure', error_str: 'litellm.InternalServerError: AnthropicException - Overloaded', error_information: { error_code: '529', error_class: 'InternalServerError', llm_provider: c.model.provider } } : {}),
    hidden_params: { api_base: apiBase(c), response_cost: c.costUsd, litellm_model_name: c.model.served, usage_object: usage },
    model_map_information: { model_map_key: canonicalModel(c.model.served) },
    metadata: {
      user_api_key_hash: key?.hash ?? null, user_api_key_alias: key?.alias ?? null, user_api_key_team_id: c.team, user_api_key_team_alias: null,
      user_api_key_user_id: key?.user ?? null, user_api_key_user_email: key?.user ?? null, user_api_key_request_route: route,
      requester_ip_address: c.clientIp, user_api_key_spend: null, user_api_key_max_budget: null,
    },
  });
  delete doc['_note'];
  // Maps replace rather than merge into the sample's: its headers name another session.
  const meta = doc['metadata'] as Doc;
  meta['requester_custom_headers'] = { 'x-app': 'cli', ...headers };
  meta['usage_object'] = usage;
  (doc['hidden_params'] as Doc)['usage_object'] = usage;
  return doc;
}

/** Kong AI Gateway http-log object (§2): started_at in epoch ms, consumer = the person's Kong consumer. */
function kongRow(c: Call): Doc {
  const { t, prompt, headers } = shape(c);
  const p = c.person;
  if (!p?.kongConsumer) throw new Error(`${p?.email ?? 'workload'} has no Kong consumer`);
  const id = crypto.randomUUID().replace(/-/g, '');
  const doc = kongAiLog(iso(c.at), {
    client_ip: c.clientIp,
    request: { id },
    response: { headers: { 'x-kong-request-id': id } },
    latencies: { kong: 3, proxy: c.durationMs - 4, request: c.durationMs, receive: 1 },
    consumer: { id: p.kongConsumer.consumerId, username: p.email, custom_id: c.team },
    authenticated_entity: { id: p.kongConsumer.credentialId },
    ai: {
      proxy: {
        meta: { provider_name: c.model.provider, request_model: c.model.requested, response_model: c.model.served, llm_latency: c.durationMs - 40 },
        // OpenAI semantics (N1): prompt_tokens include cached reads; Kong has no cache-write count.
        usage: { prompt_tokens: prompt, completion_tokens: t.output, total_tokens: prompt + t.output, prompt_tokens_details: { cached_tokens: t.cacheRead }, cost: c.costUsd },
        ...(c.logged ? { payload: { request: JSON.stringify({ messages: PROMPT }), response: JSON.stringify(RESPONSE) } } : {}),
      },
    },
  });
  (doc['request'] as Doc)['headers'] = { 'user-agent': 'claude-cli/2.1.200 (external, cli)', ...headers, 'anthropic-version': '2023-06-01', authorization: 'REDACTED' };
  return doc;
}

/** LiteLLM MCP-gateway tool call (SpendLogs mcp_namespaced_tool_name): no model, no tokens, no prompt. */
function mcpRow(c: Call, mcp: { server: string; tool: string }): Doc {
  const key = c.key;
  return litellmSpendLog(iso(c.at), {
    request_id: crypto.randomUUID(), call_type: 'call_mcp_tool', api_key: key?.hash ?? '', spend: 0,
    prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, endTime: iso(c.at + c.durationMs), completionStartTime: null,
    request_duration_ms: c.durationMs, model: '', model_id: null, model_group: null, custom_llm_provider: null,
    api_base: `https://llm-gateway.example.com/mcp/${mcp.server}`, user: key?.user ?? null, team_id: c.team, session_id: c.session,
    request_tags: [], requester_ip_address: c.clientIp, mcp_namespaced_tool_name: `${mcp.server}/${mcp.tool}`,
    metadata: {
      user_api_key: key ? `${key.hash.slice(0, 8)}…${key.hash.slice(-4)}` : null, user_api_key_alias: key?.alias ?? null,
      user_api_key_team_id: c.team, user_api_key_team_alias: null, user_api_key_user_id: key?.user ?? null,
      user_api_key_request_route: '/mcp', additional_usage_values: null, requester_ip_address: c.clientIp,
      mcp_tool_call_metadata: { name: mcp.tool, mcp_server_name: mcp.server, arguments: { query: 'checkout button states' }, result: { content: [{ type: 'text', text: 'ok' }] } },
    },
    messages: '{}', response: '{}',
  });
}

/** The gateway's log record of a call; null when the call went around every gateway. */
export function gatewayRecord(c: Call): Doc | null {
  if (c.via === 'direct') return null;
  if (c.mcp) return mcpRow(c, c.mcp);
  if (c.via === 'kong') return kongRow(c);
  return c.format === 'payload' ? payloadRow(c) : spendLogRow(c);
}

// ---------- Claude Code telemetry (§8) ----------

const NOT_A_MODEL_CALL = {
  model: null, cost_usd: null, cost_usd_micros: null, input_tokens: null, output_tokens: null, cache_read_tokens: null,
  cache_creation_tokens: null, request_id: null, client_request_id: null, speed: null, query_source: null, duration_ms: null,
};

/**
 * OTEL_RESOURCE_ATTRIBUTES from managed settings: the team, and the person (enduser.id) on managed
 * laptops; a shared devbox has only the team.
 */
function resourceOf(s: Session): Doc {
  return { ...RESOURCE, ...(s.service ? { 'service.name': s.service } : {}), 'team.id': s.otelTeam, ...(s.auth === 'apikey' ? {} : { 'enduser.id': s.person.email }) };
}

function eventAttributes(s: Session, e: AgentEvent): Doc {
  const p = s.person;
  const oauth = s.auth === 'oauth';
  const identity = {
    'session.id': s.id, 'event.sequence': e.seq, 'user.id': p.installId, 'terminal.type': p.terminal,
    // Only a Claude login fills these; a gateway credential or API key leaves them out (formats.md §8).
    'user.email': oauth ? p.email : null, 'user.account_id': oauth ? p.accountId : null,
    'user.account_uuid': oauth ? p.accountUuid : null, 'organization.id': oauth ? ORG_ID : null,
  };
  if (e.name === 'api_request' && e.call) {
    const c = e.call;
    return {
      ...identity, 'event.name': 'api_request', model: canonicalModel(c.model.served), cost_usd: c.costUsd, cost_usd_micros: Math.round(c.costUsd * 1e6),
      duration_ms: c.durationMs, input_tokens: c.tokens.uncached, output_tokens: c.tokens.output, cache_read_tokens: c.tokens.cacheRead,
      cache_creation_tokens: c.tokens.cacheWrite, client_request_id: c.clientRequestId, speed: 'normal', query_source: 'repl_main_thread',
    };
  }
  if (e.name === 'api_error' && e.call) {
    const c = e.call;
    return {
      ...NOT_A_MODEL_CALL, ...identity, 'event.name': 'api_error', model: canonicalModel(c.model.served), error: 'Overloaded', status_code: 529,
      duration_ms: c.durationMs, attempt: 1, client_request_id: c.clientRequestId, speed: 'normal', query_source: 'repl_main_thread',
    };
  }
  if (e.name === 'user_prompt') return { ...NOT_A_MODEL_CALL, ...identity, 'event.name': 'user_prompt', prompt_length: e.promptLength ?? 100, prompt: '<REDACTED>' };
  const boundary = boundaryEventAttributes(e);
  if (boundary) return { ...NOT_A_MODEL_CALL, ...identity, ...boundary };
  const mcp = (e.tool ?? '').startsWith('mcp__');
  return {
    ...NOT_A_MODEL_CALL, ...identity, 'event.name': 'tool_result', tool_name: e.tool, tool_use_id: freshId('toolu_01'), success: 'true',
    duration_ms: 640, decision_type: 'accept', decision_source: 'config', tool_result_size_bytes: 2048, ...(mcp ? { mcp_server_scope: 'user' } : {}),
    ...(e.parameters ? { tool_parameters: JSON.stringify(e.parameters) } : {}),
  };
}

const RESOURCE = { 'service.name': 'claude-code', 'service.version': '2.1.200', 'os.type': 'darwin', 'host.arch': 'arm64' };

/** A flattened OTLP log record (§8 sample form): resource attributes inlined under `resource`. */
export function flatEvent(s: Session, e: AgentEvent): Doc {
  const doc = claudeCodeEvent(iso(e.at), eventAttributes(s, e), resourceOf(s));
  // The sample's own identity attributes (team.id) must not survive into another person's record.
  delete (doc['attributes'] as Doc)['team.id'];
  return doc;
}

function anyValue(v: unknown): Doc | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return { stringValue: String(v) };
}
const keyValues = (m: Doc) => Object.entries(m).flatMap(([key, v]) => (anyValue(v) ? [{ key, value: anyValue(v) }] : []));

/** One export batch: an OTLP/JSON ExportLogsServiceRequest with the turn's log records. */
export function otlpBatch(s: Session, turn: AgentEvent[]): Doc {
  const records = turn.map((e) => {
    const flat = flatEvent(s, e) as { timeUnixNano: string; body: Doc; attributes: Doc };
    return {
      timeUnixNano: flat.timeUnixNano, observedTimeUnixNano: `${e.at + 1}000000`, severityNumber: 9, severityText: 'INFO',
      body: flat.body, attributes: keyValues(flat.attributes), flags: 0, traceId: '', spanId: '',
    };
  });
  return {
    resourceLogs: [{
      resource: { attributes: keyValues({ ...resourceOf(s), 'os.version': '25.0.0', department: 'engineering' }), droppedAttributesCount: 0 },
      scopeLogs: [{ scope: { name: 'com.anthropic.claude_code.events', version: '2.1.200' }, logRecords: records }],
      schemaUrl: '',
    }],
  };
}

/** A session's telemetry as its laptop exports it: OTLP batches per turn, or flattened records. */
export function agentRecords(s: Session): Doc[] {
  return s.person.telemetry === 'otlp' ? s.turns.map((turn) => otlpBatch(s, turn)) : s.turns.flatMap((turn) => turn.map((e) => flatEvent(s, e)));
}
