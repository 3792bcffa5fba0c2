import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { policySchema } from '../../schemas/policy/policy.ts';
import { EXAMPLE_POLICY_FILE } from '../policy/load.ts';
import { exceptionFor, exceptionReason } from './noise.ts';
import { destinationsFor } from './routing.ts';
import { alertFilterSchema, triageActionSchema } from './schemas.ts';

const exc = { id: 'exc-1', detector: 'cross-source.*', entity: 'key:lab-*', reason: 'research lab key', owner: 'ciso@example.com', expires: '2026-10-21' };

describe('noise control and routing', () => {
  it('an exception applies to matching detector + entity until it expires', () => {
    expect(exceptionFor([exc], 'cross-source.gateway-bypass', 'key:lab-1', new Date('2026-10-20T23:59:59Z'))?.id).toBe('exc-1');
    expect(exceptionFor([exc], 'cross-source.gateway-bypass', 'key:lab-1', new Date('2026-10-21T00:00:00Z'))).toBeUndefined();
    expect(exceptionFor([exc], 'billing.spend-over-approved', 'key:lab-1', new Date('2026-10-20T00:00:00Z'))).toBeUndefined();
    expect(exceptionFor([exc], 'cross-source.gateway-bypass', 'key:prod', new Date('2026-10-20T00:00:00Z'))).toBeUndefined();
    expect(exceptionReason(exc)).toBe('exception exc-1: research lab key (owner ciso@example.com, expires 2026-10-21T00:00:00.000Z)');
  });

  it('the policy file validates exceptions: owner, reason, expiry required, ids unique', () => {
    const base = parse(readFileSync(EXAMPLE_POLICY_FILE, 'utf8')) as Record<string, unknown>;
    expect(policySchema.safeParse({ ...base, exceptions: [exc] }).success).toBe(true);
    const bad = policySchema.safeParse({ ...base, exceptions: [exc, { ...exc, owner: 'not-an-email', expires: 'soon' }, { id: 'x', detector: '*', entity: '*' }] });
    expect(bad.success).toBe(false);
    const paths = bad.error?.issues.map((i) => i.path.join('.')) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['exceptions.1.owner', 'exceptions.1.expires', 'exceptions.2.reason', 'exceptions.2.owner', 'exceptions.2.expires']));
  });

  it('routes by detector glob, severity, audience and team; the union of matching routes', () => {
    const routes = [
      { match: { severity: ['critical', 'high'], audience: ['soc'] }, destinations: ['pager', 'slack'] },
      { match: { detector: ['billing.*'] }, destinations: ['finops'] },
      { match: { team: ['team-data'] }, destinations: ['slack', 'hook'] },
    ];
    expect(destinationsFor({ detector: 'idp.mfa', severity: 'high', audience: 'soc', team: 'team-data' }, routes)).toEqual(['pager', 'slack', 'hook']);
    expect(destinationsFor({ detector: 'billing.spend', severity: 'low', audience: 'finops', team: 'x' }, routes)).toEqual(['finops']);
    expect(destinationsFor({ detector: 'idp.mfa', severity: 'low', audience: 'soc', team: 'x' }, routes)).toEqual([]);
  });

  it('edge schemas parse query strings and CLI lists alike, and reject unknown actions', () => {
    expect(alertFilterSchema.parse({ status: 'open,acknowledged', team: ['a', 'b,c'], from: '2026-10-20T00:00:00Z' }))
      .toEqual({ status: ['open', 'acknowledged'], team: ['a', 'b', 'c'], from: new Date('2026-10-20T00:00:00Z') });
    expect(triageActionSchema.parse({ kind: 'snooze', until: '2026-10-21T00:00:00Z' })).toEqual({ kind: 'snooze', until: new Date('2026-10-21T00:00:00Z') });
    expect(triageActionSchema.safeParse({ kind: 'delete' }).success).toBe(false);
    expect(triageActionSchema.safeParse({ kind: 'invalid' }).success).toBe(false);
  });
});
