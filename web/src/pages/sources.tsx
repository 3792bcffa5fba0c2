import { getJson, qs } from '../api.ts';
import { int, pct, seconds, time } from '../format.ts';
import { STATUS_REFRESH_MS } from '../refresh.ts';
import type { Route } from '../router.ts';
import type { Sources } from '../types.ts';
import { LoadState, PageHeader } from '../ui.tsx';
import { useData } from '../use-data.ts';

/** Source health: last event, lag and completeness per source and team; rejects by reason with redacted samples. */
export function SourcesPage({ route }: { route: Route }) {
  const from = route.params.get('from') ?? undefined;
  const to = route.params.get('to') ?? undefined;
  const src = useData(`sources:${from}:${to}`, () => getJson<Sources>(`/api/sources${qs({ from, to })}`), STATUS_REFRESH_MS);
  const d = src.data;
  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Sources">{d && <p class="muted">{time(d.from)} – {time(d.to)}</p>}</PageHeader>
      <LoadState loading={src.loading} error={src.error} empty={!d} what="sources" />
      {d && <>
        <table class="sources">
          <caption class="sr-only">Per source and team</caption>
          <thead><tr><th scope="col">Source</th><th scope="col">Team</th><th scope="col">Events</th><th scope="col">Last event</th><th scope="col">Ingest lag</th>
            <th scope="col">Worst delay</th><th scope="col">Completeness</th></tr></thead>
          <tbody>{d.sources.map((s) => (
            <tr key={`${s.source}:${s.team}`} data-source={s.source} data-team={s.team}>
              <td>{s.source}</td><td>{s.team || '—'}</td><td class="num">{int(s.events)}</td><td>{time(s.lastEventAt)}</td>
              <td class="num">{seconds(s.ingestLagSeconds)}</td><td class="num">{seconds(s.maxIngestDelaySeconds)}</td>
              <td class="num" title={`${s.hoursWithEvents} of ${s.hoursInWindow} hours with events`}>{pct(s.completeness)}</td>
            </tr>
          ))}</tbody>
        </table>
        <h2>Rejects by reason</h2>
        {d.rejects.length === 0 ? <p class="muted">No rejects in this window.</p> : (
          <table class="rejects">
            <thead><tr><th scope="col">Source</th><th scope="col">Reason</th><th scope="col">Count</th><th scope="col">Last</th><th scope="col">Details (secrets masked)</th>
              <th scope="col">Latest records (shape only, redacted)</th></tr></thead>
            <tbody>{d.rejects.map((r) => (
              <tr key={`${r.source}:${r.reason}`} data-reason={r.reason}><td>{r.source}</td><td>{r.reason}</td><td class="num">{int(r.count)}</td><td>{time(r.lastAt)}</td>
                <td>{r.samples.map((s, i) => <code key={i} class="sample-line">{s}</code>)}</td>
                <td>{(r.records ?? []).map((x, i) => <code key={i} class="sample-line" title={`${x.format}, ${x.rawBytes} bytes, ${time(x.at)}`}>{x.rawPrefix}</code>)}</td></tr>
            ))}</tbody>
          </table>
        )}
      </>}
    </section>
  );
}
