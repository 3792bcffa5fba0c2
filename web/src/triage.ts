import { ApiError, postJson } from './api.ts';

/** Triage actions as the API takes them (POST /api/alerts/{id}/actions, and the bulk form). */
export type TriageBody =
  | { action: 'ack' }
  | { action: 'resolve'; note?: string }
  | { action: 'invalid'; reason: string }
  | { action: 'snooze'; until: string }
  | { action: 'assign'; assignee: string }
  | { action: 'comment'; text: string }
  | { action: 'reopen' };

export interface TriageOutcome { id: string; ok: boolean; message?: string }

/** Who acts, as typed on the login page; the server records the session's token kind otherwise. */
export const actorName = (): string | undefined => localStorage.getItem('driftwatch.actor') || undefined;

function withActor(body: TriageBody): TriageBody & { actor?: string } {
  const actor = actorName();
  return actor ? { ...body, actor } : body;
}

async function one(id: string, body: TriageBody): Promise<TriageOutcome> {
  try {
    await postJson(`/api/alerts/${encodeURIComponent(id)}/actions`, withActor(body));
    return { id, ok: true };
  } catch (err) {
    return { id, ok: false, message: (err as Error).message };
  }
}

/** Several alerts at once: the bulk endpoint when the server has it, else one request per alert. */
export async function triage(ids: string[], body: TriageBody): Promise<TriageOutcome[]> {
  if (ids.length > 1) {
    try {
      const res = await postJson<{ results: { id: string; ok: boolean; error: { code: string; message: string } | null }[] }>(
        '/api/alerts/actions', { ids, action: withActor(body) });
      return res.results.map((r) => ({ id: r.id, ok: r.ok, ...(r.error && { message: r.error.message }) }));
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'NOT_FOUND')) throw err;
    }
  }
  const out: TriageOutcome[] = [];
  for (const id of ids) out.push(await one(id, body));
  return out;
}
