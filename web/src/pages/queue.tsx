import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { getJson, qs } from '../api.ts';
import { int, time, usd } from '../format.ts';
import { QUEUE_REFRESH_MS } from '../refresh.ts';
import { href, navigate, type Route } from '../router.ts';
import { triage, type TriageBody } from '../triage.ts';
import type { AlertList, DetectorInfo } from '../types.ts';
import { Badge, LoadState, PageHeader } from '../ui.tsx';
import { optional, useData } from '../use-data.ts';
import { TriageForm } from './triage-form.tsx';

/**
 * The alert queue: filters and sort in the URL, counts per status, a table walked by keyboard
 * (j/k or arrows, Enter opens, x or space selects), single and bulk triage, refreshed every 15 s.
 */

// The repository's triage statuses (src/alerts/schemas.ts); a snooze is a time on an open alert, not a status.
const STATUSES = ['open', 'acknowledged', 'resolved', 'invalid', 'suppressed'];
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const FILTERS = ['status', 'detector', 'severity', 'audience', 'team', 'from', 'to', 'sort', 'order'] as const;
const PAGE = 50;

type Filters = Partial<Record<(typeof FILTERS)[number] | 'offset', string>>;

const toIso = (local: string | undefined) => (local ? new Date(`${local}:00Z`).toISOString() : undefined);

