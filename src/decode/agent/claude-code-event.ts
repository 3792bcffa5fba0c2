import { claudeCodeAttributesSchema } from '../../../schemas/events/otlp.ts';
import type { AgentEventRow } from '../../normalize/rows.ts';
import type { DecodeContext, DecodedRecord, RecordReject } from '../types.ts';
import { eventTime, TimeParseError, unixNanoToMillis } from '../../normalize/time.ts';
import { normalizeEmail, text } from '../../normalize/identity.ts';
import { toCount, toNumber } from '../../normalize/numbers.ts';
import { canonicalModel } from '../../normalize/model.ts';
import { fingerprintContent, isContentEntry, isLogged, redactedMarker } from '../../normalize/content.ts';
import { issuesViolation, schemaViolation, timeRejectDetail } from '../reject.ts';
import { safeParseFast } from '../schema-fast-path.ts';
import { NO_TOOL_LABELS, toolLabels } from '../../normalize/tool-labels.ts';

/**
 * Claude Code event (formats.md §8) → agent_events row, shared by the OTLP/JSON and flat decoders
 * once each has turned its wire shape into plain attribute maps.
 */

/** A log record with resource and record attributes as plain maps (OTLP AnyValues unwrapped). */
export interface AgentEventInput {
  format: string;
  timeUnixNano?: string | number | null;
  observedTimeUnixNano?: string | number | null;
  eventName?: string | null;
  body?: unknown;
  resource: Record<string, unknown>;
  attributes: Record<string, unknown>;
  /** The record as stored in `raw` and in rejects, content already redacted. */
  raw: string;
}

/**
 * Attributes that carry what was said or done (prompt text, tool arguments, raw bodies, error
 * text). They are off by default in Claude Code, but one developer setting OTEL_LOG_USER_PROMPTS=1
 * must not turn driftwatch into a prompt archive, so they are kept out of `attributes` and `raw`
 * unless opted in. Recognised by rule (normalize/content.ts isContentEntry), not by name: 2.1.294
 * added `prompt_text` beside `prompt`.
 */
export function isContentAttribute(key: string, value?: unknown): boolean {
  return isContentEntry(key, value);
}

/** The value stored in place of a content attribute; `undefined` when it may be kept as is. */
export function redactedContentValue(key: string, value: unknown, storeText: boolean): string | undefined {
  if (storeText || !isContentAttribute(key, value) || !isLogged(value)) return undefined;
  return redactedMarker(fingerprintContent(value, false));
}

export function redactAttributeMap(attrs: Record<string, unknown>, storeText: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attrs)) out[key] = redactedContentValue(key, value, storeText) ?? value;
  return out;
}

/** Attributes that have their own column; the rest go to the `attributes` map. */
const MAPPED_ATTRIBUTES = new Set([
  'event.name', 'event.timestamp', 'event.sequence', 'session.id', 'prompt.id', 'user.id', 'user.email',
  'user.account_id', 'user.account_uuid', 'organization.id', 'team.id', 'service.name', 'service.version',
  'terminal.type', 'model', 'request_id', 'client_request_id', 'input_tokens', 'output_tokens', 'cache_read_tokens',
  'cache_creation_tokens', 'cost_usd', 'duration_ms', 'tool_name', 'tool_source', 'decision', 'success',
]);

const MCP_TOOL = /^mcp__(.+?)__(.+)$/;
const EVENT_PREFIX = 'claude_code.';

/** Agent rejects spell out this many zod issues and count the rest. */
export const AGENT_LISTED_ISSUES = 3;

/** Attribute value as column text: scalars as written, structures as JSON. */
export function attributeText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function nonZeroNanos(value: string | number | null | undefined): string | number | undefined {
  if (value === null || value === undefined || value === '' || Number(value) === 0) return undefined;
  return value;
}

/** event.timestamp (ms precision, set by Claude Code) first; the OTLP times are the SDK's. */
function resolveTime(input: AgentEventInput, attrs: Record<string, unknown>, max: number): string {
  const iso = text(attrs['event.timestamp']);
  if (iso !== '') return eventTime(iso, max);
  // OTLP: timeUnixNano 0 means "unknown"; observedTimeUnixNano is then the best time there is.
  const nanos = nonZeroNanos(input.timeUnixNano) ?? nonZeroNanos(input.observedTimeUnixNano);
  if (nanos === undefined) throw new TimeParseError(undefined, 'no event.timestamp, timeUnixNano or observedTimeUnixNano');
  return eventTime(unixNanoToMillis(nanos), max);
}

function eventNameOf(input: AgentEventInput, attrs: Record<string, unknown>): string {
  const fromAttr = text(attrs['event.name']) || text(input.eventName);
  const name = fromAttr || text(input.body);
  return name.startsWith(EVENT_PREFIX) ? name.slice(EVENT_PREFIX.length) : name;
}

