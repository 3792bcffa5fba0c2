import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * People whose Claude Code usage Anthropic reports, with no gateway traffic of theirs that day.
 * Anthropic's Claude Code analytics (usage_report/claude_code, formats.md §4c; decoded as
 * provider_usage kind 'claude_code') is the one provider export that names the person: a
 * `user_actor` row carries the e-mail, tokens and estimated cost per model. A person who works
 * through the gateway shows up in its logs (LiteLLM user / key owner, Kong consumer); one who
 * appears only in Anthropic's report used Claude Code on a claude.ai login or an own key, around
 * the gateway's budgets, logging and model policy. Agent telemetry is not needed: this catches
 * the installs that export no OTel at all.
 *
 * Incident window: the report's UTC day (its rows are dated midnight), so re-runs and a late
 * report update the same alert.
 *
 * Reads provider_usage for the report (a row per person, day and model: small) and the gateway's
 * hourly roll-up (0010_rollups.sql: gateway_hourly) for the people it names, with the policy's key
 * owners for gateway rows that carry a key but no e-mail.
 */

interface Row {
  user_email: string;
  day: string;
  tokens: number;
  est_cost_usd: number;
  models: string[];
  sessions: number;
  commits: number;
  pull_requests: number;
  lines_added: number;
  customer_types: string[];
  terminals: string[];
  gateway_requests: number;
  samples: string[];
  team: string;
}

