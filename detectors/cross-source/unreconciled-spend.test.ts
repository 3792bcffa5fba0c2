import { expect } from 'vitest';
import { detectorCases } from '../../src/detect/cases.ts';
import { anthropicUsagePage, at, bedrockInvocation, openAiUsagePage } from '../_shared/fixtures.ts';
import {
  anthropicResult,
  bedrockTokens,
  fixtureDay,
  kongRequest,
  litellmRequest,
  openAiCostsPage,
  openAiResult,
  tokens,
} from '../_shared/fixtures-finops.ts';
import { openAiKeyPage, openAiProjectKey } from '../_shared/fixtures-keys.ts';
import type { TokenCounts } from '../_shared/model-prices.ts';
import type { Policy } from '../../schemas/policy/policy.ts';
import { MORNING_HOURS, sizeMatrix, type OrgSize } from '../_shared/fixtures-sizes.ts';
import detector from './unreconciled-spend.ts';

const DAY = fixtureDay();
const SONNET = 'claude-sonnet-4-5-20250929';
// Gateway-held credentials of policy.example.yaml.
const ANTHROPIC_LITELLM = { api_key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT', workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ', account_id: null, model: SONNET };
const ANTHROPIC_KONG = { api_key_id: 'apikey_01H8kQ2vNwXo7cZfTg3LmBpR', workspace_id: null, account_id: null, model: SONNET };
const OPENAI_LITELLM = { api_key_id: 'key_abc', project_id: 'proj_abc', model: 'gpt-5-codex' };
const GATEWAY_ROLE_ARN = 'arn:aws:sts::123456789012:assumed-role/litellm-gateway/i-0a1b2c3d4e5f';

// One Claude Code turn with a big cached context: $2.5875 at Sonnet list prices.
const TURN = tokens({ uncached: 100_000, cacheRead: 2_000_000, cacheWrite: 150_000, output: 75_000 });
const SMALL = tokens({ uncached: 20_000, cacheRead: 300_000, output: 5_000 });
const CODEX = tokens({ uncached: 400_000, cacheRead: 600_000, output: 60_000 });
const times = (t: TokenCounts, n: number): TokenCounts => ({ uncached: t.uncached * n, cacheRead: t.cacheRead * n, cacheWrite: t.cacheWrite * n, output: t.output * n });
const plus = (a: TokenCounts, b: TokenCounts): TokenCounts => ({ uncached: a.uncached + b.uncached, cacheRead: a.cacheRead + b.cacheRead, cacheWrite: a.cacheWrite + b.cacheWrite, output: a.output + b.output });
const total = (t: TokenCounts) => t.uncached + t.cacheRead + t.cacheWrite + t.output;

const OPENAI_VIA_LITELLM = { custom_llm_provider: 'openai', model: 'gpt-5-codex', model_group: 'gpt-5-codex', api_base: 'https://api.openai.com/v1', request_tags: ['code-review'] };
const BEDROCK_VIA_LITELLM = { custom_llm_provider: 'bedrock', model: 'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0', api_base: 'https://bedrock-runtime.us-east-1.amazonaws.com' };

/** A day in which every gateway-held credential's bill matches the gateway log (N1 token semantics per source). */
const reconciled = {
  billing: [
    anthropicUsagePage(at('15:00'), [anthropicResult(plus(TURN, SMALL), ANTHROPIC_LITELLM)]),
    anthropicUsagePage(at('14:00'), [anthropicResult(TURN, ANTHROPIC_KONG)]),
    openAiUsagePage(at('10:00'), [openAiResult(times(CODEX, 2), OPENAI_LITELLM)]),
    bedrockInvocation(at('11:00:02'), { identity: { arn: GATEWAY_ROLE_ARN }, ...bedrockTokens(SMALL) }),
    // A personal key: not gateway-held, so not on any ledger (billing.unmanaged-key-usage's business).
    anthropicUsagePage(at('14:00'), [anthropicResult(times(TURN, 5), { ...ANTHROPIC_LITELLM, api_key_id: 'apikey_01PrsnlKey7Zq3Xw9Lm2Vb' })]),
  ],
  gateway: [
    litellmRequest(at('15:05'), 'alice', TURN),
    litellmRequest(at('15:20'), 'carol', SMALL),
    kongRequest(at('14:30'), 'alice', TURN),
    litellmRequest(at('10:05'), 'carol', CODEX, { ...OPENAI_VIA_LITELLM, spend: 1.5 }),
    litellmRequest(at('10:40'), 'carol', CODEX, { ...OPENAI_VIA_LITELLM, spend: 1.5 }),
    litellmRequest(at('11:00'), 'alice', SMALL, BEDROCK_VIA_LITELLM),
  ],
};

