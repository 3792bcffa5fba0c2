import { expect } from 'vitest';
import type { Alert } from '../../src/detect/alerts.ts';
import { CI_KEY, CI_RUNNER, PEOPLE } from './world.ts';

/**
 * The planted incidents of the day and the alerts each must raise (detector + entity, and who is
 * accountable). One incident can rightly raise several alerts — dave's hour around the gateway is
 * a session without gateway traffic, usage on a credential the gateway does not hold, and a team
 * that stopped logging while its telemetry shows it working. Nothing else may fire.
 */

export interface PlantFacts {
  bypassRequests: number;
  bypassTokens: number;
  webHour10History: number[];
  webHour10: number;
  dataSpendBefore15: number;
  dataSpendBy16: number;
  mlSpend: number;
  mlHistorySpend: number[];
  platformHour11: { requests: number; unlogged: number };
  chatHour15: number[];
  mlBatchUsd: number;
  sharedSessionPeople: string[];
}

export interface PlantedAlert {
  detector: string;
  entity: string;
  team: string;
  identity: string;
  credential?: string;
  /** What was planted, for the report. */
  incident: string;
  check?: (a: Alert) => void;
}

const { alice, dana, carol, omar, dave, erin, frank } = PEOPLE;
const figures = (a: Alert) => a.evidence.figures;

