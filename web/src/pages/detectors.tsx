import { useMemo } from 'preact/hooks';
import { getJson, qs } from '../api.ts';
import { Chart, PALETTE, type ChartOption } from '../chart.tsx';
import { addDays, day, int, time } from '../format.ts';
import { STATUS_REFRESH_MS } from '../refresh.ts';
import { href, type Route } from '../router.ts';
import type { DetectorHistory, DetectorInfo } from '../types.ts';
import { Badge, LoadState, PageHeader } from '../ui.tsx';
import { optional, useData } from '../use-data.ts';

/** The detector corpus: metadata, last and next run, alerts; one detector's alerts per day and runs. */

function historyOption(h: DetectorHistory): ChartOption {
  return {
    tooltip: { trigger: 'axis' },
    grid: { left: 40, right: 10, top: 10, bottom: 30 },
    xAxis: { type: 'category', data: h.alertsPerDay.map((d) => d.day) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: 'alerts', type: 'bar', data: h.alertsPerDay.map((d) => d.count), itemStyle: { color: PALETTE[0] } }],
  };
}

function DetectorDetail({ d }: { d: DetectorInfo }) {
  const to = day(addDays(new Date(), 1));
  const from = day(addDays(new Date(), -30));
  const history = useData(`history:${d.id}`, () => optional(() => getJson<DetectorHistory>(`/api/detectors/${encodeURIComponent(d.id)}/history${qs({ from, to })}`)));
  const option = useMemo(() => (history.data ? historyOption(history.data) : undefined), [history.data]);
  return (
    <section class="card" aria-labelledby="detector-detail">
      <h2 id="detector-detail">{d.title}</h2>
      <p>{d.description}</p>
      <dl class="facts">
        <div><dt>Schedule</dt><dd>every {d.schedule.every}, lookback {d.schedule.lookback}, settle {d.schedule.settle}</dd></div>
        <div><dt>Category</dt><dd>{d.category ?? '—'}</dd></div>
        <div><dt>Sources</dt><dd>{d.sources.join(', ')}</dd></div>
        <div><dt>Watermark</dt><dd>{time(d.watermark)}</dd></div>
        <div><dt>Next run</dt><dd>{time(d.nextRunAt)}</dd></div>
      </dl>
      <h3>Alerts per day, last 30 days</h3>
      {option ? <Chart option={option} height={160} label={`Alerts per day raised by ${d.id}`} /> : <p class="muted">{history.loading ? 'Loading…' : 'No history on this server.'}</p>}
      {history.data && history.data.runs.length > 0 && (
        <table><caption>Recent runs</caption><thead><tr><th scope="col">At</th><th scope="col">Outcome</th><th scope="col">Duration</th><th scope="col">Alerts</th></tr></thead>
          <tbody>{history.data.runs.slice(-10).reverse().map((r, i) => <tr key={i}><td>{time(r.at)}</td><td>{r.outcome}</td><td class="num">{int(r.durationMs)} ms</td><td class="num">{int(r.alerts)}</td></tr>)}</tbody></table>
      )}
      <h3>Framework controls</h3>
      <ul class="compact">{d.controls.map((c) => <li key={`${c.framework}:${c.id}`}>{c.framework} {c.id}{c.name ? ` — ${c.name}` : ''}</li>)}</ul>
      <h3>Runbook</h3><p class="runbook">{d.runbook}</p>
      {d.falsePositives && <><h3>Known false positives</h3><ul>{d.falsePositives.map((f) => <li key={f}>{f}</li>)}</ul></>}
    </section>
  );
}

export function DetectorsPage({ route }: { route: Route }) {
  const list = useData('detectors', () => getJson<{ detectors: DetectorInfo[] }>('/api/detectors'), STATUS_REFRESH_MS);
  const chosen = route.params.get('id');
  const detectors = list.data?.detectors ?? [];
  const selected = detectors.find((d) => d.id === chosen);
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Detectors"><p class="muted">{detectors.length} detectors</p></PageHeader>
      <LoadState loading={list.loading} error={list.error} empty={!list.data} what="detectors" />
      <table class="detectors">
        <thead><tr><th scope="col">Detector</th><th scope="col">Severity</th><th scope="col">Audience</th><th scope="col">Schedule</th><th scope="col">Last run</th>
          <th scope="col">Next run</th><th scope="col">State</th><th scope="col">Alerts</th><th scope="col">Open</th></tr></thead>
        <tbody>{detectors.map((d) => (
          <tr key={d.id} data-detector={d.id} aria-current={d.id === chosen ? 'true' : undefined}>
            <td><a href={href('/detectors', { id: d.id })}>{d.id}</a><div class="muted small">{d.title}</div></td>
            <td><Badge kind={d.severity} /></td><td>{d.audience}</td><td>{d.schedule.every}</td>
            <td>{time(d.lastRun?.evaluatedAt)}</td><td>{time(d.nextRunAt)}</td><td>{d.outcome}</td>
            <td class="num">{int(d.alerts.total)}</td><td class="num"><a href={href('/alerts', { detector: d.id, status: 'open' })}>{int(d.alerts.byStatus['open'] ?? 0)}</a></td>
          </tr>
        ))}</tbody>
      </table>
      {selected && <DetectorDetail key={selected.id} d={selected} />}
    </section>
  );
}
