import { AppError } from '../../errors.ts';

/**
 * POST for HTTP destinations. A non-2xx answer is an error to retry; its message carries the
 * status and the start of the body, never the URL (Slack and some webhook URLs embed a token).
 */
export async function post(destination: string, url: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<void> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, signal });
  if (!res.ok) {
    const text = (await res.text().catch(() => '')).slice(0, 200);
    throw new AppError('DELIVERY_FAILED', `${destination}: HTTP ${res.status}${text ? ` ${text}` : ''}`, { destination, status: res.status }, true);
  }
  // Drain the body so the connection is reused.
  await res.arrayBuffer().catch(() => undefined);
}
