import type { Store } from '../store/store.ts';
import { selectRows } from '../store/select-rows.ts';
import { policyAt, policyLookups } from './policy-lookups.ts';
import { type PostureFigure, readPostureDays, refreshPostureDays } from './posture-days.ts';
import { TEAM_FILTER } from './team-sql.ts';

/**
 * The governance posture per team over whole UTC days [from, to): the figures' definitions are in
 * posture-figures.ts, computed per day and kept by posture-days.ts; the open alerts are read live.
 */

export interface PostureQuery {
  from: string;
  to: string;
  team: string[];
}

/** Unresolved alerts per team and detector whose incident window overlaps the period; plus the policy's teams. */
export const ALERTS_SQL = `
SELECT team, detector, open FROM (
  SELECT a.team AS team, toString(a.detector) AS detector, count() AS open
  FROM alerts AS a FINAL
  LEFT JOIN (SELECT alert_id, status FROM alert_triage FINAL) AS t ON t.alert_id = a.id
  WHERE if(t.alert_id = '', toString(a.status), toString(t.status)) IN ('open', 'acknowledged')
    AND a.window_start < toDateTime64({to:Date}, 3) AND a.window_end > toDateTime64({from:Date}, 3)
  GROUP BY team, detector
  UNION ALL
  SELECT team_id AS team, '' AS detector, 0 AS open FROM ${policyAt('policy_teams')}
) WHERE ${TEAM_FILTER} AND team != ''
SETTINGS join_use_nulls = 0`;

interface AlertRow { team: string; detector: string; open: number }

const share = (part: number, whole: number) => (whole > 0 ? Math.round((part / whole) * 1e6) / 1e6 : null);

/** The UTC days of [from, to), as YYYY-MM-DD. */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(from); t < Date.parse(to); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export async function postureReport(store: Store, q: PostureQuery) {
  const lookups = await policyLookups(store, q.from, q.to);
  await refreshPostureDays(store, q.from, q.to, lookups.policy_version);
  const params = { from: q.from, to: q.to, teams: q.team, policy_version: lookups.policy_version };
  const [figures, alerts] = await Promise.all([readPostureDays(store, params), selectRows<AlertRow>(store, ALERTS_SQL, params)]);
  const teams = [...new Set([...figures, ...alerts].map((r) => r.team))].sort();
  const days = daysOf(q.from, q.to);
  // The figures by (part, team, day) once, in the order the query sorted them, rather than a scan per team and day.
  const byKey = new Map<string, PostureFigure[]>();
  for (const f of figures) {
    const key = `${f.part}\t${f.team}\t${f.on_day}`;
    const list = byKey.get(key);
    if (list) list.push(f);
    else byKey.set(key, [f]);
  }
  const of = (team: string, part: PostureFigure['part'], day = '') => byKey.get(`${part}\t${team}\t${day}`) ?? [];
  const one = (team: string, part: PostureFigure['part'], day = '') => of(team, part, day)[0];
  return {
    from: q.from, to: q.to,
    teams: teams.map((team) => {
      const sessions = one(team, 'sessions');
      const prompts = one(team, 'prompts');
      const teamAlerts = alerts.filter((a) => a.team === team && a.detector !== '');
      return {
        team,
        gatewayShare: { sessions: sessions?.sessions ?? 0, viaApprovedGateway: sessions?.via ?? 0, share: share(sessions?.via ?? 0, sessions?.sessions ?? 0) },
        promptLogShare: { requests: prompts?.n1 ?? 0, logged: prompts?.n2 ?? 0, share: share(prompts?.n2 ?? 0, prompts?.n1 ?? 0) },
        ownerShare: { events: sessions?.n1 ?? 0, named: sessions?.n2 ?? 0, share: share(sessions?.n2 ?? 0, sessions?.n1 ?? 0) },
        models: of(team, 'models').map((m) => ({ taskClass: m.subject, model: m.item, approved: Boolean(m.flag), requests: m.n1 })),
        tools: of(team, 'tools').map((t) => ({ kind: t.subject as 'tool' | 'mcp_server', name: t.item, approved: Boolean(t.flag), uses: t.n1 })),
        unheldCredentials: of(team, 'unheld').map((u) => ({ credential: u.item, source: u.detail, events: u.n1, costUsd: Math.round(u.n2 * 1e6) / 1e6 })),
        trend: days.map((day) => {
          const s = one(team, 'sessions', day);
          const p = one(team, 'prompts', day);
          return { day, gatewayShare: share(s?.via ?? 0, s?.sessions ?? 0), promptLogShare: share(p?.n2 ?? 0, p?.n1 ?? 0), ownerShare: share(s?.n2 ?? 0, s?.n1 ?? 0) };
        }),
        alerts: {
          open: teamAlerts.reduce((n, a) => n + a.open, 0),
          byDetector: teamAlerts.map((a) => ({ detector: a.detector, open: a.open })).sort((a, b) => b.open - a.open || a.detector.localeCompare(b.detector)),
        },
      };
    }),
  };
}
