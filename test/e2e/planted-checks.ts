import { expect } from 'vitest';
import type { Alert } from '../../src/detect/alerts.ts';
import type { PlantFacts } from '../../src/simulate/planted.ts';
import { CI_KEY, PEOPLE } from '../../src/simulate/world.ts';
import { boundaryChecks } from './planted-boundary-checks.ts';

/**
 * How each planted alert's evidence must look, keyed by the planted alert's id (the ground truth
 * itself is product code, src/simulate/planted.ts; these assertions stay with the test).
 */

const { alice, carol, omar, dave } = PEOPLE;
const figures = (a: Alert) => a.evidence.figures;

export function plantedChecks(facts: PlantFacts, frankSso: string): Record<string, (a: Alert) => void> {
  return {
    'bypass-session': (a) => {
      expect(figures(a)).toMatchObject({ apiRequests: facts.bypassRequests, gatewayRequests: 0, directProviders: ['anthropic'], directProviderTokens: facts.bypassTokens });
      expect(a.impactUsd).toBeGreaterThan(0);
    },
    'bypass-stopped-logging': (a) => expect(figures(a)).toMatchObject({ requests: 0, agentRequests: facts.bypassRequests, windowFrom: a.windowStart.slice(0, 11) + '10:00:00.000Z' }),
    'bypass-account': (a) => expect(figures(a)).toMatchObject({ accountId: dave.accountId, apiKeyId: '' }),
    'frank-bedrock': (a) => expect(figures(a)).toMatchObject({ provider: 'bedrock', principal: frankSso }),
    'ml-batch': (a) => {
      expect(figures(a)).toMatchObject({ loggedTokens: 0, attribution: 'credential team', hoursOverTolerance: ['02:00'], gatewayRequests: 0 });
      expect(a.impactUsd).toBeCloseTo(facts.mlBatchUsd, 1);
    },
    'data-budget': (a) => {
      expect(figures(a)).toMatchObject({ finding: 'daily-budget', dailyBudgetUsd: 80, directUsd: 0 });
      expect(Number(figures(a)['daySpendUsd'])).toBeGreaterThan(80);
    },
    'ml-baseline': (a) => expect(figures(a)).toMatchObject({ finding: 'spend-baseline', baselineDays: 7, dailyBudgetUsd: 300 }),
    'carol-opus': (a) => expect(figures(a)['reasons']).toEqual(['unapproved']),
    'kong-fallback': (a) => expect(figures(a)).toMatchObject({ reasons: ['unapproved', 'fallback'], fallbackFrom: ['claude-sonnet-4-5'], gateways: ['kong'] }),
    'web-chat-haiku': (a) => expect(figures(a)).toMatchObject({ reasons: ['divergent'], orgModel: 'gpt-5-mini-2025-08-07' }),
    'dana-unlogged': (a) => expect(Number(figures(a)['unloggedShare'])).toBeGreaterThan(0.05),
    'omar-notion': (a) => expect(figures(a)).toMatchObject({ calls: 3, tools: ['mcp__notion__search'], users: [omar.email] }),
    'shared-session': (a) => expect(figures(a)).toMatchObject({ humans: [alice.email, carol.email], claudeAccounts: 0, gatewayKeys: 2, credentials: [alice.litellm.alias, carol.litellm.alias] }),
    'ci-key': (a) => expect(figures(a)).toMatchObject({ kind: 'credential', keyAlias: CI_KEY.alias }),
    'ci-runner': (a) => expect(Number(figures(a)['gatewayRequests'])).toBeGreaterThan(0),
    'anon-devbox': (a) => expect(figures(a)).toMatchObject({ kind: 'session', otelTeam: 'ml' }),
    'omar-leaver': (a) => expect(figures(a)).toMatchObject({ deactivationEvent: 'user.lifecycle.deactivate', deactivatedBy: 'it-admin@example.com', deactivationIdp: 'okta' }),
    'erin-chatgpt': (a) => expect(figures(a)).toMatchObject({ appName: 'ChatGPT Enterprise', eventTypes: ['user.authentication.sso'] }),
    'dana-claude-for-work': (a) => expect(figures(a)).toMatchObject({ appName: 'Claude for Work' }),
    ...boundaryChecks(),
    'ci-static-secret': (a) => expect(figures(a)).toMatchObject({ kind: 'static_secret', signIns: 1, methods: ['client_secret'], allowed: ['federated', 'managed_identity'] }),
    'frank-old-key': (a) => expect(figures(a)).toMatchObject({ kind: 'key_age', ageDays: 90, maxAgeDays: 90, rotated: false, keyName: 'frank notebook' }),
    'carol-opus-enforcement': (a) => expect(figures(a)).toMatchObject({ kind: 'model', refusedBy: 'team', model: 'claude-opus-4-1-20250805', keys: ['carol-claude-code'] }),
    'data-budget-enforcement': (a) => {
      expect(figures(a)).toMatchObject({ kind: 'budget', budgetUsd: 80, crossedHour: `${a.windowStart.slice(0, 10)} 15:00:00` });
      expect(Number(figures(a)['requestsAfter'])).toBeGreaterThan(0);
    },
  };
}
