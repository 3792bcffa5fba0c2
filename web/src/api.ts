/**
 * The console's one way to the server: same-origin fetches carrying the session cookie, with the
 * session's CSRF token on every write. Errors arrive in the API's shape {error:{code,message}}.
 */

export interface SessionInfo {
  access: 'read' | 'write';
  csrfToken: string;
  expiresAt: string;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

let csrfToken = '';
let onSignedOut: () => void = () => {};

/** Called when any request answers 401: the page goes back to the login form. */
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body !== undefined && { body: JSON.stringify(body) }) });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/console/')) onSignedOut();
    throw new ApiError(res.status, data.error?.code ?? 'HTTP_' + res.status, data.error?.message ?? res.statusText);
  }
  return data as T;
}

export const getJson = <T>(path: string) => send<T>('GET', path);
export const postJson = <T>(path: string, body: unknown) => send<T>('POST', path, body);

export async function currentSession(): Promise<SessionInfo | null> {
  try {
    const s = await send<SessionInfo>('GET', '/console/session');
    csrfToken = s.csrfToken;
    return s;
  } catch {
    return null;
  }
}

export async function signIn(token: string): Promise<SessionInfo> {
  const s = await send<SessionInfo>('POST', '/console/login', { token });
  csrfToken = s.csrfToken;
  return s;
}

export async function signOut(): Promise<void> {
  await send<void>('POST', '/console/logout');
  csrfToken = '';
}

/** A query string from the defined, non-empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
