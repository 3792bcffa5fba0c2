import { z } from 'zod';
import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';
import { ledgerFindings, type LedgerRow as Row } from '../_shared/ledger-findings.ts';

/**
 * The gateway-vs-bill ledger. For every provider credential the policy lists as gateway-held, the
 * provider's own usage (Anthropic / OpenAI usage reports, Bedrock invocation logs) is compared
 * with what the gateway logged for the same credential, model and hour (formats.md N6 "Gateway ↔
 * provider usage", aggregate join). Billed tokens beyond the gateway's log are calls made with a
 * gateway key but not through the gateway (a copied key, a side deployment) or requests the gateway
 * failed to log. Daily billed amounts (OpenAI Costs API per key, Anthropic cost_report for a
 * workspace-only credential) are compared with the gateway's logged cost the same way.
 *
 * Ledger account: the policy has no deployment → credential map (LiteLLM model_id / api_base, Kong
 * route / service), so gateway requests are matched to credentials by (gateway kind, provider): one
 * account = all credentials the approved gateways of that kind hold for that provider. With one
 * credential per gateway and provider — the usual setup — that is exactly "per key". When gateways
 * of both kinds hold the same provider key (LiteLLM and Kong routing through one Anthropic key), the
 * key's bill is the sum of both gateways' logs, so their accounts for that provider are one: billed
 * against the SUM of every gateway that holds the key (issue 14 part 2; matching the bill to one
 * gateway's log flagged every hour the other gateway carried traffic).
 * Tokens are compared as totals of the four canonical kinds (N1) because Kong cannot split cache
 * writes; the gap is priced proportionally from the billed mix with the list prices in
 * _shared/model-prices.ts (usage reports carry no cost).
 *
 * Provider key inventory (provider_keys, formats.md §3/§4 key lists): the view provider_key_credentials
 * resolves each credential to the keys it holds, so a usage row billed on an inventory key of a
 * workspace-only credential is that credential's even when the report does not group by workspace /
 * project, and the evidence names each billed key by its hint (sk-ant-api03-01R...hmiT, the form the
 * provider's console and the gateway's config show), never the key.
 *
 * Accountable team: the credential's dedicated team if it has one, else the largest gateway
 * consumer of that account that day (where FinOps charges it back), whose policy owner is asked.
 *
 * Reads the hourly roll-ups (0010_rollups.sql: provider_hourly, gateway_hourly); raw records by
 * primary key for the samples only.
 */

