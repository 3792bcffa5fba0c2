import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { shapeOnlyPrefix } from '../../decode/reject-evidence.ts';
import { maskSecrets } from '../../normalize/secrets.ts';
import type { Store } from '../../store/store.ts';
import type { ApiEnv } from '../env.ts';
import { problemResponses } from '../problem.ts';

/**
 * /api/sources: is every source arriving, per source and team? Over [from, to) (default the last
 * 24 hours before now): the last event, ingest lag (now − last ingest; and the worst delay
 * between an event and its ingest), and completeness = the share of the window's hours with at
 * least one event (a team whose gateway went quiet for three hours of a day shows 21/24).
 * Plus rejects by source and reason: the count, a few samples of the reject detail (the decoder's
 * message, secrets masked), and the latest three rejects' records as redacted prefixes — the shape
 * of the stored record (keys and figures, every string value replaced by its length, secrets in
 * keys masked; decode/reject-evidence.ts) cut to SAMPLE_PREFIX_CHARS, never the record itself,
 * which may hold prompts or secrets (ingest.keepWholeRejects keeps it whole in the table).
 */

const SAMPLE_PREFIX_CHARS = 400;
const DETAIL_CHARS = 300;

export const SourcesQuery = z.object({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

const SourceTeam = z.object({
  source: z.enum(['gateway', 'billing', 'idp', 'agent']), team: z.string(), events: z.number(),
  lastEventAt: z.string().nullable(), lastIngestedAt: z.string().nullable(),
  ingestLagSeconds: z.number().nullable(), maxIngestDelaySeconds: z.number().nullable(),
  hoursWithEvents: z.number(), hoursInWindow: z.number(), completeness: z.number(),
}).openapi('SourceTeam');
const RejectSample = z.object({
  at: z.string(), format: z.string(), detail: z.string(), rawBytes: z.number(),
  rawPrefix: z.string().openapi({ description: 'the record\'s shape: string values as their lengths, bounded; base64 payloads as their size only' }),
});
const RejectGroup = z.object({
  source: z.string(), reason: z.string(), count: z.number(), lastAt: z.string(), samples: z.array(z.string()).openapi({ description: 'reject details, secrets masked' }),
  records: z.array(RejectSample),
}).openapi('RejectGroup');
const SourcesResponse = z.object({ from: z.string(), to: z.string(), now: z.string(), sources: z.array(SourceTeam), rejects: z.array(RejectGroup) }).openapi('Sources');

/** Each source's table and what stands for its team (IdP events carry no team: the IdP itself). */
const TABLES = [
  { source: 'gateway', table: 'gateway_requests', team: 'toString(team_id)' },
  { source: 'billing', table: 'provider_usage', team: 'toString(team_id)' },
  { source: 'idp', table: 'idp_events', team: 'toString(idp)' },
  { source: 'agent', table: 'agent_events', team: 'toString(team_id)' },
] as const;

const chTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');
const iso = (t: string | null) => (t === null ? null : `${t.replace(' ', 'T')}Z`);

const HOUR_MS = 3_600_000;

/**
 * The per-team figures of [from, to): its whole hours from the hourly roll-up (0025_console_rollups.sql),
 * the parts of an hour at either end from the raw tables, so any window is exact and an hour-aligned
 * one reads no raw row.
 */
function sourceTeamsSql(window: { from: Date; to: Date }): { query: string; params: Record<string, string> } {
  const fromMs = window.from.getTime();
  const toMs = window.to.getTime();
  const firstHour = Math.ceil(fromMs / HOUR_MS) * HOUR_MS;
  const endHour = Math.floor(toMs / HOUR_MS) * HOUR_MS;
  const params: Record<string, string> = {};
  const arms: string[] = [];
  const raw = (lo: number, hi: number) => {
    if (hi <= lo) return;
    const i = arms.length;
    params[`lo${i}`] = chTime(new Date(lo));
    params[`hi${i}`] = chTime(new Date(hi));
    arms.push(...TABLES.map((t) => `
      SELECT '${t.source}' AS source, ${t.team} AS team, toStartOfHour(event_time) AS hour, count() AS n, max(event_time) AS event_at,
             max(ingested_at) AS ingest_at, max(toUnixTimestamp64Milli(ingested_at) - toUnixTimestamp64Milli(event_time)) AS delay_ms
      FROM ${t.table} WHERE event_time >= {lo${i}:DateTime64(3)} AND event_time < {hi${i}:DateTime64(3)} GROUP BY team, hour`));
  };
  if (firstHour < endHour) {
    params['h0'] = chTime(new Date(firstHour)).slice(0, 19);
    params['h1'] = chTime(new Date(endHour)).slice(0, 19);
    arms.push(`
      SELECT toString(source) AS source, toString(team) AS team, hour, sum(events) AS n, max(last_event) AS event_at,
             max(last_ingest) AS ingest_at, max(max_delay_ms) AS delay_ms
      FROM source_hourly WHERE hour >= {h0:DateTime} AND hour < {h1:DateTime} GROUP BY source, team, hour`);
    raw(fromMs, firstHour);
    raw(endHour, toMs);
  } else raw(fromMs, toMs);
  const query = `
    SELECT source, team, sum(n) AS events, toString(max(event_at)) AS last_event, toString(max(ingest_at)) AS last_ingest,
           dateDiff('millisecond', max(ingest_at), {now:DateTime64(3)}) / 1000 AS lag, max(delay_ms) / 1000 AS delay, uniqExact(hour) AS hours
    FROM (${arms.join('\n      UNION ALL')})
    GROUP BY source, team ORDER BY source, team`;
  return { query, params };
}

export async function sourcesReport(store: Store, window: { from: Date; to: Date }, now: Date) {
  const params = { from: chTime(window.from), to: chTime(window.to), now: chTime(now) };
  const hoursInWindow = Math.max(1, Math.ceil((window.to.getTime() - window.from.getTime()) / 3_600_000));
  const teams = sourceTeamsSql(window);
  const res = await store.client.query({ query: teams.query, query_params: { ...teams.params, now: params.now }, format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
  const rows = await res.json<{ source: (typeof TABLES)[number]['source']; team: string; events: number; last_event: string; last_ingest: string; lag: number; delay: number; hours: number }>();
  const rej = await store.client.query({
    query: `SELECT toString(source) AS source, toString(reason) AS reason, count() AS count, toString(max(rejected_at)) AS last_at,
                   groupUniqArray(3)(substring(detail, 1, ${DETAIL_CHARS})) AS samples,
                   -- the three latest, their stored record cut before it leaves ClickHouse (redacted below)
                   arrayMap(x -> (toString(x.2), x.3, x.4, x.5, x.6, x.7),
                            groupArraySorted(3)((-toUnixTimestamp64Milli(rejected_at), rejected_at, toString(format), substring(detail, 1, ${DETAIL_CHARS}),
                                                 toString(raw_encoding), raw_bytes, substring(raw, 1, ${SAMPLE_PREFIX_CHARS * 4})))) AS records
            FROM ingest_rejects WHERE rejected_at >= {from:DateTime64(3)} AND rejected_at < {to:DateTime64(3)}
            GROUP BY source, reason ORDER BY count DESC, source, reason LIMIT 200`,
    query_params: params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const rejects = await rej.json<{ source: string; reason: string; count: number; last_at: string; samples: string[];
    records: [string, string, string, string, number, string][] }>();
  return {
    from: window.from.toISOString(), to: window.to.toISOString(), now: now.toISOString(),
    sources: rows.map((r) => ({
      source: r.source, team: r.team, events: r.events, lastEventAt: iso(r.last_event), lastIngestedAt: iso(r.last_ingest),
      ingestLagSeconds: r.lag, maxIngestDelaySeconds: r.delay, hoursWithEvents: r.hours, hoursInWindow,
      completeness: Math.min(1, r.hours / hoursInWindow),
    })),
    rejects: rejects.map((r) => ({
      source: r.source, reason: r.reason, count: r.count, lastAt: iso(r.last_at) as string, samples: r.samples.map(maskSecrets),
      records: r.records.map(([at, format, detail, encoding, bytes, raw]) => ({
        at: iso(at) as string, format, detail: maskSecrets(detail), rawBytes: bytes,
        rawPrefix: encoding === 'base64' ? `[${bytes} bytes, not UTF-8]` : shapeOnlyPrefix(raw, SAMPLE_PREFIX_CHARS),
      })),
    })),
  };
}

export function sourceRoutes(store: Store, now: () => Date) {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(createRoute({
    method: 'get', path: '/api/sources', tags: ['operations'], summary: 'Last event, ingest lag and completeness per source and team; rejects by reason',
    security: [{ bearer: [] }], request: { query: SourcesQuery },
    responses: { 200: { description: 'Source health', content: { 'application/json': { schema: SourcesResponse } } }, ...problemResponses },
  }), async (c) => {
    const q = c.req.valid('query');
    const at = now();
    const to = q.to ? new Date(q.to) : at;
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 86_400_000);
    return c.json(await sourcesReport(store, { from, to }, at), 200);
  });
  return app;
}
