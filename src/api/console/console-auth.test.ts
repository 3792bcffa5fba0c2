import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { ApiEnv } from '../env.ts';
import { analystConsole } from './index.ts';

/**
 * Sign-in and the cookie path of /api/* without a store: the console's middleware and routes on a
 * small app whose /api routes echo who acted. A forged write (cookie, no CSRF token, or from another
 * origin) is refused; the page's own write passes.
 */

const tokens = { read: 'read-token-0123456789abcdef', write: 'write-token-0123456789abcdef' };
const NOW = new Date('2026-11-21T06:00:00Z');
const ORIGIN = 'http://console.test';

function app(secure: 'auto' | 'always' | 'never' = 'auto') {
  const c = analystConsole(tokens, () => NOW, secure);
  const a = new Hono<ApiEnv>();
  a.use('/api/*', c.apiAuth);
  a.route('/', c.routes);
  a.get('/api/thing', (ctx) => ctx.json({ actor: ctx.get('actor') }));
  a.post('/api/thing', (ctx) => ctx.json({ actor: ctx.get('actor') }));
  return a;
}

async function login(a: Hono<ApiEnv>, token: string, origin = ORIGIN, base = ORIGIN) {
  const res = await a.request(`${base}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ token }) });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { res, setCookie, cookie: setCookie.split(';')[0] ?? '', body: (await res.json()) as { access?: string; csrfToken?: string; error?: { code: string } } };
}

describe('console sign-in', () => {
  it('exchanges a token for an HttpOnly, SameSite=Strict cookie without the token in it', async () => {
    const { res, setCookie, body } = await login(app(), tokens.write);
    expect(res.status).toBe(200);
    expect(body.access).toBe('write');
    expect(setCookie).toMatch(/^dw_session=[^;]+; Max-Age=28800; Path=\/; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(tokens.write);
  });

  it('Secure when asked, or when the request came over TLS', async () => {
    expect((await login(app('always'), tokens.read)).setCookie).toContain('; Secure');
    expect((await login(app('auto'), tokens.read, 'https://console.test', 'https://console.test')).setCookie).toContain('; Secure');
    expect((await login(app('never'), tokens.read, 'https://console.test', 'https://console.test')).setCookie).not.toContain('Secure');
  });

  it('a wrong token is 401, a sign-in posted from another origin 403, a bad body 400', async () => {
    expect((await login(app(), 'nope')).res.status).toBe(401);
    const cross = await login(app(), tokens.write, 'https://evil.example');
    expect(cross.res.status).toBe(403);
    expect(cross.setCookie).toBe('');
    const form = await app().request(`${ORIGIN}/console/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: 'token=x' });
    expect(form.status).toBe(403);
    const bad = await app().request(`${ORIGIN}/console/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: ORIGIN }, body: '{"tok":1}' });
    expect(bad.status).toBe(400);
  });
});

describe('/api/* on the session cookie', () => {
  it('reads with the cookie alone; the session endpoint returns the same CSRF token', async () => {
    const a = app();
    const { cookie, body } = await login(a, tokens.read);
    const res = await a.request(`${ORIGIN}/api/thing`, { headers: { cookie } });
    expect(await res.json()).toEqual({ actor: 'console:read' });
    const s = (await (await a.request(`${ORIGIN}/console/session`, { headers: { cookie } })).json()) as { csrfToken: string };
    expect(s.csrfToken).toBe(body.csrfToken);
    expect((await a.request(`${ORIGIN}/console/session`)).status).toBe(401);
  });

  it('a forged write is refused: no CSRF token, a wrong one, or another origin', async () => {
    const a = app();
    const { cookie, body } = await login(a, tokens.write);
    const post = (headers: Record<string, string>) => a.request(`${ORIGIN}/api/thing`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: '{}' });
    const noToken = await post({ origin: ORIGIN });
    expect(noToken.status).toBe(403);
    expect(((await noToken.json()) as { error: { code: string } }).error.code).toBe('CSRF_TOKEN');
    expect((await post({ origin: ORIGIN, 'x-csrf-token': 'guess' })).status).toBe(403);
    const cross = await post({ origin: 'https://evil.example', 'x-csrf-token': body.csrfToken! });
    expect(((await cross.json()) as { error: { code: string } }).error.code).toBe('CSRF_ORIGIN');
    expect((await post({ 'x-csrf-token': body.csrfToken! })).status).toBe(403);
    const valid = await post({ origin: ORIGIN, 'x-csrf-token': body.csrfToken! });
    expect(valid.status).toBe(200);
    expect(await valid.json()).toEqual({ actor: 'console:write' });
  });

  it('a read session cannot write even with its CSRF token', async () => {
    const a = app();
    const { cookie, body } = await login(a, tokens.read);
    const res = await a.request(`${ORIGIN}/api/thing`, { method: 'POST', headers: { cookie, origin: ORIGIN, 'x-csrf-token': body.csrfToken! } });
    expect(res.status).toBe(403);
  });

  it('the bearer token still works, and decides alone when it is sent', async () => {
    const a = app();
    const { cookie } = await login(a, tokens.write);
    expect((await a.request(`${ORIGIN}/api/thing`, { method: 'POST', headers: { authorization: `Bearer ${tokens.write}` } })).status).toBe(200);
    expect((await a.request(`${ORIGIN}/api/thing`, { headers: { cookie, authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await a.request(`${ORIGIN}/api/thing`)).status).toBe(401);
  });

  it('after logout the cookie no longer works', async () => {
    const a = app();
    const { cookie } = await login(a, tokens.write);
    const out = await a.request(`${ORIGIN}/console/logout`, { method: 'POST', headers: { cookie, origin: ORIGIN } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^dw_session=; Max-Age=0/);
    expect((await a.request(`${ORIGIN}/api/thing`, { headers: { cookie } })).status).toBe(401);
  });
});
