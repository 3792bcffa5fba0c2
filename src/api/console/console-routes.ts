import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Context } from 'hono';
import { tokenMatcher, type ApiTokens } from '../auth.ts';
import type { ApiEnv } from '../env.ts';
import { jsonResponse } from '../json-response.ts';
import { ProblemSchema, problem, problemResponses } from '../problem.ts';
import { formOriginCheck, sameHost } from './console-auth.ts';
import { SESSION_COOKIE, SESSION_TTL_MS, type SessionSigner } from './session-cookie.ts';

/**
 * Sign-in and sign-out for the console: POST /console/login exchanges an API token for the
 * session cookie (session-cookie.ts), GET /console/session tells the page whether it is signed in
 * and hands it the CSRF token, POST /console/logout ends the session.
 */

export type SecureCookies = 'auto' | 'always' | 'never';

const LoginBody = z.object({ token: z.string().min(1).max(512) }).strict().openapi('ConsoleLogin');
const SessionInfo = z.object({ access: z.enum(['read', 'write']), csrfToken: z.string(), expiresAt: z.string() }).openapi('ConsoleSession');

/** `auto`: Secure when the request came over TLS, directly or through a proxy that says so. */
function secure(mode: SecureCookies, c: Context): boolean {
  if (mode !== 'auto') return mode === 'always';
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

export function consoleRoutes(tokens: ApiTokens, signer: SessionSigner | undefined, now: () => Date, secureCookies: SecureCookies) {
  const app = new OpenAPIHono<ApiEnv>();
  const match = tokenMatcher(tokens);
  app.use('/console/*', formOriginCheck());

  app.openapi(createRoute({
    method: 'post', path: '/console/login', tags: ['console'], summary: 'Exchange an API token for a console session cookie',
    request: { body: { content: { 'application/json': { schema: LoginBody } }, required: true } },
    responses: {
      200: jsonResponse(SessionInfo, 'Signed in; the cookie is set'), 400: problemResponses[400], 401: jsonResponse(ProblemSchema, 'Not a valid token'),
      403: jsonResponse(ProblemSchema, 'Not from this origin'),
    },
  }), async (c) => {
    if (!sameHost(c.req.header('origin'), c)) return problem(c, 403, 'CSRF_ORIGIN', 'sign in from the console page itself');
    const access = match(c.req.valid('json').token);
    if (!access || !signer) return problem(c, 401, 'UNAUTHORIZED', 'that token is not valid');
    const issued = signer.issue(access, now());
    setCookie(c, SESSION_COOKIE, issued.cookie, {
      httpOnly: true, sameSite: 'Strict', secure: secure(secureCookies, c), path: '/', maxAge: Math.floor(SESSION_TTL_MS / 1000),
    });
    return c.json({ access, csrfToken: issued.csrfToken, expiresAt: new Date(issued.session.expires).toISOString() }, 200);
  });

  app.openapi(createRoute({
    method: 'get', path: '/console/session', tags: ['console'], summary: 'The current console session and its CSRF token',
    responses: { 200: jsonResponse(SessionInfo, 'Signed in'), 401: problemResponses[401] },
  }), async (c) => {
    const session = signer?.verify(getCookie(c, SESSION_COOKIE), now());
    if (!session || !signer) return problem(c, 401, 'UNAUTHORIZED', 'not signed in');
    return c.json({ access: session.access, csrfToken: signer.csrfTokenOf(session), expiresAt: new Date(session.expires).toISOString() }, 200);
  });

  app.openapi(createRoute({
    method: 'post', path: '/console/logout', tags: ['console'], summary: 'End the console session',
    responses: { 204: { description: 'Signed out' }, 403: jsonResponse(ProblemSchema, 'Not from this origin') },
  }), async (c) => {
    if (!sameHost(c.req.header('origin'), c)) return problem(c, 403, 'CSRF_ORIGIN', 'sign out from the console page itself');
    const session = signer?.verify(getCookie(c, SESSION_COOKIE), now());
    if (session) signer?.revoke(session, now());
    deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict', secure: secure(secureCookies, c) });
    return c.body(null, 204);
  });
  return app;
}
