import { getJson, qs } from '../api.ts';
import { Chart, PALETTE, type ChartOption } from '../chart.tsx';
import { defaultPeriod, int, usd } from '../format.ts';
import type { Route } from '../router.ts';
import type { Spend, SpendSeries } from '../types.ts';
import { LoadState, PageHeader, PeriodForm } from '../ui.tsx';
import { optional, useData } from '../use-data.ts';

/** Spend per team: gateway-logged vs provider-billed vs approved, the unexplained part, by model and credential, top movers. */

function teamOption(s: SpendSeries['series'][number]): ChartOption {
  const line = (name: string, pick: (d: SpendSeries['series'][number]['days'][number]) => number | null, color: string, dashed = false) => ({
    name, type: 'line', showSymbol: false, data: s.days.map((d) => [d.day, pick(d)]), itemStyle: { color }, lineStyle: { color, ...(dashed && { type: 'dashed' }) },
  });
  return {
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? usd(v) : '—') },
    legend: { top: 0 },
    grid: { left: 70, right: 20, top: 30, bottom: 30 },
    xAxis: { type: 'category', data: s.days.map((d) => d.day) },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => usd(v) } },
    series: [
      { ...line('logged', (d) => d.loggedUsd, PALETTE[0]!), data: s.days.map((d) => d.loggedUsd),
        markLine: { symbol: 'none', label: { formatter: 'approved change' }, data: s.approvedChanges.filter((c) => s.days.some((d) => d.day === c.effectiveFrom)).map((c) => ({ xAxis: c.effectiveFrom })) } },
      { ...line('billed', (d) => d.billedUsd, PALETTE[1]!), data: s.days.map((d) => d.billedUsd) },
      { ...line('approved', (d) => d.approvedUsd, PALETTE[2]!, true), data: s.days.map((d) => d.approvedUsd) },
      { name: 'unexplained', type: 'bar', data: s.days.map((d) => d.unexplainedUsd), itemStyle: { color: PALETTE[4] } },
    ],
  };
}

