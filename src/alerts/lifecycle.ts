import { AppError } from '../errors.ts';
import type { TriageAction, TriageStatus } from './schemas.ts';

/**
 * The triage state machine, pure: no I/O, no clock (the caller passes `now`).
 *
 *   open ──ack──▶ acknowledged ──resolve──▶ resolved
 *     │               │        ──invalid──▶ invalid
 *     └──resolve / invalid──────────────────┘
 *   resolved | invalid ──reopen──▶ open      (an analyst changed their mind)
 *   resolved ──fires again after resolved_at──▶ open   (firing(), not an analyst action)
 *   suppressed (policy exception or grouped duplicate) ──reopen──▶ open
 *
 * snooze, assign and comment never change the status; they are refused on closed alerts (resolved,
 * invalid) except comment, which is always allowed: a post-mortem note on a closed alert is normal.
 */

export interface TriageState {
  status: TriageStatus;
  /** Why it was resolved / marked invalid / suppressed. */
  reason: string;
  /** Who made the last status change. */
  actor: string;
  assignee: string;
  snoozedUntil: Date | null;
  resolvedAt: Date | null;
  occurrences: number;
  lastFired: Date;
}

export interface TriageEvent {
  at: Date;
  actor: string;
  action: string;
  from: TriageStatus;
  to: TriageStatus;
  comment: string;
}

export interface Transition {
  state: TriageState;
  event: TriageEvent;
  /** The outbox must send a resolve (PagerDuty closes its incident) or a new trigger. */
  notify?: 'trigger' | 'resolve';
}

const CLOSED: readonly TriageStatus[] = ['resolved', 'invalid'];

function refuse(state: TriageState, action: TriageAction): never {
  throw new AppError('ALERT_BAD_TRANSITION', `cannot ${action.kind} an alert that is ${state.status}`, { status: state.status, action: action.kind });
}

export function initialState(firedAt: Date): TriageState {
  return { status: 'open', reason: '', actor: '', assignee: '', snoozedUntil: null, resolvedAt: null, occurrences: 1, lastFired: firedAt };
}

/** Applies an analyst's action, or throws ALERT_BAD_TRANSITION. */
export function transition(state: TriageState, action: TriageAction, actor: string, now: Date): Transition {
  const event = (to: TriageStatus, comment = ''): TriageEvent => ({ at: now, actor, action: action.kind, from: state.status, to, comment });
  switch (action.kind) {
    case 'ack':
      if (state.status !== 'open') refuse(state, action);
      return { state: { ...state, status: 'acknowledged', actor }, event: event('acknowledged') };
    case 'resolve':
      if (state.status !== 'open' && state.status !== 'acknowledged') refuse(state, action);
      return {
        state: { ...state, status: 'resolved', actor, reason: action.note ?? '', resolvedAt: now, snoozedUntil: null },
        event: event('resolved', action.note ?? ''),
        notify: 'resolve',
      };
    case 'invalid':
      if (state.status !== 'open' && state.status !== 'acknowledged') refuse(state, action);
      return {
        state: { ...state, status: 'invalid', actor, reason: action.reason, resolvedAt: now, snoozedUntil: null },
        event: event('invalid', action.reason),
        notify: 'resolve',
      };
    case 'snooze':
      if (CLOSED.includes(state.status) || state.status === 'suppressed') refuse(state, action);
      if (!(action.until > now)) {
        throw new AppError('ALERT_BAD_TRANSITION', 'snooze until must be in the future', { until: action.until.toISOString() });
      }
      return { state: { ...state, snoozedUntil: action.until }, event: event(state.status, `until ${action.until.toISOString()}`) };
    case 'assign':
      if (CLOSED.includes(state.status)) refuse(state, action);
      return { state: { ...state, assignee: action.assignee }, event: event(state.status, action.assignee) };
    case 'comment':
      return { state, event: event(state.status, action.text) };
    case 'reopen':
      if (state.status === 'open' || state.status === 'acknowledged') refuse(state, action);
      return {
        state: { ...state, status: 'open', actor, reason: '', resolvedAt: null },
        event: event('open'),
        notify: 'trigger',
      };
  }
}

/**
 * The alert fired again at `firedAt` (its last_seen / window end). Counts the occurrence; a
 * resolved alert re-opens only when the firing is later than its resolution — a late re-run of
 * the window that was already resolved must not wake anyone. Invalid alerts stay invalid (an
 * analyst said it is not a problem); suppressed ones stay suppressed.
 */
export function firing(state: TriageState, firedAt: Date): Transition | { state: TriageState; event?: undefined; notify?: undefined } {
  const counted: TriageState = {
    ...state,
    occurrences: state.occurrences + 1,
    lastFired: firedAt > state.lastFired ? firedAt : state.lastFired,
  };
  if (state.status === 'resolved' && state.resolvedAt !== null && firedAt > state.resolvedAt) {
    return {
      state: { ...counted, status: 'open', reason: '', resolvedAt: null, actor: 'driftwatch' },
      event: { at: firedAt, actor: 'driftwatch', action: 'refire', from: 'resolved', to: 'open', comment: 'fired again after resolution' },
      notify: 'trigger',
    };
  }
  return { state: counted };
}

/** Notifications are held while an alert is snoozed. */
export function isSnoozed(state: TriageState, now: Date): boolean {
  return state.snoozedUntil !== null && state.snoozedUntil > now;
}
