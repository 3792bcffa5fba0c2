import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { Store } from '../../store/store.ts';
import { policyAt, policyLookups } from '../../views/policy-lookups.ts';
import { TEAM_LOOKUPS } from '../../views/team-sql.ts';
import type { ApiEnv } from '../env.ts';
import { problemResponses } from '../problem.ts';

/**
 * /api/spend: per team, model or day over whole UTC days [from, to): what the gateways logged,
 * what the providers billed, what the policy approves, and the unexplained part (billed − logged,
 * floored at 0: billed cost the gateways never saw, i.e. traffic that went around them).
 *
 * Aggregated in ClickHouse from the roll-ups, never from raw rows: gateway_daily (0010_rollups.sql;
 * gateway_console_daily, 0025, when grouping by model: gateway_daily has none) and provider_hourly.
 * The policy is read at one version, its key and alias teams as map parameters (views/policy-lookups.ts).
 * Teams: a logged team spelling is mapped to its canonical id through policy_team_aliases, and a
 * gateway key's policy team wins (as billing.spend-above-approved attributes it); billed rows take
 * their own team, else the team of the policy credential they were billed on (matched on every field
 * the credential sets, as billing.unmanaged-key-usage matches), else '(unattributed)'.
 * Approved: per team and day, the daily budget in force that day, else the monthly budget spread
 * over the month's days; summed over the days of a group. Budgets are per team, so grouping by
 * model reports none.
 */