/** The reconciled day with two lines over: a billed hour and a billed day's cost. The gateway has logged until 15:20. */
const OVER_BILLED = {
  billing: [
    ...reconciled.billing,
    // 14:00: Anthropic billed two turns on the LiteLLM key; the gateway logged one.
    anthropicUsagePage(at('14:00'), [anthropicResult(times(TURN, 2), ANTHROPIC_LITELLM)]),
    // The OpenAI Costs API books $25 on key_abc for the day; the gateway logged $3.
    openAiCostsPage(at('00:00'), [{ amount: { value: 25, currency: 'usd' }, api_key_id: 'key_abc', project_id: 'proj_abc', line_item: 'gpt-5-codex, input' }]),
  ],
  gateway: [...reconciled.gateway, litellmRequest(at('14:10'), 'alice', TURN)],
};

/** 14:00 billed two turns on the LiteLLM key; the gateway has logged one, at 14:10, and nothing after it yet. */
const GATEWAY_BEHIND = {
  billing: [anthropicUsagePage(at('14:00'), [anthropicResult(times(TURN, 2), ANTHROPIC_LITELLM)])],
  gateway: [litellmRequest(at('10:05'), 'carol', CODEX, { ...OPENAI_VIA_LITELLM, spend: 1.5 }), litellmRequest(at('14:10'), 'alice', TURN)],
};

/** Both gateways route through the LiteLLM Anthropic key: the policy lists it for Kong too. */
const sharedKeyPolicy = (p: Policy): Policy => ({
  ...p,
  credentials: [...p.credentials, { id: 'anthropic-kong-shared', provider: 'anthropic', apiKeyId: ANTHROPIC_LITELLM.api_key_id, workspaceId: ANTHROPIC_LITELLM.workspace_id, gateway: 'kong-prod' }],
});
const SHARED_HOURS = Array.from({ length: 11 }, (_, i) => `${String(9 + i).padStart(2, '0')}:00`);

/**
 * Every hour 09–19: a turn through LiteLLM and one through Kong on the shared key, billed as their sum; 14:00 is billed
 * one turn more (the gap is priced from the hour's billed mix, so the missing turn costs exactly one turn).
 */
const sharedKeyDay = {
  billing: SHARED_HOURS.map((h) => anthropicUsagePage(at(h), [anthropicResult(times(TURN, h === '14:00' ? 3 : 2), ANTHROPIC_LITELLM)])),
  gateway: SHARED_HOURS.flatMap((h) => [litellmRequest(at(h.replace(':00', ':10')), 'alice', TURN), kongRequest(at(h.replace(':00', ':40')), 'alice', TURN)]),
};

