import { describe, expect, it } from 'vitest';
import { SESSION_TTL_MS, csrfMatches, sessionSigner } from './session-cookie.ts';

const tokens = { read: 'read-token-0123456789abcdef', write: 'write-token-0123456789abcdef' };
const NOW = new Date('2026-11-21T06:00:00Z');

describe('console session cookie', () => {
  const signer = sessionSigner(tokens)!;

  it('verifies what it issued, and the cookie carries neither token', () => {
    const { cookie, session } = signer.issue('write', NOW);
    expect(signer.verify(cookie, NOW)).toEqual(session);
    expect(cookie).not.toContain(tokens.write);
    expect(Buffer.from(cookie.split('.')[0]!, 'base64url').toString()).not.toContain(tokens.write);
  });

  it('refuses a tampered payload, a wrong MAC, a cookie from other tokens and an expired one', () => {
    const { cookie } = signer.issue('read', NOW);
    const [payload, mac] = cookie.split('.') as [string, string];
    const forged = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('"read"', '"write"')).toString('base64url');
    expect(signer.verify(`${forged}.${mac}`, NOW)).toBeUndefined();
    expect(signer.verify(`${payload}.${mac.slice(0, -2)}AA`, NOW)).toBeUndefined();
    expect(signer.verify(`${payload}`, NOW)).toBeUndefined();
    expect(sessionSigner({ ...tokens, write: 'another-write-token-0123456789' })!.verify(cookie, NOW)).toBeUndefined();
    expect(signer.verify(cookie, new Date(NOW.getTime() + SESSION_TTL_MS))).toBeUndefined();
    expect(signer.verify(cookie, new Date(NOW.getTime() + SESSION_TTL_MS - 1))).toBeDefined();
  });

  it('a revoked session is refused; another session is not', () => {
    const a = signer.issue('write', NOW);
    const b = signer.issue('write', NOW);
    signer.revoke(a.session, NOW);
    expect(signer.verify(a.cookie, NOW)).toBeUndefined();
    expect(signer.verify(b.cookie, NOW)).toBeDefined();
  });

  it('the CSRF token belongs to its session', () => {
    const a = signer.issue('write', NOW);
    const b = signer.issue('write', NOW);
    expect(csrfMatches(signer, a.session, a.csrfToken)).toBe(true);
    expect(csrfMatches(signer, a.session, b.csrfToken)).toBe(false);
    expect(csrfMatches(signer, a.session, undefined)).toBe(false);
  });

  it('no tokens configured: no sessions at all', () => {
    expect(sessionSigner({})).toBeUndefined();
  });
});