const day = z.iso.date();
export const SpendQuery = z.object({
  from: day.openapi({ description: 'first UTC day, inclusive (YYYY-MM-DD)' }),
  to: day.openapi({ description: 'last UTC day, exclusive' }),
  team: z.string().optional().transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [])),
  groupBy: z.enum(['team', 'model', 'day']).default('team'),
}).refine((q) => q.from < q.to, { message: 'from must be before to', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= 400 * 86_400_000, { message: 'at most 400 days', path: ['to'] });

const SpendRow = z.object({
  key: z.string(), loggedUsd: z.number(), billedUsd: z.number(), approvedUsd: z.number().nullable(), unexplainedUsd: z.number(),
}).openapi('SpendRow');
const SpendResponse = z.object({
  from: z.string(), to: z.string(), groupBy: z.enum(['team', 'model', 'day']), rows: z.array(SpendRow),
  totals: z.object({ loggedUsd: z.number(), billedUsd: z.number(), approvedUsd: z.number().nullable(), unexplainedUsd: z.number() }),
}).openapi('Spend');

// Policy credentials with a team, matched as billing.unmanaged-key-usage matches them: same provider, and every
// field the credential sets (a project-only credential covers every key of the project).
const CREDENTIAL_TEAMS = `(SELECT groupArray((provider, api_key_id, workspace_id, team_id)) FROM ${policyAt('policy_credentials')} WHERE team_id != '') AS credential_teams`;
const teamOfCredential = (p: string) =>
  `arrayFirst(c -> c.1 = ${p}.provider AND (c.2 = '' OR c.2 = ${p}.api_key_id) AND (c.3 = '' OR c.3 = ${p}.workspace_id), credential_teams).4`;

/**
 * Groupings: the API's three, and the console's compound ones (src/views/spend-series.ts), whose
 * key is the parts joined by a tab. Budgets are per team and day, so only groupings by team
 * and/or day report an approved amount.
 */
export type SpendGrouping = 'team' | 'model' | 'day' | 'team_day' | 'team_model' | 'team_credential';
const KEY_OF: Record<SpendGrouping, string> = {
  team: 'team', model: 'model', day: 'toString(day)', team_day: "concat(team, '\\t', toString(day))",
  team_model: "concat(team, '\\t', model)", team_credential: "concat(team, '\\t', source, '\\t', credential)",
};
const BUDGET_KEY_OF: Partial<Record<SpendGrouping, string>> = { team: 'team', day: 'toString(day)', team_day: "concat(team, '\\t', toString(day))" };

/** The SQL for a grouping; exported so a unit test can read it. */
export function spendSql(groupBy: SpendGrouping): string {
  const byModel = groupBy === 'model' || groupBy === 'team_model';
  const gatewaySource = byModel
    ? `SELECT day, team_id, api_key_id, toString(model_served) AS model, sum(cost_usd) AS cost FROM gateway_console_daily
       WHERE day >= {from:Date} AND day < {to:Date} GROUP BY day, team_id, api_key_id, model`
    : `SELECT day, team_id, api_key_id, '' AS model, sum(cost_usd) AS cost FROM gateway_daily
       WHERE day >= {from:Date} AND day < {to:Date} GROUP BY day, team_id, api_key_id`;
  const key = KEY_OF[groupBy];
  const budgetKey = BUDGET_KEY_OF[groupBy];
  return `
WITH ${CREDENTIAL_TEAMS}, ${TEAM_LOOKUPS},
facts AS (
  SELECT g.day AS day, if(key_team[g.api_key_id] != '', key_team[g.api_key_id],
                          if(alias_team[lower(toString(g.team_id))] != '', alias_team[lower(toString(g.team_id))],
                             if(g.team_id != '', toString(g.team_id), '(unattributed)'))) AS team,
         g.model AS model, 'gateway' AS source, g.api_key_id AS credential, g.cost AS logged, 0 AS billed
  FROM (${gatewaySource}) AS g
  UNION ALL
  SELECT p.day, if(alias_team[lower(toString(p.team_id))] != '', alias_team[lower(toString(p.team_id))],
                   if(p.team_id != '', toString(p.team_id), if(${teamOfCredential('p')} AS c_team != '', c_team, '(unattributed)'))), p.model,
         toString(p.provider),
         multiIf(p.api_key_id != '', p.api_key_id, p.principal != '', p.principal, p.account_id != '', concat('account:', p.account_id),
                 p.workspace_id != '', concat('workspace:', p.workspace_id), ''),
         0, p.cost
  FROM (SELECT toDate(hour) AS day, provider, team_id, api_key_id, workspace_id, account_id, principal, toString(model) AS model, sum(cost_usd) AS cost
        FROM provider_hourly
        WHERE hour >= toDateTime({from:Date}) AND hour < toDateTime({to:Date}) AND cost_usd != 0
        GROUP BY day, provider, team_id, api_key_id, workspace_id, account_id, principal, model) AS p
),
days AS (SELECT arrayJoin(arrayMap(i -> {from:Date} + i, range(toUInt32(dateDiff('day', {from:Date}, {to:Date}))))) AS day),
budgets AS (
  SELECT d.day AS day, b.team_id AS team,
         argMax(coalesce(b.daily_usd, b.monthly_usd / toDayOfMonth(toLastDayOfMonth(d.day))), b.effective_from) AS approved
  FROM days AS d CROSS JOIN ${policyAt('policy_budgets')} AS b
  WHERE toDateTime64(d.day, 3) >= b.effective_from AND toDateTime64(d.day, 3) < b.effective_to
    AND (b.daily_usd IS NOT NULL OR b.monthly_usd IS NOT NULL)
  GROUP BY day, team
),
spent AS (
  SELECT ${key} AS key, sum(logged) AS logged, sum(billed) AS billed FROM facts
  WHERE empty({teams:Array(String)}) OR has({teams:Array(String)}, team) GROUP BY key
),
approved AS (
  SELECT ${budgetKey ?? "''"} AS key, sum(approved) AS approved FROM budgets
  WHERE empty({teams:Array(String)}) OR has({teams:Array(String)}, team) GROUP BY key
)
SELECT if(s.key != '', s.key, a.key) AS key, s.logged AS logged, s.billed AS billed,
       ${budgetKey === undefined ? 'NULL' : 'if(a.key = \'\', NULL, a.approved)'} AS approved
FROM spent AS s FULL OUTER JOIN ${budgetKey === undefined ? '(SELECT \'\' AS key, 0 AS approved WHERE 0)' : 'approved'} AS a ON s.key = a.key
ORDER BY key
SETTINGS join_use_nulls = 0`;
}

const round = (n: number) => Math.round(n * 1e6) / 1e6;

export async function spendReport<G extends SpendGrouping>(store: Store, q: { from: string; to: string; team: string[]; groupBy: G }) {
  const res = await store.client.query({
    query: spendSql(q.groupBy), query_params: { from: q.from, to: q.to, teams: q.team, ...(await policyLookups(store, q.from, q.to)) }, format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
  });
  const raw = await res.json<{ key: string; logged: number; billed: number; approved: number | null }>();
  const rows = raw.map((r) => ({
    key: r.key, loggedUsd: round(r.logged), billedUsd: round(r.billed), approvedUsd: r.approved === null ? null : round(r.approved),
    unexplainedUsd: round(Math.max(0, r.billed - r.logged)),
  }));
  const sum = (f: (r: (typeof rows)[number]) => number) => round(rows.reduce((n, r) => n + f(r), 0));
  const anyApproved = rows.some((r) => r.approvedUsd !== null);
  return {
    from: q.from, to: q.to, groupBy: q.groupBy, rows,
    totals: { loggedUsd: sum((r) => r.loggedUsd), billedUsd: sum((r) => r.billedUsd), approvedUsd: anyApproved ? sum((r) => r.approvedUsd ?? 0) : null, unexplainedUsd: sum((r) => r.unexplainedUsd) },
  };
}

export function spendRoutes(store: Store) {
  const app = new OpenAPIHono<ApiEnv>();
  app.openapi(createRoute({
    method: 'get', path: '/api/spend', tags: ['finops'], summary: 'Gateway-logged vs provider-billed vs approved, and the unexplained part',
    security: [{ bearer: [] }], request: { query: SpendQuery },
    responses: { 200: { description: 'Spend per group', content: { 'application/json': { schema: SpendResponse } } }, ...problemResponses },
  }), async (c) => c.json(await spendReport(store, c.req.valid('query')), 200));
  return app;
}
