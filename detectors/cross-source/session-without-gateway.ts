import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * Agent sessions that talk to a model without the gateway: Claude Code `api_request` telemetry for
 * a session id that no gateway request carries within a tolerance. Claude Code sends its session
 * id as `x-claude-code-session-id` on every model request; LiteLLM logs it as session_id and Kong
 * logs the header (formats.md N6, exact join). No match means the agent went straight to the
 * provider (own key, claude.ai login, Bedrock) or through an unapproved proxy.
 *
 * Corroboration from billing: provider usage booked to the same Claude account id
 * (`user.account_id` = usage_report account_id) or the same person on Bedrock in the window.
 *
 * Incident window: the UTC day the session started (its first api_request ever seen), so a
 * session spanning many hourly runs is one alert, whatever window first saw it.
 */

interface Row {
  session_id: string;
  api_requests: number;
  first_request: string;
  last_request: string;
  tokens: number;
  est_cost_usd: number;
  models: string[];
  user_email: string;
  account_id: string;
  otel_team: string;
  install_id: string;
  terminal: string;
  samples: string[];
  session_start: string;
  direct_tokens: number;
  direct_providers: string[];
  team: string;
}

export default defineDetector({
  id: 'cross-source.session-without-gateway',
  title: 'Agent session with no gateway traffic',
  description:
    'Claude Code sessions whose model requests (OTel api_request events) have no gateway request carrying the same ' +
    'session id within a tolerance: the agent reached a model provider around the gateway. One alert per session.',
  severity: 'high',
  audience: 'soc',
  // settle (15m) exceeds the tolerance (10m), so gateway rows just after the window end have landed.
  schedule: { every: '1h', lookback: '1h', settle: '15m', maxWait: '2h', recheck: '24h' },
  // A lagging gateway pipeline would make every session look ungoverned; wait for it. If the
  // gateway is silent for 2 h (maxWait) the window runs anyway — total bypass is the worst case.
  requires: ['gateway'],
  controls: {
    owaspAgentic: ['ASI03', 'ASI10'],
    maestro: ['L4', 'L5', 'L6'],
    nistAiRmf: ['GOVERN 1.6', 'MANAGE 4.1', 'MEASURE 2.7'],
    nistCsf: ['DE.CM-03', 'PR.PS-04'],
  },
  runbook:
    'Look up the session in the evidence (identity, install id, terminal, models). Check billing corroboration: ' +
    'directTokens on the same Claude account means the requests went to Anthropic directly (personal login or own key); ' +
    'none may mean Bedrock/Vertex or an unapproved proxy. Ask the user how Claude Code is configured (ANTHROPIC_BASE_URL, ' +
    'apiKeyHelper, CLAUDE_CODE_USE_BEDROCK) and enforce the gateway through managed settings. Revoke any personal key ' +
    'found (billing.unmanaged-key-usage names it).',
  falsePositives: [
    'LiteLLM builds without the generic x-*-session-id rule log a random session_id; forward x-claude-code-session-id or upgrade.',
    'A Kong log plugin configured to drop request headers loses the session header.',
    'Gateway log ingestion lagging more than maxWait (2 h) behind the telemetry.',
  ],
  params: {
    toleranceSeconds: param('UInt32', 600, 'Gateway requests this far before/after the window still count for its sessions.'),
    minRequests: param('UInt32', 1, 'Ignore sessions with fewer api_request events in the window.'),
  },
  query: sql`
    WITH
      sessions AS (
        SELECT
          session_id,
          count() AS api_requests,
          min(event_time) AS first_request,
          max(event_time) AS last_request,
          sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS tokens,
          round(sum(cost_usd), 4) AS est_cost_usd,
          groupUniqArray(5)(model) AS models,
          argMaxIf(user_email, event_time, user_email != '') AS user_email,
          argMaxIf(account_id, event_time, account_id != '') AS account_id,
          argMaxIf(team_id, event_time, team_id != '') AS otel_team,
          argMaxIf(user_id, event_time, user_id != '') AS install_id,
          argMaxIf(terminal_type, event_time, terminal_type != '') AS terminal,
          groupArrayIf(3)(raw, raw != '') AS samples
        FROM agent_events
        WHERE event_name = 'api_request' AND session_id != ''
          AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
        GROUP BY session_id
        HAVING api_requests >= {minRequests:UInt32}
      ),
      ungoverned AS (
        SELECT * FROM sessions
        WHERE session_id NOT IN (
          SELECT session_id FROM gateway_requests
          WHERE session_id IN (SELECT session_id FROM sessions)
            AND event_time >= {from:DateTime64(3)} - toIntervalSecond({toleranceSeconds:UInt32})
            AND event_time < {to:DateTime64(3)} + toIntervalSecond({toleranceSeconds:UInt32}))
      ),
      started AS (
        -- agent_events is ordered by session_id: this lookup reads only these sessions' granules.
        SELECT session_id, min(event_time) AS session_start
        FROM agent_events
        WHERE session_id IN (SELECT session_id FROM ungoverned) AND event_name = 'api_request'
        GROUP BY session_id
      ),
      direct AS (
        SELECT if(account_id != '', account_id, user_email) AS who,
               sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS direct_tokens,
               groupUniqArray(provider) AS direct_providers
        FROM provider_usage
        WHERE kind IN ('usage', 'invocation')
          AND (account_id IN (SELECT account_id FROM ungoverned WHERE account_id != '')
               OR user_email IN (SELECT user_email FROM ungoverned WHERE user_email != ''))
          AND event_time >= toStartOfHour({from:DateTime64(3)}) AND event_time < {to:DateTime64(3)}
        GROUP BY who
      ),
      members AS (
        SELECT email, argMax(team_id, valid_from) AS team_id
        FROM policy_team_members
        WHERE valid_from < {to:DateTime64(3)} AND valid_to > {from:DateTime64(3)}
        GROUP BY email
      )
    SELECT
      g.session_id AS session_id, g.api_requests AS api_requests, g.first_request AS first_request,
      g.last_request AS last_request, g.tokens AS tokens, g.est_cost_usd AS est_cost_usd, g.models AS models,
      g.user_email AS user_email, g.account_id AS account_id, g.otel_team AS otel_team,
      g.install_id AS install_id, g.terminal AS terminal, g.samples AS samples,
      s.session_start AS session_start,
      d.direct_tokens AS direct_tokens, d.direct_providers AS direct_providers,
      if(m.team_id != '', m.team_id, t.team_id) AS team
    FROM ungoverned AS g
    LEFT JOIN started AS s ON s.session_id = g.session_id
    LEFT JOIN direct AS d ON d.who = if(g.account_id != '', g.account_id, g.user_email)
    LEFT JOIN members AS m ON m.email = g.user_email
    LEFT JOIN policy_team_aliases AS t ON t.alias = lower(g.otel_team)
    ORDER BY first_request
  `,
  alert(row: Row, ctx) {
    const who = row.user_email || (row.account_id ? `Claude account ${row.account_id}` : `install ${row.install_id.slice(0, 12) || 'unknown'}`);
    const direct = row.direct_tokens > 0
      ? ` Billing shows ${row.direct_tokens.toLocaleString('en-US')} tokens on ${row.direct_providers.join('/')} booked directly to this identity.`
      : '';
    return {
      entity: `session:${row.session_id}`,
      team: row.team,
      identity: row.user_email,
      credential: row.account_id,
      summary: `Claude Code session ${row.session_id} (${who}) made ${row.api_requests} model request(s) ` +
        `(${row.tokens.toLocaleString('en-US')} tokens, ${row.models.join(', ')}) with no gateway request carrying its session id ` +
        `within ±${ctx.params.toleranceSeconds}s.${direct}`,
      evidence: {
        figures: {
          sessionId: row.session_id,
          apiRequests: row.api_requests,
          firstRequest: row.first_request,
          lastRequest: row.last_request,
          tokens: row.tokens,
          estimatedCostUsd: row.est_cost_usd,
          models: row.models,
          accountId: row.account_id,
          otelTeam: row.otel_team,
          installId: row.install_id,
          terminal: row.terminal,
          gatewayRequests: 0,
          directProviderTokens: row.direct_tokens,
          directProviders: row.direct_providers,
        },
        samples: row.samples,
      },
      // Claude Code's client-side estimate (formats.md N2): the spend that escaped gateway budgets.
      impactUsd: row.est_cost_usd > 0 ? row.est_cost_usd : null,
      ...utcDay(row.session_start || row.first_request),
    };
  },
});