detectorCases(detector, [
  {
    name: 'reconciles a key LiteLLM and Kong share against the sum of both gateways: exactly the one hour and the true dollars',
    records: sharedKeyDay,
    window: DAY,
    policy: sharedKeyPolicy,
    expect: [
      {
        entity: `ledger:kong-prod+litellm-prod/anthropic:${SONNET}`,
        team: 'team-platform-eng',
        credential: 'anthropic-kong-shared,anthropic-litellm-prod',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({
            hoursOverTolerance: ['14:00'],
            billedTokens: total(times(TURN, 3)),
            loggedTokens: total(times(TURN, 2)),
            gapTokens: total(TURN),
            billedKeys: [ANTHROPIC_LITELLM.api_key_id],
            gatewayRequests: 2,
          });
          // The missing turn at list price ($2.5875), not the day's Kong traffic.
          expect(a.impactUsd).toBe(2.59);
        },
      },
    ],
  },
  {
    name: 'quiet when a key both gateways share is billed exactly the sum of their logs',
    records: { billing: sharedKeyDay.billing.filter((_, i) => SHARED_HOURS[i] !== '14:00'), gateway: sharedKeyDay.gateway.filter((r) => !JSON.stringify(r).includes(`${at('14:00').slice(0, 13)}`)) },
    window: DAY,
    policy: sharedKeyPolicy,
    expect: 'none',
  },
  {
    name: 'fires on billed tokens the gateway never logged, and on billed cost above the logged cost, charged to the largest consumer',
    records: OVER_BILLED,
    window: DAY,
    expect: [
      {
        entity: `ledger:litellm-prod/anthropic:${SONNET}`,
        team: 'team-platform-eng',
        identity: 'dana.lee@example.com',
        credential: 'anthropic-litellm-prod',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({
            hoursOverTolerance: ['14:00'],
            billedTokens: 2 * total(TURN),
            loggedTokens: total(TURN),
            gapTokens: total(TURN),
            billedKeys: ['apikey_01Rj2N8SVvo6BePZj99NhmiT'],
            gatewayRequests: 1,
            pricing: 'list price',
            attribution: 'largest gateway consumer (chargeback)',
          });
          // Half of two turns unexplained: one turn at list price.
          expect(a.impactUsd).toBe(2.59);
          expect(a.windowStart).toBe(at('00:00:00.000'));
          expect(JSON.stringify(a.evidence.samples)).toContain('apikey_01Rj2N8SVvo6BePZj99NhmiT');
          expect(a.summary).toMatch(/\$2\.59 unexplained/);
        },
      },
      {
        entity: 'ledger:litellm-prod/openai:*',
        team: 'team-data',
        identity: 'carol.nguyen@example.com',
        credential: 'openai-litellm-prod',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ measure: 'cost', billedUsd: 25, loggedUsd: 3, unexplainedUsd: 22, gatewayRequests: 2, pricing: 'billed cost' });
          expect(a.impactUsd).toBe(22);
        },
      },
    ],
  },
  {
    // Early look at the open day: the gateway has logged until 15:20, so the 14:00 hour is judged as its usage report
    // lands; the day's OpenAI cost waits for the gateway to log past the day's end.
    name: 'early: judges an hour the gateway has logged past, and leaves the day\'s billed cost for the end of the day',
    early: true,
    records: OVER_BILLED,
    window: DAY,
    expect: [{ entity: `ledger:litellm-prod/anthropic:${SONNET}`, check: (a) => expect(a.evidence.figures).toMatchObject({ hoursOverTolerance: ['14:00'], gapTokens: total(TURN) }) }],
  },
  {
    // The gateway's log stops at 14:10 (a backlog being read): the 14:00 hour's gap may be rows not ingested yet.
    name: 'early: quiet on an hour the gateway has not logged past yet',
    early: true,
    records: GATEWAY_BEHIND,
    window: DAY,
    expect: 'none',
  },
  {
    name: 'the same records judged after the day: the hour is over tolerance',
    records: GATEWAY_BEHIND,
    window: DAY,
    expect: [{ entity: `ledger:litellm-prod/anthropic:${SONNET}`, check: (a) => expect(a.evidence.figures).toMatchObject({ hoursOverTolerance: ['14:00'], gapTokens: total(TURN) }) }],
  },
  {
    name: 'fires on a team-dedicated gateway credential with no gateway traffic at all, naming that team',
    records: {
      billing: [openAiUsagePage(at('09:00'), [openAiResult(tokens({ uncached: 2_000_000, output: 500_000 }), { api_key_id: 'key_batch2', project_id: 'proj_ml7Qk2', model: 'gpt-5-mini' })])],
      gateway: reconciled.gateway,
    },
    window: DAY,
    expect: [
      {
        entity: 'ledger:litellm-prod/openai:gpt-5-mini',
        team: 'team-ml',
        identity: 'erin.walsh@example.com',
        credential: 'openai-ml-batch',
        check: (a) => {
          expect(a.evidence.figures).toMatchObject({ loggedTokens: 0, gapTokens: 2_500_000, attribution: 'credential team', hoursOverTolerance: ['09:00'] });
          expect(a.impactUsd).toBe(1.5);
        },
      },
    ],
  },
  {
    // OpenAI usage grouped by key only (no project_id): the key inventory says key_mlBatch01 is in proj_ml7Qk2, which the
    // project-only credential openai-ml-batch holds (provider_key_credentials); without the inventory nothing claims the row.
    name: 'maps a usage row without its project to a project-only credential through the key inventory, naming the key by its hint',
    records: {
      billing: [
        openAiKeyPage('proj_ml7Qk2', [openAiProjectKey({ id: 'key_mlBatch01', name: 'batch', createdAt: at('00:00', -30), serviceAccount: 'ml-batch' })]),
        openAiUsagePage(at('09:00'), [openAiResult(tokens({ uncached: 2_000_000, output: 500_000 }), { api_key_id: 'key_mlBatch01', project_id: null, model: 'gpt-5-mini' })]),
      ],
      gateway: reconciled.gateway,
    },
    window: DAY,
    expect: [{
      entity: 'ledger:litellm-prod/openai:gpt-5-mini', team: 'team-ml', credential: 'openai-ml-batch',
      check: (a) => expect(a.evidence.figures).toMatchObject({ billedKeys: ['key_mlBatch01'], billedKeyHints: ['sk-proj-****ch01'], gapTokens: 2_500_000 }),
    }],
  },
  {
    name: 'quiet for a usage row without its project when no key inventory places its key',
    records: {
      billing: [openAiUsagePage(at('09:00'), [openAiResult(tokens({ uncached: 2_000_000, output: 500_000 }), { api_key_id: 'key_mlBatch01', project_id: null, model: 'gpt-5-mini' })])],
      gateway: reconciled.gateway,
    },
    window: DAY,
    expect: 'none',
  },
  {
    name: 'quiet when bill and gateway log agree across LiteLLM, Kong and Bedrock, and for keys the gateway does not hold',
    records: reconciled,
    window: DAY,
    expect: 'none',
  },
  {
    name: 'quiet within the tolerance, below the token floor, when the gateway logged more (cache hits), and outside the day',
    records: {
      billing: [
        // 3 % above the log: within the 5 % tolerance.
        anthropicUsagePage(at('09:00'), [anthropicResult(tokens({ uncached: 103_000, cacheRead: 2_000_000, cacheWrite: 150_000, output: 75_000 }), ANTHROPIC_LITELLM)]),
        // 60 k tokens unexplained: below minGapTokens.
        anthropicUsagePage(at('10:00'), [anthropicResult(tokens({ uncached: 80_000, cacheRead: 300_000, output: 5_000 }), ANTHROPIC_LITELLM)]),
        // Billed less than logged: a gateway cache hit is logged but never billed.
        openAiUsagePage(at('10:00'), [openAiResult(CODEX, OPENAI_LITELLM)]),
        // A real gap, but the next day.
        anthropicUsagePage(at('14:00', 1), [anthropicResult(times(TURN, 3), ANTHROPIC_LITELLM)]),
        openAiCostsPage(at('00:00'), [{ amount: { value: 3.1, currency: 'usd' }, api_key_id: 'key_abc', project_id: 'proj_abc' }]),
      ],
      gateway: [
        litellmRequest(at('09:10'), 'alice', TURN),
        litellmRequest(at('10:10'), 'alice', SMALL),
        litellmRequest(at('10:05'), 'carol', CODEX, { ...OPENAI_VIA_LITELLM, spend: 1.5 }),
        litellmRequest(at('10:06'), 'carol', CODEX, { ...OPENAI_VIA_LITELLM, spend: 1.5, cache_hit: 'True' }),
      ],
    },
    window: DAY,
    expect: 'none',
  },
]);