export default defineDetector({
  id: 'cross-source.unreconciled-spend',
  title: 'Provider bill exceeds what the gateway logged for its own key',
  description:
    'For provider credentials the policy lists as gateway-held: provider-billed tokens (usage reports, Bedrock logs) per ' +
    'model and hour, or the billed daily cost, above what the gateway logged for the same credential, model and time ' +
    'beyond a tolerance. Unexplained spend on a gateway key is usage around the gateway or lost gateway logs. One ' +
    'alert per ledger account (gateway + provider), model and UTC day; impact is the unexplained cost.',
  severity: 'high',
  audience: 'finops',
  // Daily: one ledger line per day, comparing hour by hour; billing must have reported the whole day.
  schedule: { every: '1d', lookback: '1d', settle: '1h', maxWait: '36h', recheck: '72h' },
  requires: ['billing'],
  // Early: an hour's usage report is complete when it lands, so an hour over tolerance is found then, not the day
  // after; the day's alert grows as later hours and the daily cost land (alerts.ts `growing`). An early look judges
  // only lines the gateway has logged past ({early} below): a gateway backlog must not pass for usage around it.
  // Looked at as billing lands: the gateway's rows, landing every tick, can only confirm a bill, never raise one.
  early: true,
  earlyOn: ['billing'],
  controls: {
    owaspAgentic: ['ASI03', 'ASI10'],
    maestro: ['L4', 'L5'],
    nistAiRmf: ['GOVERN 1.6', 'MEASURE 2.7', 'MANAGE 4.1'],
    nistCsf: ['DE.CM-06', 'DE.AE-03', 'ID.AM-02'],
  },
  runbook:
    'Open the evidence: the hours over tolerance, billed vs logged tokens/cost, and the billed key ids. (1) Check the ' +
    'gateway log pipeline for those hours (ingest rejects, a paused consumer, a LiteLLM node without the logging ' +
    'callback) — a pipeline gap shows on every model at once. (2) If the gateway logs are complete, the key was used ' +
    'outside the gateway: list the key at the provider (Anthropic GET /v1/organizations/api_keys, OpenAI project ' +
    'api_keys, CloudTrail for the Bedrock role), find where it is deployed, rotate it, and check ' +
    'billing.unmanaged-key-usage and cross-source.session-without-gateway for the same day. (3) Book the unexplained ' +
    'cost to the named team until it is explained.',
  falsePositives: [
    'Provider-side retries or server tools (web search) billed without a matching gateway request.',
    'Requests straddling an hour boundary (gateway start time vs provider bucket), mostly absorbed by the tolerance.',
    'A credential listed in the policy for two gateways of the same kind, or used by a gateway not listed: its traffic is pooled.',
    'Usage reports pulled both hourly and daily for the same model (counted twice).',
  ],
  params: {
    tolerancePct: param('Float64', 0.05, 'A line is unreconciled when the billed excess exceeds this share of the billed amount…', z.number().min(0).max(1)),
    minGapTokens: param('UInt64', 100000, '…and at least this many tokens per hour (token lines).'),
    // Noise floors, not size floors (issue 14): a 5-person team's whole day is about a dollar, so a floor of dollars
    // would hide an hour of its traffic billed outside the gateway; the tolerance above is what scales with volume.
    minGapUsd: param('Float64', 0.5, '…and at least this many USD per day (billed-cost lines).', z.number().min(0)),
    minImpactUsd: param('Float64', 0.1, 'Ignore a day whose unexplained cost is below this.', z.number().min(0)),
  },
  query: sql`
    WITH
      ledgers AS (
        SELECT c.credential_id AS credential_id, c.provider AS provider, c.api_key_id AS api_key_id,
               c.workspace_id AS workspace_id, c.principal_pattern AS principal_pattern,
               c.gateway_id AS gateway_id, c.team_id AS team_id, g.kind AS gateway_kind, i.inventory_keys AS inventory_keys
        FROM policy_credentials AS c INNER JOIN policy_gateways AS g ON g.gateway_id = c.gateway_id
        -- the keys the inventory lists for the credential (0019 provider_key_credentials; none without an inventory)
        LEFT JOIN (SELECT credential_id, groupUniqArray(key_id) AS inventory_keys FROM provider_key_credentials GROUP BY credential_id) AS i
          ON i.credential_id = c.credential_id
      ),
      (SELECT mapFromArrays(groupArray(key_id), groupArray(key_hint))
       FROM (SELECT key_id, any(key_hint) AS key_hint FROM provider_key_credentials GROUP BY key_id)) AS key_hints,
      -- Accounts: per provider, gateway kinds that hold a common key are one account (their logs summed against its
      -- bill). Two kinds exist (litellm, kong), so one step of "shares a key with" is already the closure.
      held_keys AS (
        SELECT provider, api_key_id, workspace_id, principal_pattern, groupUniqArray(gateway_kind) AS kinds,
               arraySort(groupUniqArray(gateway_id)) AS key_gateways, arraySort(groupUniqArray(credential_id)) AS key_credentials,
               groupUniqArray(team_id) AS key_teams
        FROM ledgers GROUP BY provider, api_key_id, workspace_id, principal_pattern
      ),
      accounts AS (
        SELECT provider, kind, arraySort(groupUniqArrayArray(kinds)) AS account FROM held_keys ARRAY JOIN kinds AS kind GROUP BY provider, kind
      ),
      usage AS (
        -- from the hourly roll-up (0010_rollups.sql); samples are pointers, read at the end for the lines that alert
        SELECT provider, api_key_id, workspace_id, principal, model,
               if(kind = 'cost', 'cost', 'tokens') AS measure, grain,
               if(grain = 'h', hour, toStartOfDay(hour)) AS slot,
               sum(uncached_input_tokens) AS uncached, sum(cache_read_tokens) AS cache_read,
               sum(cache_write_tokens) AS cache_write, sum(output_tokens) AS output, sum(cost_usd) AS cost,
               arrayMap(r -> (provider, api_key_id, r.1, r.2, r.3), groupArray(2)(first_record)) AS samples
        FROM provider_hourly
        WHERE kind IN ('usage', 'invocation', 'cost')
          AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
        GROUP BY provider, api_key_id, workspace_id, principal, model, measure, grain, slot
      ),
      billed AS (
        -- The same matching rule as billing.unmanaged-key-usage; the most specific credential claims the row.
        SELECT u.provider AS provider, u.model AS model, u.measure AS measure, u.grain AS grain, u.slot AS slot,
               if(u.api_key_id != '', u.api_key_id, if(u.principal != '', u.principal, u.workspace_id)) AS billed_key,
               u.uncached AS uncached, u.cache_read AS cache_read, u.cache_write AS cache_write, u.output AS output,
               u.cost AS cost, u.samples AS samples,
               l.gateway_kind AS gateway_kind, l.api_key_id AS held_key, l.workspace_id AS held_workspace, l.principal_pattern AS held_principal
        FROM usage AS u INNER JOIN ledgers AS l ON l.provider = u.provider
        WHERE (u.provider = 'bedrock' OR u.api_key_id != '' OR (u.measure = 'cost' AND l.api_key_id = ''))
          AND (l.api_key_id = '' OR l.api_key_id = u.api_key_id)
          AND (l.workspace_id = '' OR l.workspace_id = u.workspace_id OR has(l.inventory_keys, u.api_key_id))
          AND (l.principal_pattern = '' OR match(u.principal, l.principal_pattern))
        ORDER BY l.api_key_id != '' DESC, l.credential_id
        LIMIT 1 BY u.provider, u.api_key_id, u.workspace_id, u.principal, u.model, u.measure, u.grain, u.slot
      ),
      lines AS (
        -- a usage row is claimed by one credential (above); every gateway and credential holding that key is named
        SELECT a.account AS account, b.provider AS provider, b.model AS model, b.measure AS measure, b.grain AS grain, b.slot AS slot,
               arraySort(groupUniqArrayArray(k.key_gateways)) AS gateways, arraySort(groupUniqArrayArray(k.key_credentials)) AS credentials,
               groupUniqArrayArray(k.key_teams) AS credential_teams, arraySort(groupUniqArray(b.billed_key)) AS billed_keys,
               sum(b.uncached) AS billed_uncached, sum(b.cache_read) AS billed_cache_read, sum(b.cache_write) AS billed_cache_write,
               sum(b.output) AS billed_output, round(sum(b.cost), 4) AS billed_cost, arraySlice(groupArrayArray(b.samples), 1, 3) AS samples
        FROM billed AS b
        INNER JOIN accounts AS a ON a.provider = b.provider AND a.kind = b.gateway_kind
        INNER JOIN held_keys AS k ON k.provider = b.provider AND k.api_key_id = b.held_key AND k.workspace_id = b.held_workspace
                                 AND k.principal_pattern = b.held_principal
        GROUP BY account, provider, model, measure, grain, slot
      ),
      -- The gateway side in ONE scan of gateway_hourly, kept as a constant (a few hundred tuples): ClickHouse inlines every
      -- reference to a CTE, so the three grains and the consumers below would each scan the roll-up again. Per account,
      -- model and hour: the logged tokens / cost / requests, and the hour's largest consumer at the (logged team, key)
      -- grain with its tokens (the day's largest consumer is then the largest of the hours').
      (SELECT groupArray((gateway_kind, provider, model, hour, tokens, cost, requests, top_team, top_tokens)) FROM (
         SELECT t.gateway_kind AS gateway_kind, t.provider AS provider, t.model AS model, t.hour AS hour,
                sum(t.tokens) AS tokens, sum(t.cost) AS cost, sum(t.requests) AS requests,
                argMax(if(k.team_id != '', k.team_id, a.team_id), t.tokens) AS top_team, max(t.tokens) AS top_tokens
         FROM (
           SELECT gateway AS gateway_kind, provider, model_served AS model, hour, team_id, api_key_id,
                  sum(tokens) AS tokens, sum(cost_usd) AS cost, sum(requests) AS requests
           FROM gateway_hourly
           WHERE hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
             AND (gateway, provider) IN (SELECT gateway_kind, provider FROM ledgers)
           GROUP BY gateway_kind, provider, model, hour, team_id, api_key_id) AS t
         LEFT JOIN (SELECT api_key_id, any(team_id) AS team_id FROM policy_gateway_keys WHERE api_key_id != '' GROUP BY api_key_id) AS k
           ON k.api_key_id = t.api_key_id
         LEFT JOIN policy_team_aliases AS a ON a.alias = lower(t.team_id)
         GROUP BY gateway_kind, provider, model, hour)) AS logged_hours,
      -- per account: the logs of every gateway kind in it, summed; a constant too, as the three grains, the consumers
      -- and both reads of the result below would each join the policy's accounts again
      (SELECT groupArray((account, provider, model, hour, tokens, cost, requests, top_team, top_tokens)) FROM (
         SELECT a.account AS account, h.2 AS provider, h.3 AS model, h.4 AS hour, sum(h.5) AS tokens, sum(h.6) AS cost, sum(h.7) AS requests,
                argMax(h.8, h.9) AS top_team, max(h.9) AS top_tokens
         FROM (SELECT arrayJoin(logged_hours) AS h) AS x
         INNER JOIN accounts AS a ON a.provider = x.h.2 AND a.kind = x.h.1
         GROUP BY account, provider, model, hour)) AS logged_accounts,
      logged_by_account AS (
        SELECT x.1 AS account, x.2 AS provider, x.3 AS model, x.4 AS hour, x.5 AS tokens, x.6 AS cost, x.7 AS requests,
               x.8 AS top_team, x.9 AS top_tokens
        FROM (SELECT arrayJoin(logged_accounts) AS x)
      ),
      logged AS (
        SELECT account, provider, model, 'h' AS grain, hour AS slot, tokens, cost, requests FROM logged_by_account
        UNION ALL
        SELECT account, provider, model, 'd', toStartOfDay(hour) AS day, sum(tokens), sum(cost), sum(requests)
        FROM logged_by_account GROUP BY account, provider, model, day
        UNION ALL
        SELECT account, provider, '', 'd', toStartOfDay(hour) AS day, sum(tokens), sum(cost), sum(requests)
        FROM logged_by_account GROUP BY account, provider, day
      ),
      -- how far the gateway has logged (0025 source_hourly): an early look leaves a line for later until it has
      (SELECT max(last_event) FROM source_hourly WHERE source = 'gateway' AND hour >= toStartOfHour({from:DateTime64(3)})) AS gateway_until,
      consumers AS (
        -- The chargeback team of each ledger account and day: its largest gateway consumer.
        SELECT account, provider, toStartOfDay(hour) AS day, argMax(top_team, top_tokens) AS top_team
        FROM logged_by_account GROUP BY account, provider, day
      ),
      result AS (
        SELECT l.gateways AS gateways, l.provider AS provider, l.model AS model, l.measure AS measure, l.slot AS slot,
               l.credentials AS credentials, l.billed_keys AS billed_keys, arrayMap(k -> key_hints[k], l.billed_keys) AS billed_key_hints,
               l.billed_uncached AS billed_uncached, l.billed_cache_read AS billed_cache_read,
               l.billed_cache_write AS billed_cache_write, l.billed_output AS billed_output, l.billed_cost AS billed_cost,
               g.tokens AS logged_tokens, round(g.cost, 4) AS logged_cost, g.requests AS logged_requests, l.samples AS samples,
               l.billed_uncached + l.billed_cache_read + l.billed_cache_write + l.billed_output AS billed_tokens,
               if(length(l.credential_teams) = 1 AND l.credential_teams[1] != '', l.credential_teams[1], c.top_team) AS team,
               if(length(l.credential_teams) = 1 AND l.credential_teams[1] != '', 'credential team',
                  if(c.top_team != '', 'largest gateway consumer (chargeback)', 'none')) AS attribution
        FROM lines AS l
        LEFT JOIN logged AS g ON g.account = l.account AND g.provider = l.provider AND g.model = l.model
                              AND g.grain = l.grain AND g.slot = l.slot
        LEFT JOIN consumers AS c ON c.account = l.account AND c.provider = l.provider AND c.day = toStartOfDay(l.slot)
        WHERE ({early:UInt8} = 0 OR l.slot + if(l.grain = 'h', toIntervalHour(1), toIntervalDay(1)) <= gateway_until)
          AND ((l.measure = 'tokens'
               AND toFloat64(billed_tokens) - toFloat64(g.tokens) >= {minGapTokens:UInt64}
               AND toFloat64(billed_tokens) - toFloat64(g.tokens) > {tolerancePct:Float64} * toFloat64(billed_tokens))
           OR (l.measure = 'cost'
               AND l.billed_cost - g.cost >= {minGapUsd:Float64}
               AND l.billed_cost - g.cost > {tolerancePct:Float64} * l.billed_cost))
      ),
      raws AS (
        -- raw records of the sampled usage rows, by primary key (provider, api_key_id, event_time), and only those an
        -- alert shows: evaluate() keeps the first three pointers of a finding's lines in slot order (the rows arrive
        -- ordered by gateways, provider, model, measure, slot), so the other lines' pointers — each in its own ~8 MB
        -- granule of raw — are not read
        SELECT mapFromArrays(groupArray(k), groupArray(raw)) AS m FROM (
          SELECT toString((provider, api_key_id, event_time, source_offset, record_index)) AS k, any(raw) AS raw FROM provider_usage
          WHERE (provider, api_key_id, event_time, source_offset, record_index) IN (
            SELECT arrayJoin(arraySlice(arrayFlatten(arrayMap(x -> x.2, arraySort(x -> x.1, groupArray((slot, samples))))), 1, 3))
            FROM result GROUP BY gateways, provider, model, measure, toDate(slot))
          GROUP BY k)
      )
    SELECT r.* EXCEPT samples, arrayFilter(x -> x != '', arrayMap(p -> raws.m[toString(p)], r.samples)) AS samples, t.owner_email AS owner
    FROM result AS r LEFT JOIN policy_teams AS t ON t.team_id = r.team
    CROSS JOIN raws
    ORDER BY gateways, provider, model, measure, slot
  `,
  evaluate: (rows: Row[], ctx) => ledgerFindings(rows, ctx.params.minImpactUsd),
  alert(row: Row) {
    const f = row.finding;
    if (!f) return null;
    const account = `${row.gateways.join('+')}/${row.provider}`;
    const model = row.model || 'all models';
    const gap = f.hours.length > 0
      ? `billed ${f.billedTokens.toLocaleString('en-US')} tokens of ${model} in ${f.hours.length} hour(s) (${f.hours.join(', ')} UTC) ` +
        `but the gateway logged ${f.loggedTokens.toLocaleString('en-US')}`
      : `billed $${f.billedUsd.toFixed(2)} for ${model} but the gateway logged $${f.loggedUsd.toFixed(2)}`;
    const who = row.team ? ` Charged to ${row.team} (${row.attribution}), owner ${row.owner || 'unknown'}.` : ' No team could be attributed.';
    return {
      entity: `ledger:${account}:${row.model || '*'}`,
      team: row.team,
      identity: row.owner,
      credential: row.credentials.join(','),
      summary: `Gateway-held credential ${row.credentials.join(', ')} (${account}) was ${gap} on ${row.slot.slice(0, 10)}: ` +
        `$${f.unexplainedUsd.toFixed(2)} unexplained.${who}`,
      evidence: {
        figures: {
          ledgerAccount: account,
          provider: row.provider,
          model: row.model,
          measure: row.measure,
          credentials: row.credentials,
          billedKeys: row.billed_keys,
          billedKeyHints: row.billed_key_hints,
          hoursOverTolerance: f.hours,
          billedTokens: f.billedTokens,
          loggedTokens: f.loggedTokens,
          gapTokens: f.billedTokens - f.loggedTokens,
          billedUsd: f.billedUsd,
          loggedUsd: f.loggedUsd,
          unexplainedUsd: f.unexplainedUsd,
          pricing: f.basis,
          gatewayRequests: f.loggedRequests,
          attribution: row.attribution,
        },
        samples: row.samples,
      },
      impactUsd: f.unexplainedUsd,
      ...utcDay(row.slot),
    };
  },
});