function mcpServerOf(attrs: Record<string, unknown>, toolName: string): string {
  const explicit = text(attrs['mcp_server.name']) || text(attrs['mcp_server_name']);
  if (explicit !== '') return explicit;
  return MCP_TOOL.exec(toolName)?.[1] ?? '';
}

function costUsd(attrs: Record<string, unknown>): number {
  const usd = attrs['cost_usd'];
  if (usd !== undefined && usd !== null && usd !== '') return toNumber(usd);
  return toNumber(attrs['cost_usd_micros']) / 1e6;
}

function remainingAttributes(attrs: Record<string, unknown>, storeText: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (MAPPED_ATTRIBUTES.has(key)) continue;
    if (!storeText && isContentAttribute(key, value)) continue;
    out[key] = attributeText(value);
  }
  return out;
}

/**
 * Maps one event. Custom resource attributes (OTEL_RESOURCE_ATTRIBUTES) never override Claude
 * Code's own, so record attributes win over resource attributes on a clash.
 */
export function toAgentRecord(input: AgentEventInput, ctx: DecodeContext): DecodedRecord | RecordReject {
  const attrs: Record<string, unknown> = { ...input.resource, ...input.attributes };
  const parsed = safeParseFast(claudeCodeAttributesSchema, attrs);
  if (!parsed.success) return issuesViolation(input.format, parsed.error, input.raw, { at: 'attributes', max: AGENT_LISTED_ISSUES });

  const eventName = eventNameOf(input, attrs);
  if (eventName === '') return schemaViolation(input.format, 'attributes.event.name: no event.name attribute and no body', input.raw);

  let time: string;
  try {
    time = resolveTime(input, attrs, ctx.maxEventTime);
  } catch (err) {
    return schemaViolation(input.format, timeRejectDetail('event time', err), input.raw);
  }

  const toolName = text(attrs['tool_name']);
  const mcpServer = mcpServerOf(attrs, toolName);
  // Classified here, in memory, because the parameters themselves are redacted before storage.
  const labels = toolName === '' ? NO_TOOL_LABELS : toolLabels(toolName, mcpServer, [attrs['tool_parameters'], attrs['tool_input']]);
  const prompt = eventName === 'user_prompt' ? fingerprintContent(attrs['prompt'], ctx.storePromptText) : undefined;
  const promptLength = attrs['prompt_length'];
  const row: AgentEventRow = {
    event_time: time,
    format: input.format,
    event_name: eventName,
    session_id: text(attrs['session.id']),
    prompt_id: text(attrs['prompt.id']),
    event_sequence: toCount(attrs['event.sequence']),
    user_id: text(attrs['user.id']),
    user_email: normalizeEmail(attrs['user.email']) || normalizeEmail(attrs['enduser.id']),
    account_id: text(attrs['user.account_id']),
    account_uuid: text(attrs['user.account_uuid']),
    organization_id: text(attrs['organization.id']),
    team_id: text(attrs['team.id']),
    service_name: text(input.resource['service.name']) || text(attrs['service.name']),
    service_version: text(input.resource['service.version']) || text(attrs['service.version']),
    terminal_type: text(attrs['terminal.type']),
    model: canonicalModel(attrs['model']),
    request_id: text(attrs['request_id']),
    client_request_id: text(attrs['client_request_id']),
    // N1: Claude Code's input_tokens already excludes cache reads and writes.
    uncached_input_tokens: toCount(attrs['input_tokens']),
    cache_read_tokens: toCount(attrs['cache_read_tokens']),
    cache_write_tokens: toCount(attrs['cache_creation_tokens']),
    output_tokens: toCount(attrs['output_tokens']),
    cost_usd: costUsd(attrs),
    duration_ms: toCount(attrs['duration_ms']),
    tool_name: toolName,
    mcp_server: mcpServer,
    tool_source: text(attrs['tool_source']),
    decision: text(attrs['decision']) || text(attrs['decision_type']),
    success: text(attrs['success']).toLowerCase(),
    secret_labels: labels.secretLabels,
    repositories: labels.repositories,
    hosts: labels.hosts,
    mcp_tool: labels.mcpTool,
    decision_source: eventName === 'tool_decision' ? text(attrs['source']) || text(attrs['decision_source']) : text(attrs['decision_source']),
    permission_mode: eventName === 'permission_mode_changed' ? text(attrs['to_mode']) : '',
    prompt_logged: prompt?.logged ? 1 : 0,
    // prompt_length is reported even when the text is redacted, so size survives redaction.
    prompt_bytes: prompt === undefined ? 0 : promptLength != null && promptLength !== '' ? toCount(promptLength) : prompt.bytes,
    prompt_sha256: prompt?.sha256 ?? '',
    prompt_text: prompt?.text ?? '',
    attributes: remainingAttributes(attrs, ctx.storePromptText),
    raw: input.raw,
  };
  return { table: 'agent_events', format: input.format, row };
}

export function isRecordReject(value: DecodedRecord | RecordReject): value is RecordReject {
  return 'reason' in value;
}
