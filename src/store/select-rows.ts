import type { Store } from './store.ts';

/**
 * One SELECT's result rows as plain objects. 64-bit integers come back as JSON numbers (counts and
 * sums here stay far below 2^53), so callers get numbers, not strings.
 */
export async function selectRows<T>(store: Store, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const res = await store.client.query({
    query, query_params: params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  return res.json<T>();
}
