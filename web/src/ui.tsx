import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { navigate } from './router.ts';

/** Pieces every page uses: a loading/error line and the period form. */

export function LoadState(props: { loading: boolean; error: Error | undefined; empty?: boolean; what: string }) {
  if (props.error) return <p class="error" role="alert">Could not load {props.what}: {props.error.message}</p>;
  if (props.loading && props.empty) return <p class="muted" aria-live="polite">Loading {props.what}…</p>;
  return null;
}

export function PageHeader(props: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1 tabIndex={-1} id="page-title">{props.title}</h1>
      {props.children}
    </header>
  );
}

/** From/to days (UTC, `to` exclusive), kept in the URL so a view can be shared and reloaded. */
export function PeriodForm(props: { path: string; from: string; to: string; extra?: Record<string, string | undefined> }) {
  const [from, setFrom] = useState(props.from);
  const [to, setTo] = useState(props.to);
  return (
    <form class="filters" onSubmit={(e) => { e.preventDefault(); navigate(props.path, { ...props.extra, from, to }); }}>
      <label>From (UTC day)<input type="date" name="from" value={from} onInput={(e) => setFrom(e.currentTarget.value)} required /></label>
      <label>To (exclusive)<input type="date" name="to" value={to} onInput={(e) => setTo(e.currentTarget.value)} required /></label>
      <button type="submit">Show</button>
    </form>
  );
}

export const Badge = (props: { kind: string; text?: string }) => <span class={`badge badge-${props.kind}`}>{props.text ?? props.kind}</span>;
