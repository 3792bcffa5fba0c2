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
 *
 * Reads the hourly roll-ups (0010_rollups.sql: agent_hourly, gateway_sessions_hourly, agent_session_starts),
 * so the window is whole hours (the runtime's windows are); raw records only for the flagged sessions.
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
  // One query evaluates a day of windows (src/detect/define-detector.ts, batch); window_end below is
  // the end of the window a row belongs to: the windows tile [from, to) (lookback = every).
  batch: true,
  query: sql`
    WITH
      toIntervalSecond({toleranceSeconds:UInt32}) AS tolerance,
      toUInt32(dateDiff('second', {from:DateTime64(3)}, {to:DateTime64(3)}) / {every:UInt32}) AS windows,
      sessions AS (
        -- model-request sessions per window, from the hourly roll-up (0010_rollups.sql)
        SELECT
          {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour), 0), {every:UInt32}) + 1)) AS window_end,
          session_id,
          sum(events) AS api_requests,
          min(first_at) AS first_request,
          max(last_at) AS last_request,
          sum(tokens) AS tokens,
          round(sum(cost_usd), 4) AS est_cost_usd,
          groupUniqArrayArray(5)(models) AS models,
          argMaxIf(user_email, last_at, user_email != '') AS user_email,
          argMaxIf(account_id, last_at, account_id != '') AS account_id,
          argMaxIf(team_id, last_at, team_id != '') AS otel_team,
          argMaxIf(user_id, last_at, user_id != '') AS install_id,
          argMaxIf(terminal_type, last_at, terminal_type != '') AS terminal
        FROM agent_hourly
        WHERE event_name = 'api_request' AND session_id != ''
          AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
        GROUP BY window_end, session_id
        HAVING api_requests >= {minRequests:UInt32}
      ),
      gateway AS (
        -- (window, session) with a gateway request in [window start - tolerance, window end + tolerance): an hour
        -- bucket at an edge counts by its first/last request time, which is exact for windows of an hour or more
        SELECT DISTINCT window_end, session_id FROM (
          SELECT session_id,
                 {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (k + 1)) AS window_end
          FROM gateway_sessions_hourly
          ARRAY JOIN range(toUInt32(greatest(intDiv(dateDiff('second', {from:DateTime64(3)}, first_at - tolerance), {every:UInt32}), 0)),
                           toUInt32(least(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, last_at + tolerance), 0), {every:UInt32}), windows - 1) + 1)) AS k
          WHERE session_id != ''
            AND hour >= toStartOfHour({from:DateTime64(3)} - tolerance)
            AND hour < {to:DateTime64(3)} + tolerance
            AND last_at >= window_end - toIntervalSecond({lookback:UInt32}) - tolerance
            AND first_at < window_end + tolerance)
      ),
      -- the few ungoverned sessions, computed once: a constant for the primary-key lookups below
      (SELECT groupArray((session_id, api_requests, first_request, last_request, tokens, est_cost_usd, models, user_email,
                          account_id, otel_team, install_id, terminal, window_end))
       FROM sessions WHERE (window_end, session_id) NOT IN (SELECT window_end, session_id FROM gateway)) AS ungoverned,
      arrayDistinct(arrayMap(u -> u.1, ungoverned)) AS ungoverned_ids,
      started AS (
        SELECT session_id, min(first_api_at) AS session_start
        FROM agent_session_starts WHERE has(ungoverned_ids, session_id) GROUP BY session_id
      ),
      samples AS (
        -- agent_events is ordered by session_id: raw is read for these sessions' windows only; the first three
        SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(dateDiff('second', {from:DateTime64(3)}, event_time), {every:UInt32}) + 1)) AS window_end,
               session_id, arrayMap(x -> x.2, groupArraySorted(3)((event_time, raw))) AS samples
        FROM agent_events
        WHERE has(ungoverned_ids, session_id) AND event_name = 'api_request' AND raw != ''
          AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
        GROUP BY window_end, session_id
      ),
      direct AS (
        SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, event_time), 0), {every:UInt32}) + 1)) AS window_end,
               if(account_id != '', account_id, user_email) AS who,
               sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS direct_tokens,
               groupUniqArray(provider) AS direct_providers
        FROM provider_usage
        WHERE kind IN ('usage', 'invocation')
          AND (has(arrayFilter(a -> a != '', arrayMap(u -> u.9, ungoverned)), account_id)
               OR has(arrayFilter(e -> e != '', arrayMap(u -> u.8, ungoverned)), user_email))
          AND event_time >= toStartOfHour({from:DateTime64(3)}) AND event_time < {to:DateTime64(3)}
        GROUP BY window_end, who
      ),
      -- memberships with their validity: the team is the latest membership overlapping the session's window
      members AS (SELECT email, groupArray((valid_from, valid_to, team_id)) AS spans FROM policy_team_members GROUP BY email)
    SELECT
      g.u.13 AS window_end,
      g.u.1 AS session_id, g.u.2 AS api_requests, g.u.3 AS first_request, g.u.4 AS last_request, g.u.5 AS tokens,
      g.u.6 AS est_cost_usd, g.u.7 AS models, g.u.8 AS user_email, g.u.9 AS account_id, g.u.10 AS otel_team,
      g.u.11 AS install_id, g.u.12 AS terminal, x.samples AS samples,
      s.session_start AS session_start,
      d.direct_tokens AS direct_tokens, d.direct_providers AS direct_providers,
      arrayReverseSort(span -> span.1, arrayFilter(span -> span.1 < g.u.13 AND span.2 > g.u.13 - toIntervalSecond({lookback:UInt32}), m.spans)) AS spans_in_force,
      if(notEmpty(spans_in_force), spans_in_force[1].3, t.team_id) AS team
    FROM (SELECT arrayJoin(ungoverned) AS u) AS g
    LEFT JOIN started AS s ON s.session_id = g.u.1
    LEFT JOIN samples AS x ON x.window_end = g.u.13 AND x.session_id = g.u.1
    LEFT JOIN direct AS d ON d.window_end = g.u.13 AND d.who = if(g.u.9 != '', g.u.9, g.u.8)
    LEFT JOIN members AS m ON m.email = g.u.8
    LEFT JOIN policy_team_aliases AS t ON t.alias = lower(g.u.10)
    ORDER BY window_end, first_request
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