export default defineDetector({
  id: 'cross-source.claude-code-without-gateway',
  title: 'Claude Code usage in Anthropic\'s report with no gateway traffic',
  description:
    'A person Anthropic\'s Claude Code analytics report names (e-mail, tokens, estimated cost per model) who has no ' +
    'gateway request that day: Claude Code was used around the gateway, on a claude.ai login or an own key.',
  severity: 'high',
  audience: 'soc',
  // The report is a daily one, refreshed about an hour after the day ends (formats.md §4).
  schedule: { every: '1d', lookback: '1d', settle: '2h', maxWait: '26h', recheck: '72h' },
  // A lagging gateway pipeline would make everyone look ungoverned, and the report must be in.
  requires: ['billing', 'gateway'],
  controls: {
    owaspAgentic: ['ASI03', 'ASI10'],
    maestro: ['L4', 'L6'],
    nistAiRmf: ['GOVERN 1.6', 'MANAGE 4.1', 'MEASURE 2.7'],
    nistCsf: ['DE.CM-03', 'PR.AA-05'],
  },
  runbook:
    'Confirm the person in the evidence (e-mail, terminal, customer type: "subscription" is a claude.ai seat, "api" a ' +
    'Console login). Check the gateway for traffic under another identity (a shared key whose owner the policy does not ' +
    'list). Ask how Claude Code is configured (ANTHROPIC_BASE_URL, apiKeyHelper, a personal login) and enforce the ' +
    'gateway through managed settings; remove the person from the direct-access organisation if they should not have it.',
  falsePositives: [
    'Gateway logs that name neither the person nor a key the policy says they own (a shared service key): add the key owner to the policy.',
    'Anthropic\'s remote Claude Code sessions (is_remote) run in Anthropic\'s cloud and cannot use a company gateway.',
    'Gateway log ingestion lagging more than maxWait (26 h) behind the report.',
  ],
  params: {
    minTokens: param('UInt64', 1, 'Ignore a person-day with fewer tokens in the report.'),
  },
  // One query evaluates a run of daily windows (src/detect/define-detector.ts, batch); window_end is
  // the end of the window a row belongs to: the windows tile [from, to) (lookback = every).
  batch: true,
  query: sql`
    WITH
      report AS (
        SELECT
          {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, event_time), 0), {every:UInt32}) + 1)) AS window_end,
          user_email,
          min(event_time) AS day,
          sum(uncached_input_tokens + cache_read_tokens + cache_write_tokens + output_tokens) AS tokens,
          round(sum(cost_usd), 4) AS est_cost_usd,
          arraySort(groupUniqArrayIf(model, model != '')) AS models,
          -- the activity row of each person-day (model '') holds the report's productivity figures
          toUInt64(sum(metrics['num_sessions'])) AS sessions,
          toUInt64(sum(metrics['commits'])) AS commits,
          toUInt64(sum(metrics['pull_requests'])) AS pull_requests,
          toUInt64(sum(metrics['lines_added'])) AS lines_added,
          arraySort(groupUniqArrayIf(service_tier, service_tier != '')) AS customer_types,
          arraySort(groupUniqArrayIf(line_item, line_item != '')) AS terminals,
          arraySlice(groupArrayIf(raw, model = '' AND raw != ''), 1, 2) AS samples
        FROM provider_usage
        WHERE provider = 'anthropic' AND kind = 'claude_code' AND user_email != ''
          AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
        GROUP BY window_end, user_email
        HAVING tokens >= {minTokens:UInt64}
      ),
      gateway AS (
        -- the gateway's requests per person and window: by the e-mail it logged, else by the policy's owner of its key
        SELECT window_end, person, sum(requests) AS requests FROM (
          SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, h.hour), 0), {every:UInt32}) + 1)) AS window_end,
                 if(h.user_email != '', h.user_email, lower(k.owner_email)) AS person, h.requests AS requests
          FROM gateway_hourly AS h
          LEFT JOIN policy_gateway_keys AS k ON k.api_key_id = h.api_key_id
          WHERE h.hour >= toStartOfHour({from:DateTime64(3)}) AND h.hour < {to:DateTime64(3)})
        WHERE person IN (SELECT user_email FROM report)
        GROUP BY window_end, person
      ),
      -- memberships with their validity: the team is the latest membership overlapping the window
      members AS (SELECT email, groupArray((valid_from, valid_to, team_id)) AS spans FROM policy_team_members GROUP BY email)
    SELECT
      r.window_end AS window_end, r.user_email AS user_email, r.day AS day, r.tokens AS tokens, r.est_cost_usd AS est_cost_usd,
      r.models AS models, r.sessions AS sessions, r.commits AS commits, r.pull_requests AS pull_requests,
      r.lines_added AS lines_added, r.customer_types AS customer_types, r.terminals AS terminals, r.samples AS samples,
      g.requests AS gateway_requests,
      arrayReverseSort(span -> span.1, arrayFilter(span -> span.1 < r.window_end AND span.2 > r.window_end - toIntervalSecond({lookback:UInt32}), m.spans)) AS spans_in_force,
      if(notEmpty(spans_in_force), spans_in_force[1].3, '') AS team
    FROM report AS r
    LEFT JOIN gateway AS g ON g.window_end = r.window_end AND g.person = r.user_email
    LEFT JOIN members AS m ON m.email = r.user_email
    WHERE g.requests = 0
    ORDER BY window_end, user_email
  `,
  alert(row: Row) {
    const via = row.customer_types.length > 0 ? ` (${row.customer_types.join('/')} account)` : '';
    return {
      entity: `person:${row.user_email}`,
      team: row.team,
      identity: row.user_email,
      credential: '',
      summary: `Anthropic reports Claude Code usage by ${row.user_email}${via} on ${row.day.slice(0, 10)}: ` +
        `${row.tokens.toLocaleString('en-US')} tokens (${row.models.join(', ')}), ~$${row.est_cost_usd.toFixed(2)} estimated, ` +
        `${row.sessions} session(s), with no gateway request of theirs that day.`,
      evidence: {
        figures: {
          day: row.day.slice(0, 10),
          tokens: row.tokens,
          estimatedCostUsd: row.est_cost_usd,
          models: row.models,
          sessions: row.sessions,
          commits: row.commits,
          pullRequests: row.pull_requests,
          linesAdded: row.lines_added,
          customerTypes: row.customer_types,
          terminals: row.terminals,
          gatewayRequests: 0,
        },
        samples: row.samples,
      },
      // Anthropic's estimate (cents → USD, formats.md N2): the spend that escaped gateway budgets.
      impactUsd: row.est_cost_usd > 0 ? row.est_cost_usd : null,
      ...utcDay(row.day),
    };
  },
});
