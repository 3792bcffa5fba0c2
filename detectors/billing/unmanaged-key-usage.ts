import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * Provider usage (Anthropic / OpenAI usage reports, Bedrock invocation logs) on a credential the
 * policy does not list as gateway-held: a developer's own API key, a personal Console/OAuth login,
 * an SSO role calling Bedrock directly. Everything such a credential does bypasses the gateway's
 * logging, routing and budgets.
 *
 * Matching rule (policy_credentials): a usage row is gateway-held when a credential of the same
 * provider matches on every field it sets — api key, workspace/project/account, principal ARN
 * glob. Anthropic/OpenAI usage without an api key id (Console, Workbench, OAuth logins) is never
 * gateway-held: a gateway always calls with a key.
 *
 * Identity: Bedrock's role session name (the SSO e-mail); for an Anthropic account_id, the
 * Claude Code telemetry that carries the same `user.account_id` (exact when OAuth, formats.md N6).
 * Team: the policy membership of that person at the time, else the OTel team alias.
 *
 * Reads the hourly roll-ups (0010_rollups.sql: provider_hourly, agent_accounts); raw records are read
 * by primary key for the unmanaged credentials' samples only.
 */

interface Row {
  window_end: string;
  provider: string;
  api_key_id: string;
  workspace_id: string;
  account_id: string;
  principal: string;
  day: string;
  first_usage: string;
  last_usage: string;
  uncached_input_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  requests: number;
  cost_usd: number;
  models: string[];
  samples: string[];
  identity: string;
  team: string;
}

