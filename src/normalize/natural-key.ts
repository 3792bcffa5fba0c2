import { createHash } from 'node:crypto';
import type { AgentEventRow, DataTable, GatewayRequestRow, IdpEventRow, ProviderUsageRow, TableRows } from './rows.ts';

/**
 * The natural key of a record: what makes two Kafka messages the same record, whatever offset or
 * partition they arrived at (a producer's retry, a collector re-sending a page). Stored in each
 * source table's `natural_key` column (0024_natural_keys.sql); the sink drops a row whose key is
 * already stored (src/ingest/natural-key-filter.ts). '' = the record carries no such key: it is
 * stored, never deduplicated, and counted (driftwatch_ingest_rows_without_natural_key_total).
 *
 * Per source (formats.md):
 * - gateway: (gateway, request id) — LiteLLM's `request_id` / payload `id`, Kong's request id.
 * - agent: (session id, event.sequence, event name) — Claude Code numbers the events of a session
 *   (`event.sequence`, monotonic); an OTLP log record has no id of its own. Without a session or a
 *   sequence (0: absent) there is no key: two events of one name in the same millisecond are
 *   legitimately different, so time is not a key.
 * - idp: (idp, event id) — Okta `uuid`, Entra `id`.
 * - billing invocations (Bedrock): (provider, request id).
 * - billing buckets (usage, cost, Claude Code analytics, other families): the bucket (its
 *   bucket_key, src/normalize/bucket-key.ts: every group-by dimension) AND its figures. An
 *   identical re-sent bucket is a duplicate; a re-export of the bucket with other figures is an
 *   update: it replaces the earlier export (src/ingest/restatements.ts).
 * - provider_keys: none, by design: each inventory pull restates every key, readers take the
 *   newest row per key (0019), so a repeated pull changes no answer. The table has no key column.
 */
export const NATURAL_KEY_TABLES = ['gateway_requests', 'provider_usage', 'idp_events', 'agent_events'] as const;
export type KeyedTable = (typeof NATURAL_KEY_TABLES)[number];

export function hasNaturalKey(table: DataTable): table is KeyedTable {
  return (NATURAL_KEY_TABLES as readonly string[]).includes(table);
}

/**
 * The columns that lead each keyed table's ORDER BY, ending with event_time. A re-sent record
 * normalises to the same values, so the look-up of a batch's keys reads only the granules those
 * (prefix, time) pairs point at, however large or old the table (primary-key look-up).
 */
export const LOOKUP_COLUMNS: Readonly<Record<KeyedTable, readonly string[]>> = {
  gateway_requests: ['team_id', 'event_time'],
  provider_usage: ['provider', 'api_key_id', 'event_time'],
  idp_events: ['actor_email', 'event_time'],
  agent_events: ['session_id', 'event_time'],
};

function gatewayKey(r: GatewayRequestRow): string {
  return r.request_id === '' ? '' : `${r.gateway}/${r.request_id}`;
}

function agentKey(r: AgentEventRow): string {
  return r.session_id === '' || r.event_sequence <= 0 ? '' : `${r.session_id}/${r.event_sequence}/${r.event_name}`;
}

function idpKey(r: IdpEventRow): string {
  return r.event_id === '' ? '' : `${r.idp}/${r.event_id}`;
}

function usageKey(r: ProviderUsageRow): string {
  if (r.kind === 'invocation') return r.request_id === '' ? '' : `${r.provider}/invocation/${r.request_id}`;
  const content = JSON.stringify([
    r.format, r.bucket_key, r.event_time, r.bucket_end, r.api_key_id, r.workspace_id, r.account_id, r.user_email, r.principal, r.team_id,
    r.session_id, r.request_id, r.model, r.service_tier, r.line_item,
    r.uncached_input_tokens, r.cache_read_tokens, r.cache_write_tokens, r.output_tokens, r.request_count, r.cost_usd,
    Object.entries(r.metrics).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  ]);
  return `${r.provider}/${r.kind}/${createHash('sha256').update(content).digest('hex').slice(0, 32)}`;
}

/** The record's natural key in `table`, '' when it has none. */
export function naturalKey<T extends KeyedTable>(table: T, row: TableRows[T]): string {
  switch (table) {
    case 'gateway_requests': return gatewayKey(row as GatewayRequestRow);
    case 'agent_events': return agentKey(row as AgentEventRow);
    case 'idp_events': return idpKey(row as IdpEventRow);
    case 'provider_usage': return usageKey(row as ProviderUsageRow);
    default: return '';
  }
}
