import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import type { Alert } from '../../src/detect/alerts.ts';
import {
  anthropicUsagePage,
  at,
  bedrockInvocation,
  claudeCodeEvent,
  litellmSpendLog,
  openAiUsagePage,
} from '../_shared/fixtures.ts';
import { sizeMatrix, type OrgSize } from '../_shared/fixtures-sizes.ts';
import detector from './unmanaged-key-usage.ts';

const HOUR = { from: at('14:00'), to: at('15:00') };
const GATEWAY_ANTHROPIC = { api_key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT', workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', account_id: null };
const GATEWAY_OPENAI = { api_key_id: 'key_abc', project_id: 'proj_abc' };
const SSO_ARN = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Developer_0a1b2c3d/alice@example.com';
const GATEWAY_ROLE_ARN = 'arn:aws:sts::123456789012:assumed-role/litellm-gateway/i-0a1b2c3d4e5f';
const ALICE_ACCOUNT = 'user_01WCz1FkmYMm4gnmykNKUu3Q';

/** The evidence an analyst needs: the day as incident window, the figures, a redacted raw record. */
function evidenceOfOneDay(tokens: number) {
  return (a: Alert) => {
    expect(a.windowStart).toBe(at('00:00:00.000'));
    expect(a.windowEnd).toBe(at('00:00:00.000', 1));
    const f = a.evidence.figures;
    expect(Number(f['uncachedInputTokens']) + Number(f['cacheReadTokens']) + Number(f['cacheWriteTokens']) + Number(f['outputTokens'])).toBe(tokens);
    expect(a.evidence.samples?.length).toBeGreaterThan(0);
  };
}

/** Normal governed traffic: the gateway's own credentials at the provider, and its request log. */
const governed = {
  billing: [
    anthropicUsagePage(HOUR.from, [GATEWAY_ANTHROPIC]),
    openAiUsagePage(HOUR.from, [GATEWAY_OPENAI]),
    bedrockInvocation(at('14:20'), { identity: { arn: GATEWAY_ROLE_ARN } }),
  ],
  gateway: [litellmSpendLog(at('14:03:11'))],
};

detectorCases(detector, [
  {
    name: 'fires on a direct key, a personal login, a side-project key and an SSO role calling Bedrock',
    records: {
      billing: [
        ...governed.billing,
        anthropicUsagePage(HOUR.from, [
          { api_key_id: 'apikey_01PrsnlKey7Zq3Xw9Lm2Vb', workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', account_id: null },
          // Claude Code logged in with alice's Console account (no API key): OAuth usage.
          { api_key_id: null, workspace_id: null, account_id: ALICE_ACCOUNT },
        ]),
        openAiUsagePage(HOUR.from, [{ api_key_id: 'key_sideproj9', project_id: 'proj_side1' }]),
        bedrockInvocation(at('14:03:18'), { identity: { arn: SSO_ARN } }),
      ],
      gateway: governed.gateway,
      // The telemetry that names the human behind the Anthropic account id.
      agent: [claudeCodeEvent(at('14:10'), { 'user.account_id': ALICE_ACCOUNT, 'user.email': 'alice@example.com', 'team.id': 'platform' })],
    },
    window: HOUR,
    expect: [
      {
        entity: 'anthropic:apikey_01PrsnlKey7Zq3Xw9Lm2Vb', identity: '', credential: 'apikey_01PrsnlKey7Zq3Xw9Lm2Vb',
        check: (a) => {
          evidenceOfOneDay(19_200 + 1_823_400 + 51_000 + 41_210)(a);
          expect(a.summary).toMatch(/owner unknown/);
          expect(JSON.stringify(a.evidence.samples)).toContain('apikey_01PrsnlKey7Zq3Xw9Lm2Vb');
        },
      },
      { entity: `anthropic:account:${ALICE_ACCOUNT}`, identity: 'alice@example.com', team: 'team-platform-eng' },
      { entity: 'openai:key_sideproj9', team: '', identity: '' },
      { entity: `bedrock:${SSO_ARN}`, identity: 'alice@example.com', team: 'team-platform-eng', credential: SSO_ARN, check: evidenceOfOneDay(390 + 45_100 + 2_400 + 320) },
    ],
  },
  {
    name: 'fires on the gateway key once the policy no longer lists it',
    records: governed,
    window: HOUR,
    policy: (p) => ({ ...p, credentials: p.credentials.filter((c) => c.id !== 'openai-litellm-prod') }),
    expect: [{ entity: 'openai:key_abc', credential: 'key_abc' }],
  },
  {
    name: 'fires on keyless Console usage even in a workspace the gateway holds',
    records: { billing: [anthropicUsagePage(HOUR.from, [{ api_key_id: null, account_id: null, workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ' }])] },
    window: HOUR,
    policy: (p) => ({
      ...p,
      credentials: [...p.credentials, { id: 'anthropic-ws', provider: 'anthropic' as const, workspaceId: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', gateway: 'litellm-prod' }],
    }),
    expect: [{ entity: 'anthropic:workspace:wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ' }],
  },
  {
    name: 'quiet when all usage is on gateway-held keys, projects and roles',
    records: {
      ...governed,
      // Any key inside a project the policy gives to the gateway as a whole.
      billing: [...governed.billing, openAiUsagePage(HOUR.from, [{ api_key_id: 'key_batch2', project_id: 'proj_ml7Qk2' }])],
    },
    window: HOUR,
    expect: 'none',
  },
  {
    name: 'quiet for unmanaged usage outside the window and below the token floor',
    records: {
      billing: [
        anthropicUsagePage(at('13:00'), [{ api_key_id: 'apikey_01PrsnlKey7Zq3Xw9Lm2Vb', workspace_id: null, account_id: null }]),
        openAiUsagePage(HOUR.from, [{ api_key_id: 'key_ping1', project_id: 'proj_side1', input_tokens: 5, input_cached_tokens: 0, input_uncached_tokens: 5, output_tokens: 1 }]),
      ],
    },
    window: HOUR,
    params: { minTokens: 1000 },
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): the size's hour of gateway-held usage (one Bedrock invocation on the
 * gateway's role per 20 active sessions); the planted incident is one developer's own SSO role
 * calling Bedrock once, a sliver of a 2,000-person team's hour and most of a 5-person team's.
 */
function heldHour(size: OrgSize) {
  const calls = Math.max(1, Math.round(size.activeSessions / 20));
  return { billing: Array.from({ length: calls }, (_, i) => bedrockInvocation(new Date(Date.parse(at('14:01')) + i * 5_000).toISOString(), { identity: { arn: GATEWAY_ROLE_ARN } })) };
}

detectorCases(detector, sizeMatrix((size) => [
  {
    name: 'fires on one call on a developer\'s own role among the gateway\'s',
    records: { billing: [...heldHour(size).billing, bedrockInvocation(at('14:30'), { identity: { arn: SSO_ARN } })] },
    window: HOUR,
    expect: [{ entity: `bedrock:${SSO_ARN}`, identity: 'alice@example.com' }],
  },
  { name: 'quiet when every call is on the gateway\'s role', records: heldHour(size), window: HOUR, expect: 'none' },
]));
