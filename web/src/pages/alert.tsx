import { useMemo, useState } from 'preact/hooks';
import { getJson } from '../api.ts';
import { Chart, PALETTE, type ChartOption } from '../chart.tsx';
import { int, pct, time, usd } from '../format.ts';
import { href } from '../router.ts';
import { triage, type TriageBody } from '../triage.ts';
import type { AlertDetail, Control, DetectorInfo, Signal } from '../types.ts';
import { Badge, LoadState, PageHeader } from '../ui.tsx';
import { optional, useData } from '../use-data.ts';
import { TriageForm } from './triage-form.tsx';

/** One alert: who and what, the money, the evidence and its signal, the controls, and its history. */


/** The session an alert is about: its entity `session:<id>`, or a `session` evidence figure. */
function sessionOf(a: AlertDetail): string | undefined {
  if (a.entity.startsWith('session:')) return a.entity.slice('session:'.length);
  const s = a.evidence?.figures?.['session'] ?? a.evidence?.figures?.['sessionId'];
  return typeof s === 'string' && s ? s : undefined;
}

/**
 * What was spent against what was approved, when the evidence names a budget (spend-above-approved:
 * the day's or the month's budget in force, by its finding).
 */
function againstApproved(a: AlertDetail): { spent: number | undefined; approved: number } | undefined {
  const f = a.evidence?.figures ?? {};
  const num = (k: string) => (typeof f[k] === 'number' ? f[k] : undefined);
  const monthly = f['finding'] === 'monthly-budget';
  const approved = num('approvedUsd') ?? num(monthly ? 'monthlyBudgetUsd' : 'dailyBudgetUsd') ?? num('budgetUsd');
  if (approved === undefined) return undefined;
  return { spent: num(monthly ? 'monthToDateUsd' : 'daySpendUsd') ?? num('spentUsd'), approved };
}

function signalOption(s: Signal): ChartOption {
  const fmt = (v: number) => (s.unit === 'usd' ? usd(v) : s.unit === 'share' ? pct(v) : int(v));
  const line = (name: string, pick: (p: Signal['points'][number]) => number | null, color: string, dashed = false) => ({
    name, type: 'line', showSymbol: false, data: s.points.map((p) => [p.t, pick(p)]), lineStyle: { color, ...(dashed && { type: 'dashed' }) }, itemStyle: { color },
  });
  return {
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? fmt(v) : '—') },
    legend: { top: 0 },
    grid: { left: 60, right: 20, top: 30, bottom: 30 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => fmt(v) } },
    series: [
      { ...line('value', (p) => p.value, PALETTE[0]!), markLine: { symbol: 'none', data: s.marks.map((m) => ({ xAxis: m.t, label: { formatter: m.label } })) } },
      ...(s.points.some((p) => p.baseline !== null) ? [line('baseline', (p) => p.baseline, PALETTE[2]!, true)] : []),
      ...(s.points.some((p) => p.budget !== null) ? [line('budget', (p) => p.budget, PALETTE[1]!, true)] : []),
    ],
  };
}

