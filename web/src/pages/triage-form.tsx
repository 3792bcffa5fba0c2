import { useState } from 'preact/hooks';
import type { TriageBody } from '../triage.ts';

/**
 * The triage controls shared by the queue (on the selected alerts) and the alert page: quick ack and
 * resolve, and the actions that need an argument (invalid with a reason, snooze until, assign to).
 */
export function TriageForm(props: { disabled: boolean; onAct: (body: TriageBody) => Promise<void>; label: string }) {
  const [action, setAction] = useState<'invalid' | 'snooze' | 'assign'>('invalid');
  const [arg, setArg] = useState('');
  const [busy, setBusy] = useState(false);
  const run = async (body: TriageBody) => {
    setBusy(true);
    try {
      await props.onAct(body);
      setArg('');
    } finally {
      setBusy(false);
    }
  };
  const argBody = (): TriageBody | undefined => {
    if (!arg.trim()) return undefined;
    if (action === 'invalid') return { action, reason: arg.trim() };
    if (action === 'assign') return { action, assignee: arg.trim() };
    const until = new Date(`${arg}:00Z`);
    return Number.isNaN(until.getTime()) ? undefined : { action, until: until.toISOString() };
  };
  const off = props.disabled || busy;
  return (
    <div class="triage" role="group" aria-label={props.label}>
      <button type="button" disabled={off} onClick={() => void run({ action: 'ack' })}>Acknowledge</button>
      <button type="button" disabled={off} onClick={() => void run({ action: 'resolve' })}>Resolve</button>
      <form class="inline" onSubmit={(e) => { e.preventDefault(); const b = argBody(); if (b) void run(b); }}>
        <label>Action
          <select value={action} onChange={(e) => { setAction(e.currentTarget.value as typeof action); setArg(''); }} disabled={off}>
            <option value="invalid">Mark invalid (reason)</option>
            <option value="snooze">Snooze until (UTC)</option>
            <option value="assign">Assign to</option>
          </select>
        </label>
        <label>{action === 'invalid' ? 'Reason' : action === 'snooze' ? 'Until (UTC)' : 'Assignee'}
          {action === 'snooze'
            ? <input type="datetime-local" value={arg} disabled={off} required onInput={(e) => setArg(e.currentTarget.value)} />
            : <input type="text" value={arg} disabled={off} required onInput={(e) => setArg(e.currentTarget.value)} placeholder={action === 'assign' ? 'name@example.com' : ''} />}
        </label>
        <button type="submit" disabled={off}>Apply</button>
      </form>
    </div>
  );
}
