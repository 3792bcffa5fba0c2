import { getJson, qs } from '../api.ts';
import { Chart, PALETTE, type ChartOption } from '../chart.tsx';
import { defaultPeriod, int, pct, usd } from '../format.ts';
import { href, type Route } from '../router.ts';
import type { Posture, PostureTeam } from '../types.ts';
import { Badge, LoadState, PageHeader, PeriodForm } from '../ui.tsx';
import { optional, useData } from '../use-data.ts';

/**
 * Governance posture, per team: is there one controlled identity and data plane? Three shares with
 * their trend, models and tools against the approved ones, credentials the gateway does not hold,
 * and links to the open alerts behind each.
 */

const SHARES = [
  { key: 'gatewayShare', short: 'gateway', label: 'Sessions through an approved gateway', detector: 'cross-source.session-without-gateway' },
  { key: 'promptLogShare', short: 'prompt logs', label: 'Requests with prompt/tool logs', detector: 'gateway.prompt-log-gap' },
  { key: 'ownerShare', short: 'named owner', label: 'Activity tied to a named owner', detector: 'cross-source.ownerless-session' },
] as const;

function trendOption(t: PostureTeam): ChartOption {
  return {
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? pct(v) : '—') },
    legend: { top: 0, textStyle: { fontSize: 10 } },
    grid: { left: 45, right: 10, top: 28, bottom: 24 },
    xAxis: { type: 'category', data: t.trend.map((d) => d.day.slice(5)) },
    yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } },
    series: SHARES.map((s, i) => ({ name: s.short, type: 'line', connectNulls: false, data: t.trend.map((d) => d[s.key]), itemStyle: { color: PALETTE[i] }, lineStyle: { color: PALETTE[i] } })),
  };
}

function TeamCard({ t, period }: { t: PostureTeam; period: { from: string; to: string } }) {
  const alertsOf = (detector?: string) => href('/alerts', { team: t.team, status: 'open', detector });
  const unapprovedModels = t.models.filter((m) => !m.approved);
  const unapprovedTools = t.tools.filter((x) => !x.approved);
  return (
    <article class="card posture" aria-labelledby={`team-${t.team}`} data-team={t.team}>
      <h2 id={`team-${t.team}`}>{t.team} <a class="small" href={alertsOf()}>{int(t.alerts.open)} open alerts</a></h2>
      <div class="shares">
        {SHARES.map((s) => {
          const v = t[s.key];
          const [num, den] = s.key === 'gatewayShare' ? [t.gatewayShare.viaApprovedGateway, t.gatewayShare.sessions]
            : s.key === 'promptLogShare' ? [t.promptLogShare.logged, t.promptLogShare.requests] : [t.ownerShare.named, t.ownerShare.events];
          const open = t.alerts.byDetector.find((d) => d.detector === s.detector)?.open ?? 0;
          return (
            <div class="share" key={s.key}>
              <div class={`big ${v.share !== null && v.share < 0.95 ? 'warn' : ''}`} data-testid={`${t.team}-${s.key}`}>{pct(v.share)}</div>
              <div>{s.label}</div>
              <div class="muted small">{int(num)} of {int(den)}{open ? <> · <a href={alertsOf(s.detector)}>{open} open</a></> : null}</div>
            </div>
          );
        })}
      </div>
      <Chart option={trendOption(t)} height={150} label={`${t.team}: daily shares from ${period.from} to ${period.to}`} />
      <h3>Models per task class</h3>
      <ul class="compact">{t.models.map((m) => <li key={`${m.taskClass}:${m.model}`}>{m.taskClass}: {m.model} · {int(m.requests)} {m.approved ? <Badge kind="ok" text="approved" /> : <Badge kind="high" text="not approved" />}</li>)}</ul>
      {unapprovedModels.length > 0 && <p class="small"><a href={alertsOf('gateway.routing-drift')}>Routing-drift alerts</a></p>}
      <h3>Tools and MCP servers</h3>
      <ul class="compact">{t.tools.map((x) => <li key={`${x.kind}:${x.name}`}>{x.kind === 'mcp_server' ? 'MCP ' : ''}{x.name} · {int(x.uses)} {x.approved ? <Badge kind="ok" text="approved" /> : <Badge kind="high" text="not approved" />}</li>)}</ul>
      {unapprovedTools.length > 0 && <p class="small"><a href={alertsOf('cross-source.tool-scope-drift')}>Tool-scope alerts</a></p>}
      <h3>Credentials the gateway does not hold</h3>
      {t.unheldCredentials.length ? (
        <ul class="compact">{t.unheldCredentials.map((c) => <li key={`${c.source}:${c.credential}`}><code>{c.credential}</code> · {c.source} · {int(c.events)} events · {usd(c.costUsd)}</li>)}</ul>
      ) : <p class="muted small">None.</p>}
      {t.unheldCredentials.length > 0 && <p class="small"><a href={alertsOf('billing.unmanaged-key-usage')}>Unmanaged-key alerts</a></p>}
    </article>
  );
}

export function PosturePage({ route }: { route: Route }) {
  const period = { ...defaultPeriod(), ...Object.fromEntries(['from', 'to'].flatMap((k) => (route.params.get(k) ? [[k, route.params.get(k)!]] : []))) };
  const team = route.params.get('team') ?? undefined;
  const posture = useData(JSON.stringify({ ...period, team }), () => optional(() => getJson<Posture>(`/api/posture${qs({ ...period, team })}`)));
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Governance posture">
        <p class="muted">Is there one controlled identity and data plane? Per team, {period.from} to {period.to} (exclusive).</p>
      </PageHeader>
      <PeriodForm path="/posture" from={period.from} to={period.to} extra={{ team }} />
      <LoadState loading={posture.loading} error={posture.error} empty={!posture.data} what="posture" />
      {!posture.loading && !posture.error && !posture.data && <p class="muted">This server has no posture endpoint.</p>}
      <div class="grid">{posture.data?.teams.map((t) => <TeamCard key={t.team} t={t} period={period} />)}</div>
    </section>
  );
}