export default defineDetector({
  id: 'billing.unmanaged-key-usage',
  title: 'Provider usage on a credential the gateway does not hold',
  description:
    'Provider-side usage (Anthropic/OpenAI usage reports, Bedrock invocation logs) on an API key, workspace/project, ' +
    'account or AWS principal that the policy does not list as gateway-held: direct keys and personal logins that ' +
    'bypass the gateway. One alert per credential and UTC day.',
  severity: 'high',
  audience: 'soc',
  schedule: { every: '1h', lookback: '1h', settle: '15m', maxWait: '12h', recheck: '48h' },
  // Usage reports arrive hours late; the regular run judges an hour only once billing has reported past it.
  requires: ['billing'],
  controls: {
    owaspAgentic: ['ASI03', 'ASI10'],
    maestro: ['L4', 'L6'],
    nistAiRmf: ['GOVERN 1.6', 'MANAGE 4.1'],
    nistCsf: ['ID.AM-02', 'PR.AA-05', 'DE.CM-06'],
  },
  runbook:
    'Identify the credential: Anthropic GET /v1/organizations/api_keys (created_by, workspace) or OpenAI ' +
    'GET /v1/organization/projects/{project}/api_keys (owner); for Bedrock the role session in the ARN. Confirm with the ' +
    'owner (identity field when known) whether the usage is theirs. If the key should be gateway-held, add it to ' +
    'credentials in the policy; otherwise revoke or disable it, and point the user at the gateway (ANTHROPIC_BASE_URL). ' +
    'Check the evidence models and tokens for data-handling exposure.',
  falsePositives: [
    'A new gateway credential rotated in before the policy was updated (add it under credentials).',
    'Usage exports not grouped by api_key_id / project_id: every row then lacks a key and looks unmanaged.',
    'Sanctioned direct use (e.g. a provider evaluation) — list that key in the policy with its own gateway note.',
  ],
  params: {
    minTokens: param('UInt64', 1, 'Ignore a credential-day below this many tokens (all kinds).'),
    identityLookbackDays: param('UInt32', 7, 'How far back agent telemetry is searched to name the owner of an account id.'),
  },
  // One query evaluates a day of windows (src/detect/define-detector.ts, batch); window_end below is
  // the end of the window a row belongs to: the windows tile [from, to) (lookback = every).
  batch: true,
  // A credential's usage only grows as its reports land (a floor of minTokens): looked at as they land — a Bedrock
  // invocation log within a tick, a usage report's late bucket when it arrives — while regular runs wait for billing
  // to report past the window (detectors/README.md).
  early: true,
  query: sql`
    WITH
      arrayMap(k -> {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * k + {lookback:UInt32}),
               range(toUInt32(intDiv(dateDiff('second', {from:DateTime64(3)}, {to:DateTime64(3)}) - {lookback:UInt32}, {every:UInt32}) + 1))) AS window_ends,
      (SELECT groupArray((provider, api_key_id, workspace_id, principal_pattern)) FROM policy_credentials WHERE credential_id != '') AS credentials,
      usage AS (
        -- provider usage per window, credential and day, from the hourly roll-up (0010_rollups.sql)
        SELECT
          {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour), 0), {every:UInt32}) + 1)) AS window_end,
          provider, api_key_id, workspace_id, account_id, principal,
          toStartOfDay(hour) AS day,
          min(first_at) AS first_usage,
          max(last_end) AS last_usage,
          sum(uncached_input_tokens) AS uncached_input_tokens,
          sum(cache_read_tokens) AS cache_read_tokens,
          sum(cache_write_tokens) AS cache_write_tokens,
          sum(output_tokens) AS output_tokens,
          sum(request_count) AS requests,
          round(sum(cost_usd), 4) AS cost_usd,
          groupUniqArray(10)(model) AS models,
          anyIf(user_email, user_email != '') AS principal_email,
          -- the three earliest record pointers: the same whatever order the roll-up is read in
          groupArraySorted(3)(first_record) AS sample_refs
        FROM provider_hourly
        WHERE kind IN ('usage', 'invocation')
          AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
        GROUP BY window_end, provider, api_key_id, workspace_id, account_id, principal, day
        HAVING uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens >= {minTokens:UInt64}
          -- unmanaged: no credential of the provider matches on every field it sets (keyless Anthropic/OpenAI never does)
          AND NOT ((provider = 'bedrock' OR api_key_id != '')
                   AND arrayExists(c -> c.1 = provider AND (c.2 = '' OR c.2 = api_key_id) AND (c.3 = '' OR c.3 = workspace_id)
                                        AND (c.4 = '' OR match(principal, c.4)), credentials))
      ),
      -- the unmanaged credential-windows, computed once: a constant for the lookups below
      (SELECT groupArray((window_end, provider, api_key_id, workspace_id, account_id, principal, day, first_usage, last_usage,
                          uncached_input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, requests, cost_usd, models,
                          principal_email, sample_refs))
       FROM usage) AS flagged,
      unmanaged AS (
        SELECT f.1 AS window_end, f.2 AS provider, f.3 AS api_key_id, f.4 AS workspace_id, f.5 AS account_id, f.6 AS principal, f.7 AS day,
               f.8 AS first_usage, f.9 AS last_usage, f.10 AS uncached_input_tokens, f.11 AS cache_read_tokens, f.12 AS cache_write_tokens,
               f.13 AS output_tokens, f.14 AS requests, f.15 AS cost_usd, f.16 AS models, f.17 AS principal_email, f.18 AS sample_refs
        FROM (SELECT arrayJoin(flagged) AS f)
      ),
      accounts AS (
        -- per window: the account's latest telemetry identity in [window start - identityLookbackDays, window end)
        SELECT window_end, account_id, argMax(user_email, last_at) AS account_email, argMaxIf(team_id, last_at, team_id != '') AS otel_team
        FROM agent_accounts
        ARRAY JOIN arrayFilter(e -> hour >= toStartOfHour(e - toIntervalSecond({lookback:UInt32}) - toIntervalDay({identityLookbackDays:UInt32})) AND hour < e,
                               window_ends) AS window_end
        WHERE has(arrayFilter(a -> a != '', arrayMap(f -> f.5, flagged)), account_id)
          AND user_email != ''
          AND hour >= toStartOfHour({from:DateTime64(3)} - toIntervalDay({identityLookbackDays:UInt32}))
          AND hour < {to:DateTime64(3)}
        GROUP BY window_end, account_id
      ),
      samples AS (
        -- raw records of the unmanaged credentials only, by primary key (provider, api_key_id, event_time), earliest first
        SELECT window_end, provider, api_key_id, workspace_id, account_id, principal, day,
               arrayMap(x -> x.2, arraySort(groupArray((ref, raw)))) AS samples
        FROM (SELECT window_end, provider, api_key_id, workspace_id, account_id, principal, day, ref
              FROM unmanaged ARRAY JOIN sample_refs AS ref) AS f
        INNER JOIN (
          SELECT provider, api_key_id, event_time, source_offset, record_index, any(raw) AS raw FROM provider_usage
          WHERE (provider, api_key_id, event_time, source_offset, record_index) IN (
            SELECT f.2, f.3, r.1, r.2, r.3 FROM (SELECT arrayJoin(flagged) AS f) ARRAY JOIN f.18 AS r)
          GROUP BY provider, api_key_id, event_time, source_offset, record_index
        ) AS r ON r.provider = f.provider AND r.api_key_id = f.api_key_id AND r.event_time = f.ref.1
              AND r.source_offset = f.ref.2 AND r.record_index = f.ref.3
        GROUP BY window_end, provider, api_key_id, workspace_id, account_id, principal, day
      ),
      -- memberships with their validity: the team is the latest membership overlapping the window
      members AS (SELECT email, groupArray((valid_from, valid_to, team_id)) AS spans FROM policy_team_members GROUP BY email)
    SELECT
      u.window_end AS window_end,
      u.provider AS provider, u.api_key_id AS api_key_id, u.workspace_id AS workspace_id,
      u.account_id AS account_id, u.principal AS principal, u.day AS day,
      u.first_usage AS first_usage, u.last_usage AS last_usage,
      u.uncached_input_tokens AS uncached_input_tokens, u.cache_read_tokens AS cache_read_tokens,
      u.cache_write_tokens AS cache_write_tokens, u.output_tokens AS output_tokens,
      u.requests AS requests, u.cost_usd AS cost_usd, u.models AS models, x.samples AS samples,
      if(u.principal_email != '', u.principal_email, a.account_email) AS identity,
      arrayReverseSort(span -> span.1, arrayFilter(span -> span.1 < u.window_end AND span.2 > u.window_end - toIntervalSecond({lookback:UInt32}), m.spans)) AS spans_in_force,
      if(spans_in_force[1].3 != '', spans_in_force[1].3, t.team_id) AS team
    FROM unmanaged AS u
    LEFT JOIN samples AS x ON x.window_end = u.window_end AND x.provider = u.provider AND x.api_key_id = u.api_key_id
                          AND x.workspace_id = u.workspace_id AND x.account_id = u.account_id AND x.principal = u.principal AND x.day = u.day
    LEFT JOIN accounts AS a ON a.window_end = u.window_end AND a.account_id = u.account_id
    LEFT JOIN members AS m ON m.email = if(u.principal_email != '', u.principal_email, a.account_email)
    LEFT JOIN policy_team_aliases AS t ON t.alias = lower(a.otel_team)
    -- ties (keyless credentials of a provider) broken by the remaining key, so a window's alerts come in a fixed order
    ORDER BY window_end, provider, day, api_key_id, principal, workspace_id, account_id
  `,
  alert(row: Row) {
    const credential = row.api_key_id || row.principal || (row.account_id ? `account ${row.account_id}` : `workspace ${row.workspace_id || 'default'}`);
    const entity =
      row.provider === 'bedrock' ? `bedrock:${row.principal}`
      : row.api_key_id ? `${row.provider}:${row.api_key_id}`
      : row.account_id ? `${row.provider}:account:${row.account_id}`
      : `${row.provider}:workspace:${row.workspace_id || 'default'}`;
    const tokens = row.uncached_input_tokens + row.cache_read_tokens + row.cache_write_tokens + row.output_tokens;
    const who = row.identity ? ` by ${row.identity}` : ' (owner unknown: look the credential up at the provider)';
    const where = row.workspace_id ? ` in ${row.provider === 'bedrock' ? 'AWS account' : row.provider === 'openai' ? 'project' : 'workspace'} ${row.workspace_id}` : '';
    return {
      entity,
      team: row.team,
      identity: row.identity,
      credential,
      summary: `${row.provider} usage on ${credential}${where}${who}: ${tokens.toLocaleString('en-US')} tokens on ${row.day.slice(0, 10)} ` +
        `through a credential the policy does not list as gateway-held (${row.models.join(', ') || 'model unknown'}).`,
      evidence: {
        figures: {
          provider: row.provider,
          apiKeyId: row.api_key_id,
          workspaceId: row.workspace_id,
          accountId: row.account_id,
          principal: row.principal,
          firstUsage: row.first_usage,
          lastUsage: row.last_usage,
          uncachedInputTokens: row.uncached_input_tokens,
          cacheReadTokens: row.cache_read_tokens,
          cacheWriteTokens: row.cache_write_tokens,
          outputTokens: row.output_tokens,
          requests: row.requests,
          models: row.models,
        },
        samples: row.samples,
      },
      // Usage reports and Bedrock logs carry no price; only billed cost rows would, and those have no key.
      impactUsd: row.cost_usd > 0 ? row.cost_usd : null,
      ...utcDay(row.day),
    };
  },
});
