import { z } from 'zod';
import { boundedNumeric, MAX_ABS_USD, MAX_DURATION_MS, MAX_TOKENS, UINT32_MAX, UINT64_SAFE_MAX } from './bounds.ts';
import { under, type RawFields } from './raw-fields.ts';

/**
 * OTLP/JSON logs (ExportLogsServiceRequest, as the OTel Collector's kafka exporter writes it with
 * `encoding: otlp_json`), the flattened single-record form of formats.md §8, and the Claude Code
 * event attributes driftwatch maps. Protobuf JSON mapping writes 64-bit ints (intValue,
 * timeUnixNano) as strings of digits; some exporters write plain numbers, so both are accepted.
 */

const int64 = z.union([z.string().regex(/^-?\d+$/), z.number().int()]);
const unixNano = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]);

/** Nested array/kvlist values are converted leniently (attributeValue), not validated. */
export const otlpAnyValueSchema = z.looseObject({
  stringValue: z.string().optional(),
  intValue: int64.optional(),
  // proto3 JSON writes NaN/Infinity as strings.
  doubleValue: z.union([z.number(), z.string()]).optional(),
  boolValue: z.boolean().optional(),
  bytesValue: z.string().optional(),
  arrayValue: z.looseObject({ values: z.array(z.unknown()).nullish() }).optional(),
  kvlistValue: z.looseObject({ values: z.array(z.unknown()).nullish() }).optional(),
});
export type OtlpAnyValue = z.infer<typeof otlpAnyValueSchema>;

export const otlpKeyValueSchema = z.looseObject({
  key: z.string(),
  value: otlpAnyValueSchema.nullish(),
});
export type OtlpKeyValue = z.infer<typeof otlpKeyValueSchema>;

const attributeList = z.array(otlpKeyValueSchema).nullish();

export const otlpLogRecordSchema = z.looseObject({
  timeUnixNano: unixNano.nullish(),
  observedTimeUnixNano: unixNano.nullish(),
  // OTLP 1.5 added a first-class event name next to the `event.name` attribute convention.
  eventName: z.string().nullish(),
  body: otlpAnyValueSchema.nullish(),
  attributes: attributeList,
});
export type OtlpLogRecord = z.infer<typeof otlpLogRecordSchema>;

/** One resourceLogs entry; its logRecords are validated one by one so a bad one stands alone. */
export const otlpResourceLogsSchema = z.looseObject({
  resource: z.looseObject({ attributes: attributeList }).nullish(),
  scopeLogs: z
    .array(
      z.looseObject({
        scope: z.looseObject({ name: z.string().nullish(), version: z.string().nullish() }).nullish(),
        logRecords: z.array(z.unknown()).nullish(),
      }),
    )
    .nullish(),
});

export const otlpLogsRequestSchema = z.looseObject({ resourceLogs: z.array(z.unknown()) });

/** formats.md §8 sample: one log record with resource/scope inlined and attributes as a map. */
export const otelFlatRecordSchema = z.looseObject({
  timeUnixNano: unixNano.nullish(),
  observedTimeUnixNano: unixNano.nullish(),
  eventName: z.string().nullish(),
  body: z.union([z.string(), z.looseObject({ stringValue: z.string().optional() })]).nullish(),
  resource: z.record(z.string(), z.unknown()).nullish(),
  scope: z.looseObject({ name: z.string().nullish() }).nullish(),
  attributes: z.record(z.string(), z.unknown()),
});
export type OtelFlatRecord = z.infer<typeof otelFlatRecordSchema>;

const tokens = boundedNumeric(0, MAX_TOKENS).nullish();
const optText = z.string().nullish();

/**
 * Claude Code event attributes after flattening (resource merged under record attributes).
 * Numbers may arrive as strings (formats.md §8); a value that is present but not numeric is a
 * schema violation rather than a silent 0.
 */
export const claudeCodeAttributesSchema = z.looseObject({
  'event.name': optText,
  'event.timestamp': optText,
  'event.sequence': boundedNumeric(0, UINT64_SAFE_MAX).nullish(),
  'session.id': optText,
  'prompt.id': optText,
  input_tokens: tokens,
  output_tokens: tokens,
  cache_read_tokens: tokens,
  cache_creation_tokens: tokens,
  cost_usd: boundedNumeric(-MAX_ABS_USD, MAX_ABS_USD).nullish(),
  cost_usd_micros: boundedNumeric(-MAX_ABS_USD * 1e6, MAX_ABS_USD * 1e6).nullish(),
  duration_ms: boundedNumeric(0, MAX_DURATION_MS).nullish(),
  prompt_length: boundedNumeric(0, UINT32_MAX).nullish(),
});

