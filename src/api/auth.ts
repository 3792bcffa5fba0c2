import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from './env.ts';
import { problem } from './problem.ts';

/**
 * Bearer-token access to /api/: the read token may GET, the write token may do everything.
 *
 * Tokens are compared as SHA-256 digests with timingSafeEqual: digests have equal length whatever
 * was sent, so neither the comparison time nor a length check tells a caller how much of a token
 * was right. An unset token matches nothing (an API without tokens configured refuses everyone).
 */
export interface ApiTokens {
  read?: string | undefined;
  write?: string | undefined;
}

export type Access = 'read' | 'write';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

export function tokenMatcher(tokens: ApiTokens): (presented: string) => Access | undefined {
  const write = tokens.write ? digest(tokens.write) : undefined;
  const read = tokens.read ? digest(tokens.read) : undefined;
  return (presented) => {
    const d = digest(presented);
    // Both comparisons always run, so the time does not reveal which token matched.
    const isWrite = write !== undefined && timingSafeEqual(d, write);
    const isRead = read !== undefined && timingSafeEqual(d, read);
    if (isWrite) return 'write';
    return isRead ? 'read' : undefined;
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** 401 without a valid token, 403 for the read token on anything but a read. Sets `access` and `actor`. */
export function requireToken(tokens: ApiTokens): MiddlewareHandler<ApiEnv> {
  const match = tokenMatcher(tokens);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const access = m?.[1] ? match(m[1]) : undefined;
    if (!access) {
      c.header('WWW-Authenticate', 'Bearer realm="driftwatch"');
      return problem(c, 401, 'UNAUTHORIZED', 'a valid bearer token is required');
    }
    if (access === 'read' && !SAFE_METHODS.has(c.req.method)) {
      return problem(c, 403, 'FORBIDDEN', 'the read token cannot change anything; use the write token');
    }
    c.set('access', access);
    c.set('actor', `token:${access}`);
    await next();
  };
}