export function AlertPage({ id }: { id: string }) {
  const alert = useData(`alert:${id}`, () => getJson<AlertDetail>(`/api/alerts/${encodeURIComponent(id)}`));
  const signal = useData(`signal:${id}`, () => optional(() => getJson<Signal>(`/api/alerts/${encodeURIComponent(id)}/signal`)));
  const controls = useData('controls', () => optional(() => getJson<Control[]>('/api/controls')));
  const detectors = useData('detectors', () => getJson<{ detectors: DetectorInfo[] }>('/api/detectors'));
  const [message, setMessage] = useState('');
  const a = alert.data;
  const detector = detectors.data?.detectors.find((d) => d.id === a?.detector);
  const catalog = useMemo(() => new Map((controls.data ?? []).map((c) => [`${c.framework}:${c.id}`, c])), [controls.data]);
  // The alert carries the control ids its detector named when it fired; the catalog gives their names.
  const cited = Object.entries(a?.controls ?? {}).flatMap(([framework, ids]) => ids.map((id) => ({ framework, id })));
  const chart = useMemo(() => (signal.data ? signalOption(signal.data) : undefined), [signal.data]);

  const act = async (body: TriageBody) => {
    const [r] = await triage([id], body);
    setMessage(r?.ok ? `${body.action}: done` : `${body.action} failed: ${r?.message ?? 'error'}`);
    await alert.reload();
  };
  const [comment, setComment] = useState('');

  if (!a) return <section><PageHeader title="Alert" /><LoadState loading={alert.loading} error={alert.error} empty what="the alert" /></section>;
  const session = sessionOf(a);
  const budget = againstApproved(a);
  const figures = Object.entries(a.evidence?.figures ?? {});
  const samples = a.evidence?.samples ?? [];
  return (
    <article aria-labelledby="page-title" class="alert-page">
      <PageHeader title={a.title}>
        <p><Badge kind={a.severity} /> <Badge kind={a.status} /> <span class="muted">{a.detector} · {a.audience}</span></p>
      </PageHeader>
      <p class="summary">{a.summary}</p>
      <dl class="facts">
        <div><dt>Identity</dt><dd data-testid="identity">{a.identity || 'unknown'}</dd></div>
        <div><dt>Team</dt><dd data-testid="team">{a.team || 'unattributed'}</dd></div>
        <div><dt>Credential (fingerprint)</dt><dd><code>{a.credential || '—'}</code></dd></div>
        <div><dt>Entity</dt><dd><code>{a.entity}</code></dd></div>
        <div><dt>$ impact</dt><dd data-testid="impact">{usd(a.impactUsd)}{budget ? ` · spent ${usd(budget.spent)} against ${usd(budget.approved)} approved` : ''}</dd></div>
        <div><dt>Window</dt><dd>{time(a.windowStart)} – {time(a.windowEnd)}</dd></div>
        <div><dt>First / last seen</dt><dd>{time(a.firstSeen)} / {time(a.lastSeen)}</dd></div>
        <div><dt>Assignee</dt><dd>{a.assignee || '—'}</dd></div>
      </dl>
      {session && <p><a href={href(`/sessions/${session}`)}>Open the session trail of {session}</a></p>}
      <TriageForm label="Triage this alert" disabled={false} onAct={act} />
      {(a.status === 'resolved' || a.status === 'invalid') && <button type="button" onClick={() => void act({ action: 'reopen' })}>Reopen</button>}
      <p role="status" aria-live="polite" class="muted">{message}</p>

      <h2>Signal</h2>
      {chart && signal.data ? <Chart option={chart} label={signal.data.title} summary={`${signal.data.title}, ${time(signal.data.from)} to ${time(signal.data.to)}`} />
        : <p class="muted">{signal.loading ? 'Loading the signal…' : 'No signal chart for this alert on this server.'}</p>}

      <h2>Evidence</h2>
      <table class="kv"><caption class="sr-only">Evidence figures</caption><tbody>
        {figures.map(([k, v]) => <tr key={k}><th scope="row">{k}</th><td>{Array.isArray(v) ? v.join(', ') : String(v)}</td></tr>)}
      </tbody></table>
      {samples.length > 0 && <>
        <h3>Sample records (redacted)</h3>
        {samples.slice(0, 10).map((s, i) => <pre key={i} class="sample" tabIndex={0}>{typeof s === 'string' ? s : JSON.stringify(s)}</pre>)}
        {samples.length > 10 && <p class="muted small">{samples.length - 10} more samples in the evidence (API).</p>}
      </>}

      <h2>Framework controls</h2>
      <ul class="controls">
        {cited.map(({ framework, id: cid }) => {
          const c = catalog.get(`${framework}:${cid}`);
          return (
            <li key={`${framework}:${cid}`}>
              <strong>{c?.frameworkName ?? framework}</strong> {cid}{c ? ` — ${c.name}` : ''}
              {c?.url ? <> (<a href={c.url} rel="noreferrer" target="_blank">reference</a>)</> : null}
            </li>
          );
        })}
      </ul>
      <h2>Runbook</h2>
      <p class="runbook">{detector?.runbook ?? '—'}</p>
      {detector?.falsePositives && <><h2>Known false positives</h2><ul>{detector.falsePositives.map((f) => <li key={f}>{f}</li>)}</ul></>}

      <h2>History and comments</h2>
      <ol class="history">
        {(a.history ?? []).map((h, i) => (
          <li key={i}>{time(h.at)} · {h.actor} · {h.action}{h.from && h.to && h.from !== h.to ? ` (${h.from} → ${h.to})` : ''}{h.comment ? `: ${h.comment}` : ''}</li>
        ))}
      </ol>
      <form class="inline" onSubmit={(e) => { e.preventDefault(); if (comment.trim()) void act({ action: 'comment', text: comment.trim() }).then(() => setComment('')); }}>
        <label>Comment<textarea value={comment} onInput={(e) => setComment(e.currentTarget.value)} rows={2} cols={60} /></label>
        <button type="submit">Add comment</button>
      </form>
    </article>
  );
}
