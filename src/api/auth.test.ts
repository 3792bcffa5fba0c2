import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { requireToken, tokenMatcher } from './auth.ts';
import type { ApiEnv } from './env.ts';

const READ = 'r'.repeat(24);
const WRITE = 'w'.repeat(24);

describe('tokenMatcher', () => {
  const match = tokenMatcher({ read: READ, write: WRITE });
  it('tells the read token from the write token and refuses anything else, whatever its length', () => {
    expect(match(READ)).toBe('read');
    expect(match(WRITE)).toBe('write');
    expect(match('')).toBeUndefined();
    expect(match(READ.slice(1))).toBeUndefined();
    expect(match(`${WRITE}w`)).toBeUndefined();
  });
  it('matches nothing when no token is configured', () => {
    expect(tokenMatcher({})('')).toBeUndefined();
    expect(tokenMatcher({ read: READ })(WRITE)).toBeUndefined();
  });
});

describe('requireToken', () => {
  const app = new Hono<ApiEnv>();
  app.use('*', requireToken({ read: READ, write: WRITE }));
  app.get('/x', (c) => c.text(c.get('actor')));
  app.post('/x', (c) => c.text(c.get('actor')));
  const call = (method: string, token?: string) => app.request('/x', { method, headers: token === undefined ? {} : { Authorization: `Bearer ${token}` } });

  it('401 with a challenge without a token, 403 for the read token on a write, 200 otherwise', async () => {
    const none = await call('GET');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await call('GET', READ)).status).toBe(200);
    expect((await call('POST', READ)).status).toBe(403);
    const write = await call('POST', WRITE);
    expect(write.status).toBe(200);
    expect(await write.text()).toBe('token:write');
  });
});