export function FinopsPage({ route }: { route: Route }) {
  const period = { ...defaultPeriod(), ...Object.fromEntries(['from', 'to'].flatMap((k) => (route.params.get(k) ? [[k, route.params.get(k)!]] : []))) };
  const team = route.params.get('team') ?? undefined;
  const key = JSON.stringify({ ...period, team });
  const totals = useData(`spend:${key}`, () => getJson<Spend>(`/api/spend${qs({ ...period, team, groupBy: 'team' })}`));
  const series = useData(`series:${key}`, () => optional(() => getJson<SpendSeries>(`/api/spend/series${qs({ ...period, team })}`)));
  // Only for a server without the series endpoint: fetched once the series is known to be missing, so a FinOps view
  // does not spend the engine's time on a table it will not show (the embedded engine runs one query at a time).
  const needFallback = !series.loading && !series.error && series.data === undefined;
  const byModelFallback = useData(`model:${needFallback}:${key}`,
    () => (needFallback ? getJson<Spend>(`/api/spend${qs({ ...period, team, groupBy: 'model' })}`) : Promise.resolve(undefined)));
  const s = series.data;
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="FinOps: spend against approved" />
      <PeriodForm path="/finops" from={period.from} to={period.to} extra={{ team }} />
      <LoadState loading={totals.loading} error={totals.error} empty={!totals.data} what="spend" />
      {totals.data && (
        <table class="spend-totals">
          <caption>Per team, {period.from} to {period.to} (exclusive)</caption>
          <thead><tr><th scope="col">Team</th><th scope="col">Gateway-logged</th><th scope="col">Provider-billed</th><th scope="col">Approved</th><th scope="col">Unexplained</th></tr></thead>
          <tbody>
            {totals.data.rows.map((r) => (
              <tr key={r.key} data-team={r.key}><th scope="row">{r.key}</th><td class="num">{usd(r.loggedUsd)}</td><td class="num">{usd(r.billedUsd)}</td>
                <td class="num">{usd(r.approvedUsd)}</td><td class="num">{usd(r.unexplainedUsd)}</td></tr>
            ))}
          </tbody>
          <tfoot><tr data-team="total"><th scope="row">Total</th><td class="num">{usd(totals.data.totals.loggedUsd)}</td><td class="num">{usd(totals.data.totals.billedUsd)}</td>
            <td class="num">{usd(totals.data.totals.approvedUsd)}</td><td class="num">{usd(totals.data.totals.unexplainedUsd)}</td></tr></tfoot>
        </table>
      )}
      <h2>Spend over time per team</h2>
      {!s && <p class="muted">{series.loading ? 'Loading the daily series…' : 'This server has no daily spend series.'}</p>}
      <div class="grid">
        {s?.series.map((t) => (
          <div key={t.team} class="card">
            <h3>{t.team}</h3>
            <Chart option={teamOption(t)} label={`${t.team}: daily gateway-logged, provider-billed and approved spend, unexplained as bars`}
              summary={t.approvedChanges.length ? `Approved changes: ${t.approvedChanges.map((c) => `${c.effectiveFrom} ${c.dailyUsd !== null ? `${usd(c.dailyUsd)}/day` : ''}${c.monthlyUsd !== null ? `${usd(c.monthlyUsd)}/month` : ''}${c.note ? ` (${c.note})` : ''}`).join('; ')}` : 'No approved change in this period.'} />
          </div>
        ))}
      </div>
      {s && s.topMovers.length > 0 && <>
        <h2>Top movers (the last 7 days against the 7 before)</h2>
        <table><thead><tr><th scope="col">Team</th><th scope="col">This week</th><th scope="col">Last week</th><th scope="col">Change</th></tr></thead>
          <tbody>{s.topMovers.map((m) => <tr key={m.team} data-mover={m.team}><th scope="row">{m.team}</th><td class="num">{usd(m.thisWeekUsd)}</td><td class="num">{usd(m.lastWeekUsd)}</td>
            <td class="num">{usd(m.changeUsd)}{m.changePct !== null ? ` (${m.changePct >= 0 ? '+' : ''}${m.changePct.toFixed(0)}%)` : ''}</td></tr>)}</tbody></table>
      </>}
      <h2>By model</h2>
      {s ? (
        <table><thead><tr><th scope="col">Team</th><th scope="col">Model</th><th scope="col">Spend</th></tr></thead>
          <tbody>{s.byModel.map((m) => <tr key={`${m.team}:${m.model}`}><td>{m.team}</td><td>{m.model}</td><td class="num">{usd(m.usd)}</td></tr>)}</tbody></table>
      ) : (
        <table><thead><tr><th scope="col">Model</th><th scope="col">Gateway-logged</th><th scope="col">Provider-billed</th></tr></thead>
          <tbody>{(byModelFallback.data?.rows ?? []).map((m) => <tr key={m.key}><td>{m.key || '(unknown)'}</td><td class="num">{usd(m.loggedUsd)}</td><td class="num">{usd(m.billedUsd)}</td></tr>)}</tbody></table>
      )}
      {s && <>
        <h2>By credential (fingerprints; each team's largest)</h2>
        <table><thead><tr><th scope="col">Team</th><th scope="col">Credential</th><th scope="col">Source</th><th scope="col">Spend</th></tr></thead>
          <tbody>{s.byCredential.map((c) => <tr key={`${c.team}:${c.credential}:${c.source}`}><td>{c.team}</td><td><code>{c.credential}</code></td><td>{c.source}</td><td class="num">{usd(c.usd)}</td></tr>)}
            {(s.byCredentialRest ?? []).map((r) => <tr key={`${r.team}:rest`} class="muted" data-credential-rest={r.team}><td>{r.team}</td><td colSpan={2}>{int(r.credentials)} more credentials</td><td class="num">{usd(r.usd)}</td></tr>)}</tbody></table>
      </>}
    </section>
  );
}
