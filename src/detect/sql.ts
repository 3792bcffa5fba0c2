import { AppError } from '../errors.ts';
import { SOURCE_KINDS, type SourceKind } from '../decode/types.ts';
import type { DataTable } from '../normalize/rows.ts';
import { PLACEHOLDER } from '../store/inline-params.ts';
import { ROLLUPS } from '../store/rollups.ts';

/**
 * Detector SQL. `sql` is a template tag that refuses interpolation twice over: its values are typed
 * `never` (tsc rejects `${x}`), and it throws at load if one slips through (e.g. from JS). Values
 * reach ClickHouse only as typed parameters `{name:Type}`, which the server binds, never splices.
 */
declare const SQL_BRAND: unique symbol;
export type SqlText = string & { readonly [SQL_BRAND]: true };

export function sql(strings: TemplateStringsArray, ...values: never[]): SqlText {
  if (values.length > 0) {
    throw new AppError('DETECTOR_INVALID', 'detector SQL must not interpolate values with ${…}; use typed parameters {name:Type}');
  }
  // raw: the text ClickHouse receives is exactly the text in the detector file (regex backslashes included).
  return strings.raw.join('') as SqlText;
}

export interface Placeholder {
  name: string;
  type: string;
}

/** Every `{name:Type}` in the query, in order of appearance. */
export function placeholders(query: string): Placeholder[] {
  return [...query.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1] as string, type: (m[2] as string).replace(/\s+/g, '') }));
}

/**
 * Source → its table, the expression saying how far a row shows the source has reported, and which
 * rows come from periodic exports. Periodic feeds (the hourly usage reports) are polled: billing is
 * only as complete as the slowest of them. Everything else is a stream (gateway, IdP and agent
 * logs, Bedrock invocation logs): a quiet stream is not behind — no Bedrock calls is the good case —
 * so the furthest any stream has reported shows the pipeline has delivered up to there. Daily cost
 * reports are left out: a one-day bucket says little about the last hour.
 */
export const SOURCE_TABLES: Record<SourceKind, { table: string; reportedUntil: string; periodic: string }> = {
  gateway: { table: 'gateway_requests', reportedUntil: 'event_time', periodic: '0' },
  // A bucket has reported until its end, but never past the moment it was ingested (the current
  // bucket of a report ends in the future while it is still filling).
  billing: { table: 'provider_usage', reportedUntil: 'least(bucket_end, ingested_at)', periodic: "kind = 'usage'" },
  idp: { table: 'idp_events', reportedUntil: 'event_time', periodic: '0' },
  agent: { table: 'agent_events', reportedUntil: 'event_time', periodic: '0' },
};

/**
 * Tables a source fills beside its main one. They say nothing about how far the source has
 * reported (an inventory pull describes keys, not a period), but a query reading them reads the source.
 */
const SOURCE_SIDE_TABLES: Partial<Record<SourceKind, readonly string[]>> = { billing: ['provider_keys'] };

/** Sources whose tables (or their roll-ups, store/rollups.ts) the query reads; drives late-data re-evaluation. */
export function sourcesOf(query: string): SourceKind[] {
  return SOURCE_KINDS.filter((s) => {
    const { table } = SOURCE_TABLES[s];
    return [table, ...ROLLUPS[table as DataTable], ...(SOURCE_SIDE_TABLES[s] ?? [])].some((t) => new RegExp(`\\b${t}\\b`).test(query));
  });
}
