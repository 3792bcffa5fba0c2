import { spendSql, type SpendGrouping } from '../api/routes/spend.ts';
import { selectRows } from '../store/select-rows.ts';
import type { Store } from '../store/store.ts';
import { policyAt, policyLookups, type PolicyLookups } from './policy-lookups.ts';
import { daysOf } from './posture.ts';

/**
 * The FinOps page's charts over whole UTC days [from, to), from the same SQL as /api/spend
 * (spendSql: gateway_daily / gateway_console_daily and provider_hourly, teams attributed as
 * billing.spend-above-approved does): per team and day logged vs billed vs approved and the
 * unexplained part (billed − logged, floored at 0), the approved budget changes in force during
 * the period (policy_budgets), spend by team and model and by team and credential (each team's largest
 * credentials, the rest summed per team), and the top
 * movers: the 7 days before `to` against the 7 days before those.
 *
 * A team-day's spend for the movers is max(logged, billed): billing reports hours to a day late,
 * so the gateway's figure stands in until the bill arrives, and billed spend the gateway never saw
 * (traffic around it) still counts. By model likewise; by credential, a gateway key's logged spend and
 * a provider credential's billed spend.
 */

export interface SpendSeriesQuery {
  from: string;
  to: string;
  team: string[];
}

interface KeyRow { key: string; logged: number; billed: number; approved: number | null }
interface ChangeRow { team: string; since: string; daily_usd: number | null; monthly_usd: number | null; note: string }

const WEEK_MS = 7 * 86_400_000;
const round = (n: number) => Math.round(n * 1e6) / 1e6;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const CHANGES_SQL = `
SELECT team_id AS team, toString(effective_from) AS since, daily_usd, monthly_usd, note FROM ${policyAt('policy_budgets')}
WHERE effective_from < toDateTime64({to:Date}, 3) AND effective_to > toDateTime64({from:Date}, 3)
  AND (empty({teams:Array(String)}) OR has({teams:Array(String)}, team_id))
ORDER BY team, since`;

/**
 * By credential, each team's {per_team} largest credentials, and on each of those rows how many more the team has
 * and what they spent: a 10 M-request day has ten thousand gateway keys, and shipping (1.3 MB) and drawing them all made the
 * FinOps page take seconds in the browser for a table nobody reads past its top rows.
 */
const TOP_CREDENTIALS_SQL = `
SELECT key, logged, billed, approved, toUInt32(greatest(n, {per_team:UInt32}) - {per_team:UInt32}) AS rest_count, total - shown AS rest_usd FROM (
  SELECT key, logged, billed, approved, place, count() OVER (PARTITION BY team) AS n, sum(usd) OVER (PARTITION BY team) AS total,
         sumIf(usd, place <= {per_team:UInt32}) OVER (PARTITION BY team) AS shown
  FROM (
    SELECT key, logged, billed, approved, team, usd, row_number() OVER (PARTITION BY team ORDER BY usd DESC, key) AS place
    FROM (SELECT key, logged, billed, approved, splitByChar('\t', key)[1] AS team, if(splitByChar('\t', key)[2] = 'gateway', logged, billed) AS usd
          FROM (${spendSql('team_credential')}))
    WHERE round(usd, 6) != 0))
WHERE place <= {per_team:UInt32}`;

async function grouped(store: Store, groupBy: SpendGrouping, from: string, to: string, teams: string[], policy: PolicyLookups) {
  const rows = await selectRows<KeyRow>(store, spendSql(groupBy), { from, to, teams, ...policy });
  return rows.map((r) => ({ parts: r.key.split('\t'), logged: r.logged, billed: r.billed, approved: r.approved }));
}

/** Credentials listed per team (the largest by spend); the rest are summed per team. */
export const CREDENTIALS_PER_TEAM = 10;

