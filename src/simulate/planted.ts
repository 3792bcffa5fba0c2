import { CI_KEY, CI_RUNNER, PEOPLE } from './world.ts';
import { credentialAndEnforcementAlerts } from './planted-credentials.ts';

/**
 * The planted incidents of the day and the alerts each must raise (detector + entity, and who is
 * accountable): the ground truth a run is scored against. One incident can rightly raise several
 * alerts — dave's hour around the gateway is a session without gateway traffic, usage on a
 * credential the gateway does not hold, and a team that stopped logging while its telemetry shows
 * it working. Nothing else may fire. How each alert's evidence must look is test code
 * (test/e2e/planted-checks.ts), keyed by `id`.
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
  /** Stable name of the planted alert within its scenario (evidence checks are keyed by it). */
  id: string;
  /** When the incident starts, in simulated time (epoch ms). */
  plantedAt: number;
}

const { alice, dana, carol, omar, dave, erin, frank } = PEOPLE;

export function plantedAlerts({ ids, frankSso, at }: { ids: { bypass: string; shared: string; anon: string; ci: string }; frankSso: string; at: (hhmm: string) => number }): PlantedAlert[] {
  return [
    {
      id: 'bypass-session', plantedAt: at('10:03'),
      detector: 'cross-source.session-without-gateway', entity: `session:${ids.bypass}`, team: 'team-web', identity: dave.email, credential: dave.accountId,
      incident: 'dave runs Claude Code on his own Console login for an hour (10:03–10:55), around the gateway',
    },
    {
      id: 'bypass-stopped-logging', plantedAt: at('10:03'),
      detector: 'gateway.prompt-log-gap', entity: 'team-web:stopped-logging', team: 'team-web', identity: dave.email,
      incident: 'same hour: team-web\'s gateway volume drops to zero while its telemetry shows the session working',
    },
    {
      id: 'bypass-account', plantedAt: at('10:03'),
      detector: 'billing.unmanaged-key-usage', entity: `anthropic:account:${dave.accountId}`, team: 'team-web', identity: dave.email, credential: `account ${dave.accountId}`,
      incident: 'same hour: Anthropic bills the usage to dave\'s account, a credential no gateway holds',
    },
    {
      id: 'frank-bedrock', plantedAt: at('20:02'),
      detector: 'billing.unmanaged-key-usage', entity: `bedrock:${frankSso}`, team: 'team-ml', identity: frank.email, credential: frankSso,
      incident: 'frank calls Bedrock from a notebook with his own SSO role (20:02–20:28)',
    },
    {
      id: 'ml-batch', plantedAt: at('02:00'),
      detector: 'cross-source.unreconciled-spend', entity: 'ledger:litellm-prod/openai:gpt-4.1-mini-2025-04-14', team: 'team-ml', identity: erin.email, credential: 'openai-ml-batch',
      incident: 'team-ml\'s batch job runs outside the gateway on the gateway\'s OpenAI project for team-ml (02:00)',
    },
    {
      id: 'data-budget', plantedAt: at('15:00'),
      detector: 'billing.spend-above-approved', entity: 'team:team-data:daily-budget', team: 'team-data', identity: carol.email,
      incident: 'carol\'s agent loops with parallel subagents on huge contexts, 15:00–15:58, past team-data\'s $80/day',
    },
    {
      id: 'ml-baseline', plantedAt: at('21:00'),
      detector: 'billing.spend-above-approved', entity: 'team:team-ml:spend-baseline', team: 'team-ml', identity: erin.email,
      incident: 'erin\'s long-context refactor (21:00–23:00) takes team-ml far above its 7-day baseline, no approved budget change',
    },
    {
      id: 'carol-opus', plantedAt: at('11:10'),
      detector: 'gateway.routing-drift', entity: 'routing:team-data:coding:claude-opus-4-1-20250805', team: 'team-data', identity: carol.email,
      incident: 'carol codes on Opus (11:10–11:30), approved for team-ml only',
    },
    {
      id: 'kong-fallback', plantedAt: at('10:40'),
      detector: 'gateway.routing-drift', entity: 'routing:team-platform-eng:coding:claude-haiku-4-5-20251001', team: 'team-platform-eng', identity: alice.email,
      incident: 'Kong silently answers alice\'s Sonnet requests with Haiku (10:40–10:55)',
    },
    {
      id: 'web-chat-haiku', plantedAt: at('15:00'),
      detector: 'gateway.routing-drift', entity: 'routing:team-web:chat:claude-haiku-4-5-20251001', team: 'team-web', identity: dave.email,
      incident: 'team-web\'s chat runs on Haiku while the other teams\' chat runs on GPT-5 mini (15:00)',
    },
    {
      id: 'dana-unlogged', plantedAt: at('11:00'),
      detector: 'gateway.prompt-log-gap', entity: 'team-platform-eng:unlogged-prompts', team: 'team-platform-eng', identity: dana.email, credential: dana.litellm.alias,
      incident: 'a LiteLLM node without prompt storage serves dana\'s 11:00–13:00 session',
    },
    {
      id: 'omar-notion', plantedAt: at('08:00'),
      detector: 'cross-source.tool-scope-drift', entity: 'team-data:mcp:notion', team: 'team-data', identity: omar.email,
      incident: 'omar\'s agent calls the notion MCP server, not approved for team-data',
    },
    {
      id: 'shared-session', plantedAt: at('16:55'),
      detector: 'cross-source.identity-switch', entity: `session:${ids.shared}`, team: 'team-platform-eng', identity: alice.email, credential: alice.litellm.alias,
      incident: 'alice\'s session is resumed on carol\'s machine under carol\'s login and key (16:55)',
    },
    {
      id: 'ci-key', plantedAt: at('03:01'),
      detector: 'cross-source.ownerless-session', entity: `credential:litellm:${CI_KEY.hash}`, team: 'team-platform-eng', identity: dana.email, credential: CI_KEY.alias,
      incident: 'the nightly CI job runs headless Claude Code on a LiteLLM key with no owner and no user (03:01)',
    },
    {
      id: 'ci-runner', plantedAt: at('03:00'),
      detector: 'cross-source.ownerless-session', entity: `service-principal:entra:${CI_RUNNER.servicePrincipalId}`, team: 'team-platform-eng', identity: dana.email, credential: 'ci-claude-code-runner',
      incident: 'the CI runner\'s workload identity signs in to the gateway app, and its address calls the gateway, with no declared owner',
    },
    {
      id: 'anon-devbox', plantedAt: at('21:05'),
      detector: 'cross-source.ownerless-session', entity: `session:${ids.anon}`, team: 'team-ml', identity: erin.email, credential: 'ml-shared',
      incident: 'a shared team-ml devbox runs Claude Code on API-key auth and an unowned key (21:05)',
    },
    {
      id: 'omar-leaver', plantedAt: at('19:31'),
      detector: 'idp.credential-after-offboarding', entity: `user:${omar.email}`, team: 'team-data', identity: omar.email, credential: `install:${omar.installId.slice(0, 12)}`,
      incident: 'Okta deactivates omar at 15:00; Claude Code on his laptop keeps using his LiteLLM key at 19:31',
    },
    {
      id: 'erin-chatgpt', plantedAt: at('13:10'),
      detector: 'idp.unapproved-ai-app', entity: `${erin.email}:okta:0oa9chatgptent00001d7`, team: 'team-ml', identity: erin.email,
      incident: 'erin signs in to ChatGPT Enterprise through Okta SSO',
    },
    {
      id: 'dana-claude-for-work', plantedAt: at('09:40'),
      detector: 'idp.unapproved-ai-app', entity: `${dana.email}:entra:6f1d2c3b-7a8e-4b9c-8d0e-1f2a3b4c5d6e`, team: 'team-platform-eng', identity: dana.email,
      incident: 'dana signs in to Claude for Work through Entra ID',
    },
    ...credentialAndEnforcementAlerts(at),
  ];
}
