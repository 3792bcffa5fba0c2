import { createHash } from 'node:crypto';
import { PEOPLE as FIXTURE_PEOPLE, type Person as FixturePerson } from '../../detectors/_shared/fixtures-logging.ts';

/**
 * The organization of policy.example.yaml as its logs see it: people and their teams, the gateway
 * keys (the ones the policy lists, and the per-person keys LiteLLM stamps with their user), the
 * Kong consumers, Claude accounts, IdP ids, the provider credentials the gateways hold, and the
 * apps people sign in to. Nothing here is read by the detectors directly; it is what the wire
 * records of the planted day are made of.
 */

const hex64 = (seed: string) => createHash('sha256').update(`driftwatch-e2e:${seed}`).digest('hex');
const base62 = (seed: string, n: number) => {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  return [...createHash('sha256').update(seed).digest()].slice(0, n).map((b) => alphabet[b % alphabet.length]).join('');
};
const uuidOf = (seed: string) => {
  const h = hex64(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** A LiteLLM virtual key as the gateway logs it: hash, alias, its internal user and team. */
export interface LiteKey {
  hash: string;
  alias: string;
  /** LiteLLM internal user stamped on every request; null for keys minted without one. */
  user: string | null;
  team: string;
}

export interface KongConsumer {
  consumerId: string;
  credentialId: string;
}

export interface Person extends FixturePerson {
  accountId: string;
  accountUuid: string;
  /** Claude Code install id (OTel user.id). */
  installId: string;
  /** The key Claude Code uses through LiteLLM, and the one the internal chat assistant uses. */
  litellm: LiteKey;
  chat?: LiteKey;
  kongConsumer?: KongConsumer;
  /** How this person's LiteLLM requests are logged, and how their laptop exports telemetry. */
  litellmFormat: 'spend_log' | 'payload';
  telemetry: 'otlp' | 'flat';
  terminal: string;
  ip: string;
  /** Tools this person's agent uses, all approved for the team (policy tools: org-wide ∪ team). */
  tools: readonly string[];
  /** The person's MCP servers are reached through LiteLLM's MCP gateway (each call is a gateway row). */
  mcpViaGateway?: boolean;
}

function key(alias: string, user: string | null, team: string, hash = hex64(alias)): LiteKey {
  return { hash, alias, user, team };
}

const ORG_TOOLS = ['Read', 'Read', 'Edit', 'Edit', 'Bash', 'Grep', 'Glob', 'Write', 'TodoWrite', 'MultiEdit', 'Task', 'mcp__github__get_pull_request', 'mcp__jira__search_issues'];

function person(base: FixturePerson, extra: Omit<Person, keyof FixturePerson | 'accountId' | 'accountUuid' | 'installId' | 'litellm' | 'chat'> & { litellmHash?: string; chat?: boolean }): Person {
  const local = base.email.split('@')[0] as string;
  const { litellmHash, chat, ...rest } = extra;
  return {
    ...base,
    ...rest,
    accountId: local === 'alice' ? 'user_01WCz1FkmYMm4gnmykNKUu3Q' : `user_01${base62(`account:${local}`, 22)}`,
    accountUuid: uuidOf(`account-uuid:${local}`),
    installId: hex64(`install:${local}`),
    litellm: key(`${local.split('.')[0]}-claude-code`, base.email, base.team, litellmHash),
    ...(chat ? { chat: key(`${local.split('.')[0]}-chat`, base.email, base.team) } : {}),
  };
}

const F = FIXTURE_PEOPLE;
const DANA: FixturePerson = {
  email: 'dana.lee@example.com', team: 'team-platform-eng', otelTeam: 'platform', name: 'Dana Lee',
  keyHash: '', keyAlias: '', oktaId: '00u7danaLee00000g7', entraId: '4d6e8f01-7777-4182-ac3d-5e6f708192a3',
};

export const PEOPLE = {
  // Policy keys: alice-claude-code (LiteLLM) and her Kong credential.
  alice: person(F.alice, {
    litellmHash: F.alice.keyHash, chat: true, kongConsumer: { consumerId: F.alice.kong.consumerId, credentialId: F.alice.kong.credentialId },
    litellmFormat: 'spend_log', telemetry: 'otlp', terminal: 'iTerm.app', ip: '10.20.1.17',
    tools: [...ORG_TOOLS, 'mcp__kubernetes__get_pods', 'mcp__pagerduty__list_incidents'],
  }),
  dana: person(DANA, { chat: true, litellmFormat: 'spend_log', telemetry: 'flat', terminal: 'vscode', ip: '10.20.1.31', tools: [...ORG_TOOLS, 'mcp__kubernetes__describe_pod'] }),
  // Policy key carol-claude-code.
  carol: person(F.carol, {
    litellmHash: F.carol.keyHash, chat: true, litellmFormat: 'spend_log', telemetry: 'otlp', terminal: 'iTerm.app', ip: '10.20.2.12', mcpViaGateway: true,
    tools: [...ORG_TOOLS, 'mcp__snowflake__run_query', 'mcp__dbt__compile'],
  }),
  omar: person(F.omar, { chat: true, litellmFormat: 'spend_log', telemetry: 'flat', terminal: 'tmux', ip: '10.20.2.40', tools: [...ORG_TOOLS, 'mcp__snowflake__run_query'] }),
  // dave's Claude Code key is his own; the policy key web-review-bot (owner dave) runs the review bot.
  dave: person(F.dave, {
    chat: true, litellmFormat: 'payload', telemetry: 'otlp', terminal: 'cursor', ip: '10.20.3.8', mcpViaGateway: true,
    tools: [...ORG_TOOLS, 'WebFetch', 'mcp__figma__get_file', 'mcp__playwright__browser_navigate'],
  }),
  // Policy Kong credential 7d0e2a41….
  erin: person(F.erin, {
    kongConsumer: { consumerId: F.erin.kong.consumerId, credentialId: F.erin.kong.credentialId },
    litellmFormat: 'payload', telemetry: 'otlp', terminal: 'vscode', ip: '10.30.0.21',
    tools: [...ORG_TOOLS, 'mcp__huggingface__search_models', 'mcp__wandb__log_run'],
  }),
  frank: person(F.frank, { litellmFormat: 'payload', telemetry: 'otlp', terminal: 'iTerm.app', ip: '10.30.0.34', tools: [...ORG_TOOLS, 'mcp__wandb__log_run'] }),
} satisfies Record<string, Person>;
export type PersonName = keyof typeof PEOPLE;

/** The policy's review-bot key (gatewayKeys: web-review-bot, owner dave, team-web). */
export const REVIEW_BOT_KEY = key('web-review-bot', 'dave.kim@example.com', 'team-web', F.dave.keyHash);
/** Keys nobody in the policy owns, minted without a LiteLLM user (planted). */
export const CI_KEY = key('ci-claude-code', null, 'team-platform-eng');
export const ML_SHARED_KEY = key('ml-shared', null, 'team-ml');

/** Provider credentials the gateways hold (policy credentials). */
export const CREDENTIALS = {
  anthropicLitellm: { api_key_id: 'apikey_01Rj2N8SVvo6BePZj99NhmiT', workspace_id: 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ' },
  anthropicKong: { api_key_id: 'apikey_01H8kQ2vNwXo7cZfTg3LmBpR', workspace_id: null },
  openaiLitellm: { api_key_id: 'key_abc', project_id: 'proj_abc' },
  openaiMlBatch: { api_key_id: 'key_mlbatch7Q', project_id: 'proj_ml7Qk2' },
  bedrockGatewayRole: 'arn:aws:sts::123456789012:assumed-role/litellm-gateway/i-0a1b2c3d4e5f60718',
} as const;

export const MODELS = {
  sonnet: { requested: 'claude-sonnet', served: 'claude-sonnet-4-5-20250929', provider: 'anthropic' },
  sonnetKong: { requested: 'claude-sonnet-4-5', served: 'claude-sonnet-4-5-20250929', provider: 'anthropic' },
  sonnetBedrock: { requested: 'claude-sonnet', served: 'bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0', provider: 'bedrock' },
  opus: { requested: 'claude-opus-4-1', served: 'claude-opus-4-1-20250805', provider: 'anthropic' },
  haiku: { requested: 'claude-haiku-4-5', served: 'claude-haiku-4-5-20251001', provider: 'anthropic' },
  gpt5mini: { requested: 'gpt-5-mini', served: 'gpt-5-mini-2025-08-07', provider: 'openai' },
  reviewSonnet: { requested: 'claude-sonnet-4-5', served: 'claude-sonnet-4-5-20250929', provider: 'anthropic' },
} as const;
/** What the client asked for, what served it and where ('' for MCP tool calls, which have no model). */
export type ModelChoice = { requested: string; served: string; provider: 'anthropic' | 'openai' | 'bedrock' | '' };

/** IdP apps: the approved gateway apps (policy aiApps), everyday non-AI apps, and AI apps nobody approved. */
export const APPS = {
  oktaGateway: { id: '0oa8llmgateway0001d7', name: 'LLM Gateway' },
  entraGateway: { appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c', name: 'LLM Gateway (LiteLLM)' },
  okta: [
    { id: '0oa1salesforce0001d7', name: 'Salesforce' },
    { id: '0oa2slack000000001d7', name: 'Slack' },
    { id: '0oa4github00000001d7', name: 'GitHub Enterprise Cloud' },
    { id: '0oa6atlassian00001d7', name: 'Atlassian Cloud' },
  ],
  entra: [
    { appId: '00000002-0000-0ff1-ce00-000000000000', name: 'Office 365 Exchange Online' },
    { appId: '1fec8e78-bce4-4aaf-ab1b-5451cc387264', name: 'Microsoft Teams' },
  ],
  chatGpt: { id: '0oa9chatgptent00001d7', name: 'ChatGPT Enterprise' },
  claudeForWork: { appId: '6f1d2c3b-7a8e-4b9c-8d0e-1f2a3b4c5d6e', name: 'Claude for Work' },
} as const;

/** The CI runner's workload identity (Entra sample B): an approved AI app with no declared owner. */
export const CI_RUNNER = { servicePrincipalId: '8c1d7d7e-4f3b-4e0c-9d5b-7a0f2e3c1b9a', appId: 'de8bc8b5-d9f9-48b1-a8ad-b748da725064', ip: '20.42.0.15' };

/**
 * The daily budgets policy.example.yaml approves today, per team (world.test.ts holds them to the
 * file). The planner keeps each team's background work well inside them at any message rate, so
 * the only budget a simulated day crosses is the one an incident plants.
 */
export const TEAM_DAILY_BUDGETS: Readonly<Record<string, { usd: number; tokens?: number }>> = {
  'team-platform-eng': { usd: 250 },
  'team-data': { usd: 80 },
  'team-web': { usd: 60 },
  'team-ml': { usd: 300, tokens: 60_000_000 },
};
