import { createHash } from 'node:crypto';
import type { ProviderUsageRow } from './rows.ts';

/**
 * The key of a usage or cost bucket without its figures (0029_billing_restatements.sql): two
 * exports of one bucket share it, whatever their figures, so the newer replaces the older.
 *
 * It must never join two different groups of one bucket, or one would cancel the other. So it
 * takes every field that could tell groups apart rather than a list of the dimensions known today:
 * the row's identity columns, plus every scalar field of the source result (strings, booleans,
 * nulls: the group-by dimensions, e.g. OpenAI's `batch`, Anthropic's `context_window`, and any a
 * provider adds later) except the result's figures, which are numbers or objects — or strings named
 * in `figures`, such as Anthropic's decimal `amount`. A dimension added later makes the key change,
 * so an export from before it is not superseded by one after it: summed, as before, never lost.
 */
export function bucketKey(row: ProviderUsageRow, result: Readonly<Record<string, unknown>>, figures: readonly string[] = []): string {
  const dimensions = Object.entries(result)
    .filter(([name, value]) => !figures.includes(name) && (value === null || typeof value === 'string' || typeof value === 'boolean'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const identity = JSON.stringify([
    row.format, row.event_time, row.bucket_end, row.api_key_id, row.workspace_id, row.account_id, row.user_email,
    row.principal, row.team_id, row.model, row.service_tier, row.line_item, dimensions,
  ]);
  return `${row.provider}/${row.kind}/${createHash('sha256').update(identity).digest('hex').slice(0, 32)}`;
}