export function plantedAlerts({ ids, facts, frankSso }: { ids: { bypass: string; shared: string; anon: string; ci: string }; facts: PlantFacts; frankSso: string }): PlantedAlert[] {
  return [
    {
      detector: 'cross-source.session-without-gateway', entity: `session:${ids.bypass}`, team: 'team-web', identity: dave.email, credential: dave.accountId,
      incident: 'dave runs Claude Code on his own Console login for an hour (10:03–10:55), around the gateway',
      check: (a) => {
        expect(figures(a)).toMatchObject({ apiRequests: facts.bypassRequests, gatewayRequests: 0, directProviders: ['anthropic'], directProviderTokens: facts.bypassTokens });
        expect(a.impactUsd).toBeGreaterThan(0);
      },
    },
    {
      detector: 'gateway.prompt-log-gap', entity: 'team-web:stopped-logging', team: 'team-web', identity: dave.email,
      incident: 'same hour: team-web\'s gateway volume drops to zero while its telemetry shows the session working',
      check: (a) => expect(figures(a)).toMatchObject({ requests: 0, agentRequests: facts.bypassRequests, windowFrom: a.windowStart.slice(0, 11) + '10:00:00.000Z' }),
    },
    {
      detector: 'billing.unmanaged-key-usage', entity: `anthropic:account:${dave.accountId}`, team: 'team-web', identity: dave.email, credential: `account ${dave.accountId}`,
      incident: 'same hour: Anthropic bills the usage to dave\'s account, a credential no gateway holds',
      check: (a) => expect(figures(a)).toMatchObject({ accountId: dave.accountId, apiKeyId: '' }),
    },
    {
      detector: 'billing.unmanaged-key-usage', entity: `bedrock:${frankSso}`, team: 'team-ml', identity: frank.email, credential: frankSso,
      incident: 'frank calls Bedrock from a notebook with his own SSO role (20:02–20:28)',
      check: (a) => expect(figures(a)).toMatchObject({ provider: 'bedrock', principal: frankSso }),
    },
    {
      detector: 'cross-source.unreconciled-spend', entity: 'ledger:litellm-prod/openai:gpt-4.1-mini-2025-04-14', team: 'team-ml', identity: erin.email, credential: 'openai-ml-batch',
      incident: 'team-ml\'s batch job runs outside the gateway on the gateway\'s OpenAI project for team-ml (02:00)',
      check: (a) => {
        expect(figures(a)).toMatchObject({ loggedTokens: 0, attribution: 'credential team', hoursOverTolerance: ['02:00'], gatewayRequests: 0 });
        expect(a.impactUsd).toBeCloseTo(facts.mlBatchUsd, 1);
      },
    },
    {
      detector: 'billing.spend-above-approved', entity: 'team:team-data:daily-budget', team: 'team-data', identity: carol.email,
      incident: 'carol\'s agent loops with parallel subagents on huge contexts, 15:00–15:58, past team-data\'s $80/day',
      check: (a) => {
        expect(figures(a)).toMatchObject({ finding: 'daily-budget', dailyBudgetUsd: 80, directUsd: 0 });
        expect(Number(figures(a)['daySpendUsd'])).toBeGreaterThan(80);
      },
    },
    {
      detector: 'billing.spend-above-approved', entity: 'team:team-ml:spend-baseline', team: 'team-ml', identity: erin.email,
      incident: 'erin\'s long-context refactor (21:00–23:00) takes team-ml far above its 7-day baseline, no approved budget change',
      check: (a) => expect(figures(a)).toMatchObject({ finding: 'spend-baseline', baselineDays: 7, dailyBudgetUsd: 300 }),
    },
    {
      detector: 'gateway.routing-drift', entity: 'routing:team-data:coding:claude-opus-4-1-20250805', team: 'team-data', identity: carol.email,
      incident: 'carol codes on Opus (11:10–11:30), approved for team-ml only',
      check: (a) => expect(figures(a)['reasons']).toEqual(['unapproved']),
    },
    {
      detector: 'gateway.routing-drift', entity: 'routing:team-platform-eng:coding:claude-haiku-4-5-20251001', team: 'team-platform-eng', identity: alice.email,
      incident: 'Kong silently answers alice\'s Sonnet requests with Haiku (10:40–10:55)',
      check: (a) => expect(figures(a)).toMatchObject({ reasons: ['unapproved', 'fallback'], fallbackFrom: ['claude-sonnet-4-5'], gateways: ['kong'] }),
    },
    {
      detector: 'gateway.routing-drift', entity: 'routing:team-web:chat:claude-haiku-4-5-20251001', team: 'team-web', identity: dave.email,
      incident: 'team-web\'s chat runs on Haiku while the other teams\' chat runs on GPT-5 mini (15:00)',
      check: (a) => expect(figures(a)).toMatchObject({ reasons: ['divergent'], orgModel: 'gpt-5-mini-2025-08-07' }),
    },
    {
      detector: 'gateway.prompt-log-gap', entity: 'team-platform-eng:unlogged-prompts', team: 'team-platform-eng', identity: dana.email, credential: dana.litellm.alias,
      incident: 'a LiteLLM node without prompt storage serves dana\'s 11:00–13:00 session',
      check: (a) => expect(Number(figures(a)['unloggedShare'])).toBeGreaterThan(0.05),
    },
    {
      detector: 'cross-source.tool-scope-drift', entity: 'team-data:mcp:notion', team: 'team-data', identity: omar.email,
      incident: 'omar\'s agent calls the notion MCP server, not approved for team-data',
      check: (a) => expect(figures(a)).toMatchObject({ calls: 3, tools: ['mcp__notion__search'], users: [omar.email] }),
    },
    {
      detector: 'cross-source.identity-switch', entity: `session:${ids.shared}`, team: 'team-platform-eng', identity: alice.email, credential: alice.litellm.alias,
      incident: 'alice\'s session is resumed on carol\'s machine under carol\'s login and key (16:55)',
      check: (a) => expect(figures(a)).toMatchObject({ humans: [alice.email, carol.email], claudeAccounts: 0, gatewayKeys: 2, credentials: [alice.litellm.alias, carol.litellm.alias] }),
    },
    {
      detector: 'cross-source.ownerless-session', entity: `credential:litellm:${CI_KEY.hash}`, team: 'team-platform-eng', identity: dana.email, credential: CI_KEY.alias,
      incident: 'the nightly CI job runs headless Claude Code on a LiteLLM key with no owner and no user (03:01)',
      check: (a) => expect(figures(a)).toMatchObject({ kind: 'credential', keyAlias: CI_KEY.alias }),
    },
    {
      detector: 'cross-source.ownerless-session', entity: `service-principal:entra:${CI_RUNNER.servicePrincipalId}`, team: 'team-platform-eng', identity: dana.email, credential: 'ci-claude-code-runner',
      incident: 'the CI runner\'s workload identity signs in to the gateway app, and its address calls the gateway, with no declared owner',
      check: (a) => expect(Number(figures(a)['gatewayRequests'])).toBeGreaterThan(0),
    },
    {
      detector: 'cross-source.ownerless-session', entity: `session:${ids.anon}`, team: 'team-ml', identity: erin.email, credential: 'ml-shared',
      incident: 'a shared team-ml devbox runs Claude Code on API-key auth and an unowned key (21:05)',
      check: (a) => expect(figures(a)).toMatchObject({ kind: 'session', otelTeam: 'ml' }),
    },
    {
      detector: 'idp.credential-after-offboarding', entity: `user:${omar.email}`, team: 'team-data', identity: omar.email, credential: `install:${omar.installId.slice(0, 12)}`,
      incident: 'Okta deactivates omar at 15:00; Claude Code on his laptop keeps using his LiteLLM key at 19:31',
      check: (a) => expect(figures(a)).toMatchObject({ deactivationEvent: 'user.lifecycle.deactivate', deactivatedBy: 'it-admin@example.com', deactivationIdp: 'okta' }),
    },
    {
      detector: 'idp.unapproved-ai-app', entity: `${erin.email}:okta:0oa9chatgptent00001d7`, team: 'team-ml', identity: erin.email,
      incident: 'erin signs in to ChatGPT Enterprise through Okta SSO',
      check: (a) => expect(figures(a)).toMatchObject({ appName: 'ChatGPT Enterprise', eventTypes: ['user.authentication.sso'] }),
    },
    {
      detector: 'idp.unapproved-ai-app', entity: `${dana.email}:entra:6f1d2c3b-7a8e-4b9c-8d0e-1f2a3b4c5d6e`, team: 'team-platform-eng', identity: dana.email,
      incident: 'dana signs in to Claude for Work through Entra ID',
      check: (a) => expect(figures(a)).toMatchObject({ appName: 'Claude for Work' }),
    },
  ];
}