export async function spendSeriesReport(store: Store, q: SpendSeriesQuery, options: { credentialsPerTeam?: number } = {}) {
  const toMs = Date.parse(q.to);
  // One team-day query covers the period and the two weeks the movers compare.
  const seriesFrom = dayOf(Math.min(Date.parse(q.from), toMs - 2 * WEEK_MS));
  // Team lookups hold no membership (spend attributes by key and alias only), so one set serves both periods.
  const policy = await policyLookups(store, seriesFrom, q.to);
  const [daily, byModel, byCredential, changes] = await Promise.all([
    grouped(store, 'team_day', seriesFrom, q.to, q.team, policy),
    grouped(store, 'team_model', q.from, q.to, q.team, policy),
    selectRows<KeyRow & { rest_count: number; rest_usd: number }>(store, TOP_CREDENTIALS_SQL,
      { from: q.from, to: q.to, teams: q.team, per_team: options.credentialsPerTeam ?? CREDENTIALS_PER_TEAM, ...policy }),
    selectRows<ChangeRow>(store, CHANGES_SQL, { from: q.from, to: q.to, teams: q.team, policy_version: policy.policy_version }),
  ]);
  const credentials = byCredential.map((r) => {
    const [team, source, credential] = r.key.split('\t') as [string, string, string];
    return { team, source, credential, r };
  });
  // every listed row of a team carries the same rest (count and spend beyond the listed ones)
  const rest = new Map<string, { team: string; credentials: number; usd: number }>();
  for (const { team, r } of credentials) if (r.rest_count > 0) rest.set(team, { team, credentials: r.rest_count, usd: round(r.rest_usd) });
  const days = daysOf(q.from, q.to);
  const teams = [...new Set(daily.map((r) => r.parts[0] as string))].sort();
  const cell = new Map(daily.map((r) => [`${r.parts[0]}\t${r.parts[1]}`, r]));
  const spendOf = (team: string, day: string) => {
    const c = cell.get(`${team}\t${day}`);
    return c ? Math.max(c.logged, c.billed) : 0;
  };
  const week = (team: string, endMs: number) => daysOf(dayOf(endMs - WEEK_MS), dayOf(endMs)).reduce((n, d) => n + spendOf(team, d), 0);
  return {
    from: q.from, to: q.to,
    series: teams.map((team) => ({
      team,
      days: days.map((day) => {
        const c = cell.get(`${team}\t${day}`);
        const logged = c?.logged ?? 0;
        const billed = c?.billed ?? 0;
        return { day, loggedUsd: round(logged), billedUsd: round(billed), approvedUsd: c === undefined || c.approved === null ? null : round(c.approved), unexplainedUsd: round(Math.max(0, billed - logged)) };
      }),
      approvedChanges: changes.filter((ch) => ch.team === team).map((ch) => ({
        effectiveFrom: `${ch.since.replace(' ', 'T')}Z`, dailyUsd: ch.daily_usd, monthlyUsd: ch.monthly_usd, note: ch.note === '' ? null : ch.note,
      })),
    })),
    byModel: byModel.map((r) => ({
      team: r.parts[0] as string, model: r.parts[1] as string, usd: round(Math.max(r.logged, r.billed)), loggedUsd: round(r.logged), billedUsd: round(r.billed),
    }))
      .filter((r) => r.usd !== 0).sort((a, b) => a.team.localeCompare(b.team) || b.usd - a.usd),
    byCredential: credentials.map(({ team, source, credential, r }) => ({ team, source, credential, usd: round(source === 'gateway' ? r.logged : r.billed) }))
      .sort((a, b) => a.team.localeCompare(b.team) || b.usd - a.usd),
    // per team, the credentials byCredential leaves out (beyond its largest `credentialsPerTeam`) and their spend
    byCredentialRest: [...rest.values()].sort((a, b) => a.team.localeCompare(b.team)),
    topMovers: teams.map((team) => {
      const thisWeek = week(team, toMs);
      const lastWeek = week(team, toMs - WEEK_MS);
      return {
        team, thisWeekUsd: round(thisWeek), lastWeekUsd: round(lastWeek), changeUsd: round(thisWeek - lastWeek),
        changePct: lastWeek > 0 ? Math.round(((thisWeek - lastWeek) / lastWeek) * 1e4) / 100 : null,
      };
    }).sort((a, b) => Math.abs(b.changeUsd) - Math.abs(a.changeUsd) || a.team.localeCompare(b.team)),
  };
}
