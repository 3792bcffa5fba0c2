import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Access, ApiTokens } from '../auth.ts';

/**
 * The console's sign-in: a token typed once into the login page becomes a signed session cookie,
 * so the browser never holds the token after the form is sent.
 *
 * The cookie is `<payload>.<mac>`: payload = base64url JSON {access, expires, nonce}, mac =
 * HMAC-SHA256 under a key derived from the configured tokens. Why signed rather than a server-side
 * table: API replicas share no memory, and a key derived from the tokens lets every replica verify
 * every cookie without a new secret to distribute; rotating a token ends every session. Logout adds
 * the nonce to this process's revocation list (until the cookie would expire anyway) and clears
 * the cookie; another replica honours only the expiry.
 *
 * The CSRF token is a second MAC over the nonce: the page reads it from the login answer (or from
 * GET /console/session) and sends it as X-CSRF-Token on every write; a forged cross-site request
 * carries the cookie but cannot know this value.
 */

export const SESSION_COOKIE = 'dw_session';
export const CSRF_HEADER = 'x-csrf-token';
export const SESSION_TTL_MS = 8 * 3_600_000;

const Payload = z.object({ access: z.enum(['read', 'write']), expires: z.number().int(), nonce: z.string().min(16).max(64) }).strict();
export type ConsoleSession = z.infer<typeof Payload>;

export interface SessionSigner {
  issue(access: Access, now: Date): { cookie: string; session: ConsoleSession; csrfToken: string };
  /** The session a cookie value carries, if its MAC is right, it has not expired and was not revoked. */
  verify(cookie: string | undefined, now: Date): ConsoleSession | undefined;
  csrfTokenOf(session: ConsoleSession): string;
  revoke(session: ConsoleSession, now: Date): void;
}

const b64 = (b: Buffer) => b.toString('base64url');

export function sessionSigner(tokens: ApiTokens): SessionSigner | undefined {
  if (!tokens.read && !tokens.write) return undefined;
  const key = createHash('sha256').update(`driftwatch-console-session\0${tokens.write ?? ''}\0${tokens.read ?? ''}`, 'utf8').digest();
  const mac = (label: string, text: string) => createHmac('sha256', key).update(`${label}\0${text}`, 'utf8').digest();
  const revoked = new Map<string, number>();

  const csrfTokenOf = (s: ConsoleSession) => b64(mac('csrf', s.nonce));
  return {
    issue(access, now) {
      const session: ConsoleSession = { access, expires: now.getTime() + SESSION_TTL_MS, nonce: b64(randomBytes(24)) };
      const payload = b64(Buffer.from(JSON.stringify(session), 'utf8'));
      return { cookie: `${payload}.${b64(mac('session', payload))}`, session, csrfToken: csrfTokenOf(session) };
    },
    verify(cookie, now) {
      if (!cookie || cookie.length > 512) return undefined;
      const [payload, sent, extra] = cookie.split('.');
      if (!payload || !sent || extra !== undefined) return undefined;
      const expected = mac('session', payload);
      const given = Buffer.from(sent, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
      const session = Payload.safeParse(parsed);
      if (!session.success || session.data.expires <= now.getTime() || revoked.has(session.data.nonce)) return undefined;
      return session.data;
    },
    csrfTokenOf,
    revoke(session, now) {
      const nowMs = now.getTime();
      for (const [nonce, expires] of revoked) if (expires <= nowMs) revoked.delete(nonce);
      revoked.set(session.nonce, session.expires);
    },
  };
}

/** Equal-time comparison of the CSRF header against the session's token. */
export function csrfMatches(signer: SessionSigner, session: ConsoleSession, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(signer.csrfTokenOf(session)).digest();
  return timingSafeEqual(a, b);
}
