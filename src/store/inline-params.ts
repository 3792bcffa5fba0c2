import { TupleParam } from '@clickhouse/client';
import { AppError } from '../errors.ts';

/**
 * Typed query parameters written into the SQL text, for the embedded engine only.
 *
 * chdb binds `{name:Type}` parameters through one process-wide queue (`globalParamChain` in
 * chdb's index.js): its engine keeps the substitutions of a query per process, not per session,
 * so two parameterized statements at once would read each other's values. Every parameterized
 * statement of the process therefore waited for the one before, on any session. Detectors in lanes
 * ran one after another, and an ingest look-up waited for a detector's query (bench:detect: two
 * queries of 2.0 s and 0.9 s on two sessions took 2.9 s together).
 *
 * A server binds a parameter by replacing it with `_CAST(literal, 'Type')` (its
 * ReplaceQueryParameterVisitor). The same text, built here, needs no binding, so statements run
 * side by side. Values enter the SQL only as escaped literals: a string cannot end its quotes or
 * start a line (a `--` comment holding a placeholder stays one comment).
 */

export const PLACEHOLDER = /\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([^{}]+?)\s*\}/g;

const ESCAPES: Record<string, string> = { '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' };

function quoted(text: string): string {
  return `'${text.replace(/[\\'\n\r\t\0]/g, (c) => ESCAPES[c] as string)}'`;
}

function literal(value: unknown, name: string): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return `fromUnixTimestamp64Milli(${value.getTime()}, 'UTC')`;
  if (Array.isArray(value)) return `[${value.map((v) => literal(v, name)).join(', ')}]`;
  if (value instanceof TupleParam) return `tuple(${value.values.map((v) => literal(v, name)).join(', ')})`;
  const entries = value instanceof Map ? [...value.entries()] : typeof value === 'object' ? Object.entries(value) : undefined;
  if (entries) return `map(${entries.flatMap(([k, v]) => [literal(k, name), literal(v, name)]).join(', ')})`;
  throw new AppError('CH_PARAM_INVALID', `query parameter ${name}: a ${typeof value} cannot be a ClickHouse value`, { parameter: name });
}

/**
 * The query with each `{name:Type}` that `params` names replaced by its typed literal. A
 * placeholder without a value is left for the engine to refuse ("substitution not set").
 */
export function inlineParams(query: string, params: Record<string, unknown>): string {
  return query.replace(PLACEHOLDER, (whole, name: string, type: string) =>
    Object.hasOwn(params, name) ? `_CAST(${literal(params[name], name)}, ${quoted(type)})` : whole);
}