export function QueuePage({ route }: { route: Route }) {
  const filters: Filters = {};
  for (const k of [...FILTERS, 'offset'] as const) {
    const v = route.params.get(k);
    if (v) filters[k] = v;
  }
  const query = { ...filters, from: toIso(filters.from), to: toIso(filters.to), limit: PAGE };
  const key = JSON.stringify(query);
  const countsQuery = { ...query, status: undefined, limit: undefined, offset: undefined, sort: undefined, order: undefined };
  // The rows and the counts per status are one snapshot, loaded and refreshed together: on two timers a row could show
  // an acknowledgement the counts above it did not yet count.
  const list = useData(key, async () => {
    const [rows, counts] = await Promise.all([
      getJson<AlertList>(`/api/alerts${qs(query)}`),
      optional(() => getJson<{ byStatus: Record<string, number> }>(`/api/alerts/counts${qs(countsQuery)}`)),
    ]);
    return { ...rows, countsByStatus: counts?.byStatus ?? rows.countsByStatus };
  }, QUEUE_REFRESH_MS);
  const detectors = useData('detectors', () => getJson<{ detectors: DetectorInfo[] }>('/api/detectors'));
  const byStatus = list.data?.countsByStatus ?? {};

  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [cursor, setCursor] = useState(0);
  const [message, setMessage] = useState('');
  const rows = useRef<(HTMLTableRowElement | null)[]>([]);
  const items = list.data?.items ?? [];
  useEffect(() => setSelected((s) => new Set([...s].filter((id) => items.some((a) => a.id === id)))), [list.data]);

  const set = (patch: Filters) => navigate('/alerts', { ...filters, ...patch, offset: patch.offset });
  const move = (to: number) => {
    const i = Math.max(0, Math.min(items.length - 1, to));
    setCursor(i);
    rows.current[i]?.focus();
  };
  const toggle = (id: string) => setSelected((s) => {
    const n = new Set(s);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    return n;
  });
  const onKey = (e: KeyboardEvent) => {
    if ((e.target as HTMLElement).tagName === 'INPUT' && (e.target as HTMLInputElement).type !== 'checkbox') return;
    const a = items[cursor];
    if (e.key === 'j' || e.key === 'ArrowDown') { e.preventDefault(); move(cursor + 1); }
    else if (e.key === 'k' || e.key === 'ArrowUp') { e.preventDefault(); move(cursor - 1); }
    else if (e.key === 'Enter' && a && (e.target as HTMLElement).tagName === 'TR') { e.preventDefault(); navigate(`/alerts/${a.id}`); }
    else if ((e.key === 'x' || e.key === ' ') && a && (e.target as HTMLElement).tagName === 'TR') { e.preventDefault(); toggle(a.id); }
  };
  const act = async (body: TriageBody) => {
    const ids = selected.size ? [...selected] : items[cursor] ? [items[cursor].id] : [];
    if (!ids.length) return;
    const results = await triage(ids, body);
    const failed = results.filter((r) => !r.ok);
    setMessage(`${body.action}: ${results.length - failed.length} of ${results.length} done${failed.length ? `; failed: ${failed.map((f) => `${f.id} (${f.message ?? 'error'})`).join(', ')}` : ''}`);
    setSelected(new Set());
    await list.reload();
  };
  const detectorIds = useMemo(() => (detectors.data?.detectors ?? []).map((d) => d.id).sort(), [detectors.data]);
  const offset = Number(filters.offset ?? 0);

  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Alert queue">
        <p class="muted" aria-live="polite">
          {list.data ? `${int(list.data.total)} alerts match` : ''}{list.updatedAt ? ` · refreshed ${list.updatedAt.toISOString().slice(11, 19)} UTC` : ''}
        </p>
      </PageHeader>
      <nav class="status-counts" aria-label="Alerts per status">
        <a href={href('/alerts', { ...filters, status: undefined, offset: undefined })} aria-current={!filters.status ? 'true' : undefined}>any</a>
        {STATUSES.map((s) => (
          <a key={s} href={href('/alerts', { ...filters, status: s, offset: undefined })} aria-current={filters.status === s ? 'true' : undefined} data-status={s}>
            {s} <span class="count" data-testid={`count-${s}`}>{int(byStatus[s] ?? 0)}</span>
          </a>
        ))}
      </nav>
      <form class="filters" aria-label="Filter alerts" onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const patch: Filters = {};
        for (const k of FILTERS) patch[k] = (f.get(k) as string | null) || undefined;
        navigate('/alerts', patch);
      }}>
        <label>Status<select name="status" value={filters.status ?? ''}><option value="">any</option>{STATUSES.map((s) => <option key={s}>{s}</option>)}</select></label>
        <label>Detector<select name="detector" value={filters.detector ?? ''}><option value="">any</option>{detectorIds.map((d) => <option key={d}>{d}</option>)}</select></label>
        <label>Severity<select name="severity" value={filters.severity ?? ''}><option value="">any</option>{SEVERITIES.map((s) => <option key={s}>{s}</option>)}</select></label>
        <label>Audience<select name="audience" value={filters.audience ?? ''}><option value="">any</option><option>soc</option><option>finops</option></select></label>
        <label>Team<input name="team" value={filters.team ?? ''} placeholder="team-a,team-b" /></label>
        <label>From (UTC)<input name="from" type="datetime-local" value={filters.from ?? ''} /></label>
        <label>To (UTC)<input name="to" type="datetime-local" value={filters.to ?? ''} /></label>
        <label>Sort by<select name="sort" value={filters.sort ?? 'last_seen'}><option value="last_seen">last seen</option><option value="first_seen">first seen</option><option value="severity">severity</option></select></label>
        <label>Order<select name="order" value={filters.order ?? 'desc'}><option value="desc">descending</option><option value="asc">ascending</option></select></label>
        <button type="submit">Filter</button>
      </form>
      <TriageForm label={selected.size ? `Triage ${selected.size} selected alerts` : 'Triage the highlighted alert'} disabled={!items.length} onAct={act} />
      <p class="muted" role="status" aria-live="polite">{message}</p>
      <LoadState loading={list.loading} error={list.error} empty={!list.data} what="alerts" />
      <p class="hint" id="queue-help">Keys: j / k or ↓ / ↑ move, Enter opens, x or space selects.</p>
      <table class="queue" aria-describedby="queue-help">
        <caption class="sr-only">Alerts, {filters.sort ?? 'last_seen'} {filters.order ?? 'desc'}</caption>
        <thead><tr>
          <th scope="col"><input type="checkbox" aria-label="Select all alerts on this page" checked={items.length > 0 && selected.size === items.length}
            onChange={(e) => setSelected(e.currentTarget.checked ? new Set(items.map((a) => a.id)) : new Set())} /></th>
          <th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">Team</th><th scope="col">Identity</th>
          <th scope="col">Status</th><th scope="col">Impact</th><th scope="col">Last seen</th><th scope="col">Assignee</th>
        </tr></thead>
        <tbody onKeyDown={onKey}>
          {items.map((a, i) => (
            <tr key={a.id} ref={(el) => { rows.current[i] = el; }} tabIndex={i === cursor ? 0 : -1} aria-selected={selected.has(a.id)}
              class={i === cursor ? 'cursor' : ''} data-alert-id={a.id} onFocus={() => setCursor(i)}>
              <td><input type="checkbox" tabIndex={-1} aria-label={`Select alert ${a.title}`} checked={selected.has(a.id)} onChange={() => toggle(a.id)} /></td>
              <td><Badge kind={a.severity} /></td>
              <td><a href={href(`/alerts/${a.id}`)} tabIndex={-1}>{a.title}</a><div class="muted small">{a.detector}</div></td>
              <td>{a.team || '—'}</td><td>{a.identity || '—'}</td><td><Badge kind={a.status} />{a.snoozedUntil && Date.parse(a.snoozedUntil) > Date.now() ? <div class="muted small">snoozed until {time(a.snoozedUntil)}</div> : null}</td>
              <td class="num">{usd(a.impactUsd)}</td><td>{time(a.lastSeen)}</td><td>{a.assignee || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && !items.length && <p class="muted">No alert matches these filters.</p>}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={offset === 0} onClick={() => set({ offset: String(Math.max(0, offset - PAGE)) })}>Previous page</button>
        <button type="button" disabled={!list.data || offset + PAGE >= list.data.total} onClick={() => set({ offset: String(offset + PAGE) })}>Next page</button>
      </nav>
    </section>
  );
}
