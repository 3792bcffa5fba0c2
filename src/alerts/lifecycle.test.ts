import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { firing, initialState, isSnoozed, transition, type TriageState } from './lifecycle.ts';
import type { TriageAction, TriageStatus } from './schemas.ts';

const T0 = new Date('2026-10-20T10:00:00Z');
const T1 = new Date('2026-10-20T11:00:00Z');
const T2 = new Date('2026-10-20T12:00:00Z');
const state = (status: TriageStatus, extra: Partial<TriageState> = {}): TriageState => ({ ...initialState(T0), status, ...extra });

function badTransition(s: TriageState, a: TriageAction): void {
  try {
    transition(s, a, 'ana', T1);
    expect.unreachable(`${a.kind} from ${s.status} must be refused`);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ALERT_BAD_TRANSITION');
  }
}

describe('triage lifecycle', () => {
  it('open → acknowledged → resolved, recording who and when', () => {
    const ack = transition(state('open'), { kind: 'ack' }, 'ana', T1);
    expect(ack.state.status).toBe('acknowledged');
    expect(ack.event).toEqual({ at: T1, actor: 'ana', action: 'ack', from: 'open', to: 'acknowledged', comment: '' });
    const res = transition(ack.state, { kind: 'resolve', note: 'key rotated' }, 'bo', T2);
    expect(res.state).toMatchObject({ status: 'resolved', actor: 'bo', reason: 'key rotated', resolvedAt: T2 });
    expect(res.notify).toBe('resolve');
  });

  it('open → resolved and open/acknowledged → invalid with a reason', () => {
    expect(transition(state('open'), { kind: 'resolve' }, 'ana', T1).state.status).toBe('resolved');
    const inv = transition(state('acknowledged'), { kind: 'invalid', reason: 'approved test account' }, 'ana', T1);
    expect(inv.state).toMatchObject({ status: 'invalid', reason: 'approved test account', actor: 'ana' });
    expect(transition(state('open'), { kind: 'invalid', reason: 'x' }, 'ana', T1).state.status).toBe('invalid');
  });

  it('reopen from resolved, invalid and suppressed sends a trigger again', () => {
    for (const s of ['resolved', 'invalid', 'suppressed'] as const) {
      const t = transition(state(s, { resolvedAt: T0 }), { kind: 'reopen' }, 'ana', T1);
      expect(t.state).toMatchObject({ status: 'open', resolvedAt: null });
      expect(t.notify).toBe('trigger');
    }
  });

  it('snooze, assign and comment keep the status', () => {
    const sn = transition(state('acknowledged'), { kind: 'snooze', until: T2 }, 'ana', T1);
    expect(sn.state).toMatchObject({ status: 'acknowledged', snoozedUntil: T2 });
    expect(isSnoozed(sn.state, T1)).toBe(true);
    expect(isSnoozed(sn.state, T2)).toBe(false);
    expect(transition(state('open'), { kind: 'assign', assignee: 'bo' }, 'ana', T1).state).toMatchObject({ status: 'open', assignee: 'bo' });
    const c = transition(state('resolved'), { kind: 'comment', text: 'post-mortem filed' }, 'ana', T1);
    expect(c.state.status).toBe('resolved');
    expect(c.event.comment).toBe('post-mortem filed');
  });

  it('refuses illegal transitions', () => {
    badTransition(state('acknowledged'), { kind: 'ack' });
    badTransition(state('resolved'), { kind: 'ack' });
    badTransition(state('resolved'), { kind: 'resolve' });
    badTransition(state('invalid'), { kind: 'resolve' });
    badTransition(state('invalid'), { kind: 'invalid', reason: 'x' });
    badTransition(state('suppressed'), { kind: 'ack' });
    badTransition(state('open'), { kind: 'reopen' });
    badTransition(state('acknowledged'), { kind: 'reopen' });
    badTransition(state('resolved'), { kind: 'snooze', until: T2 });
    badTransition(state('suppressed'), { kind: 'snooze', until: T2 });
    badTransition(state('invalid'), { kind: 'assign', assignee: 'bo' });
    badTransition(state('open'), { kind: 'snooze', until: T0 }); // not in the future
  });

  it('a firing counts; it re-opens a resolved alert only when later than the resolution', () => {
    const resolved = state('resolved', { resolvedAt: T1 });
    const early = firing(resolved, T0);
    expect(early.state).toMatchObject({ status: 'resolved', occurrences: 2, lastFired: T0 });
    expect(early.notify).toBeUndefined();
    const late = firing(resolved, T2);
    expect(late.state).toMatchObject({ status: 'open', occurrences: 2, lastFired: T2, resolvedAt: null });
    expect(late.notify).toBe('trigger');
    expect(late.event?.action).toBe('refire');
    expect(firing(state('invalid', { resolvedAt: T0 }), T2).state.status).toBe('invalid');
    expect(firing(state('acknowledged'), T2).state).toMatchObject({ status: 'acknowledged', occurrences: 2 });
  });
});