/**
 * The size matrix (issue 14): a working morning on the LiteLLM Anthropic key, each hour one
 * gateway request carrying the size's traffic (an ordinary day ≈ size.dailyUsd; the ledger compares
 * totals, so one record an hour is the same ledger as many). The planted incident: the 14:00 hour is
 * billed twice over — an hour of the team's traffic made with the gateway's key around the gateway.
 * Quiet: every hour billed 3 % above the log (within the tolerance).
 */
function sizedLedger(size: OrgSize, billedRatio: (hour: string) => number) {
  const perHour = times(SMALL, Math.max(1, Math.round(size.dailyUsd / MORNING_HOURS.length / 0.2175)));
  const scaled = (r: number): TokenCounts => ({ ...perHour, uncached: Math.round(perHour.uncached * r), cacheRead: Math.round(perHour.cacheRead * r), output: Math.round(perHour.output * r) });
  return {
    billing: MORNING_HOURS.map((h) => anthropicUsagePage(at(h), [anthropicResult(scaled(billedRatio(h)), ANTHROPIC_LITELLM)])),
    gateway: MORNING_HOURS.map((h) => litellmRequest(at(h.replace(':00', ':20')), 'alice', perHour)),
  };
}

detectorCases(detector, sizeMatrix((size) => [
  {
    name: 'fires on an hour of traffic billed on the gateway key but never logged',
    records: sizedLedger(size, (h) => (h === '14:00' ? 2 : 1)),
    window: DAY,
    expect: [{
      entity: `ledger:litellm-prod/anthropic:${SONNET}`,
      team: 'team-platform-eng',
      check: (a) => {
        expect(a.evidence.figures['hoursOverTolerance']).toEqual(['14:00']);
        // The hour was billed twice what the gateway logged: the gap is exactly one hour's traffic.
        expect(a.evidence.figures['gapTokens']).toBe(a.evidence.figures['loggedTokens']);
        expect(a.impactUsd).toBeGreaterThan(0.1);
      },
    }],
  },
  {
    name: 'quiet when every hour is billed within the tolerance of the log',
    records: sizedLedger(size, () => 1.03),
    window: DAY,
    expect: 'none',
  },
]));
