import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { requireToken, type ApiTokens } from '../auth.ts';
import type { ApiEnv } from '../env.ts';
import { problem } from '../problem.ts';
import { CSRF_HEADER, SESSION_COOKIE, csrfMatches, type SessionSigner } from './session-cookie.ts';

/**
 * /api/* for both kinds of caller: a bearer token (scripts, the CLI) or the console's session
 * cookie. A request with an Authorization header is judged by the bearer rules alone (auth.ts);
 * otherwise a valid session cookie stands for the token it was issued for. A write on a cookie
 * needs two things a cross-site page cannot supply: an Origin of this host (hono/csrf for form
 * posts, sameHost for the rest) and the session's CSRF token in X-CSRF-Token.
 */

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The origin the browser reports must name this host. Compared by host, not scheme: behind a
 * TLS-terminating proxy the request reaches us as http:// while the page's origin is https://.
 */
export function sameHost(origin: string | undefined, c: Context): boolean {
  if (!origin) return false;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  const forwarded = c.req.header('x-forwarded-host')?.split(',')[0]?.trim();
  const own = forwarded || c.req.header('host') || new URL(c.req.url).host;
  return host === own;
}

/** hono/csrf with the host comparison above, on sign-in and sign-out: refuses cross-site form posts. */
export const formOriginCheck = (): MiddlewareHandler<ApiEnv> => csrf({ origin: (origin, c) => sameHost(origin, c) });

export function bearerOrSession(tokens: ApiTokens, signer: SessionSigner | undefined, now: () => Date): MiddlewareHandler<ApiEnv> {
  const bearer = requireToken(tokens);
  return async (c, next) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    if (c.req.header('authorization') !== undefined || cookie === undefined || !signer) return bearer(c, next);
    const session = signer.verify(cookie, now());
    if (!session) return problem(c, 401, 'UNAUTHORIZED', 'the console session has expired or is not valid; sign in again');
    if (!SAFE_METHODS.has(c.req.method)) {
      // A browser always sends Origin on a cross-origin write and on same-origin fetch POSTs.
      if (!sameHost(c.req.header('origin'), c)) return problem(c, 403, 'CSRF_ORIGIN', 'the request does not come from this console\'s origin');
      if (!csrfMatches(signer, session, c.req.header(CSRF_HEADER))) return problem(c, 403, 'CSRF_TOKEN', 'missing or wrong X-CSRF-Token');
      if (session.access === 'read') return problem(c, 403, 'FORBIDDEN', 'signed in with the read token; sign in with the write token to act');
    }
    c.set('access', session.access);
    c.set('actor', `console:${session.access}`);
    await next();
  };
}