/**
 * Claude Code attributes that are evidence (formats.md §8: standard attributes, resource
 * attributes, the events' figures, ids and names, the 2.1.294 capture's additions). Custom
 * OTEL_RESOURCE_ATTRIBUTES keep their value only when the contract names them (`team.id`,
 * `enduser.id`); any other attribute — `error` text, a debug attribute — keeps only its name.
 */
export const CLAUDE_CODE_ATTRIBUTES: readonly string[] = [
  'event.name', 'event.timestamp', 'event.sequence', 'session.id', 'prompt.id', 'user.id', 'user.email', 'user.account_id',
  'user.account_uuid', 'organization.id', 'terminal.type', 'app.version', 'app.entrypoint', 'team.id', 'enduser.id',
  'identity.source', 'user.groups', 'service.name', 'service.version', 'os.type', 'os.version', 'host.arch', 'wsl.version',
  'prompt_length', 'message.uuid', 'command_name', 'command_source', 'response_length', 'model', 'request_id', 'client_request_id',
  'query_source', 'cost_usd', 'cost_usd_micros', 'duration_ms', 'ttft_ms', 'input_tokens', 'output_tokens', 'cache_read_tokens',
  'cache_creation_tokens', 'speed', 'effort', 'agent.name', 'skill.name', 'plugin.name', 'marketplace.name', 'mcp_server.name',
  'mcp_server_name', 'mcp_tool.name', 'status_code', 'attempt', 'server_fallback_hop', 'has_category', 'category', 'tool_name',
  'tool_use_id', 'success', 'error_type', 'decision_type', 'decision_source', 'tool_input_size_bytes', 'tool_result_size_bytes',
  'mcp_server_scope', 'decision', 'source', 'tool_source', 'from_mode', 'to_mode', 'trigger', 'action', 'auth_method', 'hook_event',
  'hook_type', 'hook_source', 'status', 'transport_type', 'server_scope', 'is_plugin', 'start_type', 'type', 'language',
];
/** What was said or done (prompts, responses, tool arguments, raw bodies, error text): only with storePromptText. */
export const CLAUDE_CODE_CONTENT_ATTRIBUTES: readonly string[] = [
  'prompt', 'prompt_text', 'response', 'tool_parameters', 'tool_input', 'tool_result', 'error', 'body', 'request_body', 'response_body',
];
const ATTRIBUTE_NAMES = { keep: CLAUDE_CODE_ATTRIBUTES, content: CLAUDE_CODE_CONTENT_ATTRIBUTES };
/** An event name body (`claude_code.api_request`), as opposed to a message a log record could carry. */
const EVENT_NAME_BODY = /^claude_code\.[a-z_.]+$/;
const LOG_RECORD_FIELDS = ['timeUnixNano', 'observedTimeUnixNano', 'severityNumber', 'severityText', 'eventName', 'droppedAttributesCount', 'flags', 'traceId', 'spanId'];

/**
 * What `raw` keeps of an OTLP log record, stored with its resource and scope
 * (`{resource, scope, logRecord}`), or of a resourceLogs entry or a request a reject keeps whole.
 */
export const OTLP_LOG_RECORD_RAW: RawFields = {
  keep: [
    'scope.name', 'scope.version', ...under('logRecord', LOG_RECORD_FIELDS), 'resource.droppedAttributesCount',
    'resourceLogs.scopeLogs.scope.name', 'resourceLogs.scopeLogs.scope.version', 'scopeLogs.scope.name', 'scopeLogs.scope.version',
    ...under('resourceLogs.scopeLogs.logRecords', LOG_RECORD_FIELDS), ...under('scopeLogs.logRecords', LOG_RECORD_FIELDS),
  ],
  names: {
    'resource.attributes': ATTRIBUTE_NAMES, 'logRecord.attributes': ATTRIBUTE_NAMES,
    'resourceLogs.resource.attributes': ATTRIBUTE_NAMES, 'resourceLogs.scopeLogs.logRecords.attributes': ATTRIBUTE_NAMES,
    'scopeLogs.logRecords.attributes': ATTRIBUTE_NAMES,
  },
  matching: {
    'logRecord.body.stringValue': EVENT_NAME_BODY, 'resourceLogs.scopeLogs.logRecords.body.stringValue': EVENT_NAME_BODY,
    'scopeLogs.logRecords.body.stringValue': EVENT_NAME_BODY,
  },
};

/** What `raw` keeps of a flattened record (§8 sample). */
export const OTEL_FLAT_RAW: RawFields = {
  keep: [...LOG_RECORD_FIELDS, 'scope.name', 'scope.version'],
  names: { resource: ATTRIBUTE_NAMES, attributes: ATTRIBUTE_NAMES },
  matching: { body: EVENT_NAME_BODY, 'body.stringValue': EVENT_NAME_BODY },
};
