import { useMemo } from 'preact/hooks';
import { getJson } from '../api.ts';
import { Chart, PALETTE, type ChartOption } from '../chart.tsx';
import { int, time, usd } from '../format.ts';
import { href } from '../router.ts';
import type { SessionTrail } from '../types.ts';
import { Badge, LoadState, PageHeader } from '../ui.tsx';
import { useData } from '../use-data.ts';

/** One agent session across gateway, agent telemetry, billing and IdP: who, with what, what it cost, when. */

const SOURCES = ['idp', 'agent', 'gateway', 'billing'];

function timelineOption(t: SessionTrail): ChartOption {
  return {
    tooltip: { trigger: 'item', formatter: (p: { data: [string, string, string] }) => `${time(p.data[0])}<br/>${p.data[1]}: ${p.data[2]}` },
    grid: { left: 70, right: 20, top: 10, bottom: 30 },
    xAxis: { type: 'time' },
    yAxis: { type: 'category', data: SOURCES },
    series: SOURCES.map((s, i) => ({
      name: s, type: 'scatter', symbolSize: 8, itemStyle: { color: PALETTE[i] },
      data: t.timeline.filter((e) => e.source === s).map((e) => [e.at, s, e.kind]),
    })),
  };
}

export function SessionPage({ id }: { id: string }) {
  const trail = useData(`session:${id}`, () => getJson<SessionTrail>(`/api/sessions/${encodeURIComponent(id)}`));
  const t = trail.data;
  const option = useMemo(() => (t ? timelineOption(t) : undefined), [t]);
  if (!t || !option) return <section><PageHeader title={`Session ${id}`} /><LoadState loading={trail.loading} error={trail.error} empty what="the session" /></section>;
  return (
    <section aria-labelledby="page-title">
      <PageHeader title={`Session ${t.sessionId}`}><p class="muted">{time(t.firstSeen)} – {time(t.lastSeen)}</p></PageHeader>
      <dl class="facts">
        <div><dt>Owner</dt><dd data-testid="owner">{t.owner.email || 'unresolved'} <span class="muted">({t.owner.resolvedBy})</span></dd></div>
        <div><dt>Teams</dt><dd>{t.teams.join(', ') || '—'}</dd></div>
        <div><dt>Models</dt><dd>{t.models.join(', ') || '—'}</dd></div>
        <div><dt>Tools / MCP servers</dt><dd>{[...t.tools, ...t.mcpServers.map((m) => `mcp:${m}`)].join(', ') || '—'}</dd></div>
        <div><dt>Cost logged / billed</dt><dd data-testid="cost">{usd(t.cost.loggedUsd)} / {usd(t.cost.billedUsd)}</dd></div>
        <div><dt>Gateway requests</dt><dd data-testid="gateway-requests">{int(t.cost.gatewayRequests)}</dd></div>
      </dl>
      <h2>Credentials (fingerprints) and identities</h2>
      <ul>{[...t.credentials, ...t.identities].map((c, i) => <li key={i}><code>{c.value}</code> <span class="muted">{c.kind} · {c.source}</span></li>)}</ul>
      {t.alerts.length > 0 && <>
        <h2>Alerts citing this session</h2>
        <ul>{t.alerts.map((a) => <li key={a.id}><a href={href(`/alerts/${a.id}`)}>{a.title}</a> <Badge kind={a.severity} /> <Badge kind={a.status} /></li>)}</ul>
      </>}
      <h2>Timeline</h2>
      <Chart option={option} label="Session events over time, one row per source" height={180}
        summary={SOURCES.map((s) => `${s}: ${t.timeline.filter((e) => e.source === s).length} events`).join(' · ')} />
      {t.timelineTruncated && <p class="muted">The timeline is truncated.</p>}
      <table>
        <caption class="sr-only">Session events in time order</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Source</th><th scope="col">Event</th><th scope="col">Identity</th><th scope="col">Detail</th><th scope="col">Cost</th></tr></thead>
        <tbody>{t.timeline.map((e, i) => (
          <tr key={i}><td>{time(e.at)}</td><td>{e.source}</td><td>{e.kind}</td><td>{e.identity}</td><td>{e.detail}</td><td class="num">{e.costUsd ? usd(e.costUsd) : ''}</td></tr>
        ))}</tbody>
      </table>
      {t.idpContext.length > 0 && <>
        <h2>Identity-provider context</h2>
        <ul>{t.idpContext.map((e, i) => <li key={i}>{time(e.at)} · {e.idp} {e.eventType} · {e.actor} · {e.app} · {e.outcome}</li>)}</ul>
      </>}
    </section>
  );
}
