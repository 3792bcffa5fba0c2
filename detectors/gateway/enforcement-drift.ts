import { defineDetector, param, type AlertDraft } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * What the gateways did against what `driftwatch policy export` tells them to enforce (issue 14):
 * the exported LiteLLM / Kong configuration gives each team its approved models (every task class,
 * team overrides included), each listed key the models of the task class its alias belongs to,
 * and each team its daily budget. Traffic the exported configuration would have refused shows the
 * gateway is not running it — an edited team, a key created by hand, a budget never set:
 *  - `model`: a gateway served a team a model none of its classes approves, or served a listed key
 *    (e.g. a review bot's) a model outside its task class;
 *  - `budget`: a gateway kept serving a team after that gateway's spend for the team passed the
 *    daily budget in force (LiteLLM `max_budget` / `budget_duration: 1d`, Kong's cost limit).
 * Requests whose team the policy does not know are left to the ownership detectors. Reads the
 * hourly roll-up; one alert per gateway, team and model (or budget) and UTC day.
 */

interface Row {
  kind: 'model' | 'budget';
  gateway: string;
  team: string;
  model: string;
  rule: string;
  day: string;
  requests: number;
  cost_usd: number;
  first_at: string;
  last_at: string;
  keys: string[];
  users: string[];
  budget_usd: number;
  spend_at_crossing: number;
  crossed_hour: string;
  owner: string;
}

export default defineDetector({
  id: 'gateway.enforcement-drift',
  title: 'Gateway let through what its exported policy configuration refuses',
  description:
    'Gateway traffic that the configuration written by `driftwatch policy export` would have refused: a model no ' +
    'task class approves for the team, a listed key used outside its task class\'s models, or requests served after ' +
    'the team\'s spend on that gateway passed its daily budget. Policy and enforcement have drifted apart. One alert ' +
    'per gateway, team and model (or budget) per UTC day.',
  severity: 'medium',
  audience: 'soc',
  schedule: { every: '1d', lookback: '1d', settle: '30m', recheck: '48h' },
  // Regular runs wait for the data past the window (a backlog); early looks alert as it lands (detectors/README.md).
  requires: ['gateway'],
  // What it finds only grows as the day's logs land: a refused model served stays served, and spend only rises, so a
  // crossing seen on part of the day stands (late rows of earlier hours move it earlier, adding hours after it). The
  // open day is evaluated as logs arrive, so the alert comes within a minute of the first refused request, not after
  // midnight and the settle.
  early: true,
  controls: {
    owaspAgentic: ['ASI02', 'ASI08'],
    maestro: ['L4', 'L6'],
    nistAiRmf: ['GOVERN 1.4', 'MANAGE 2.2'],
    nistCsf: ['PR.PS-01', 'DE.CM-06', 'GV.PO-02'],
  },
  runbook:
    '1) Export the configuration the gateway should run (`driftwatch policy export --to litellm|kong`) and diff it ' +
    'with the running one (LiteLLM /team/info and /key/info; `deck gateway diff` for Kong). 2) For a model: remove it ' +
    'from the team or key (or approve it in the policy, with a ticket); for a budget: set max_budget/budget_duration ' +
    '(LiteLLM) or the consumer group\'s cost limit (Kong). 3) Find who changed the gateway by hand (LiteLLM audit log, ' +
    'Kong audit log) and route future changes through the policy file and the export.',
  falsePositives: [
    'The policy was changed today and the gateway has not been re-synced yet (re-run the export and apply it).',
    'A budget change approved out of band: the gateway has it, the policy file not yet (add the budget entry).',
    'Spend the gateway prices differently from the provider (custom pricing): LiteLLM counts its own cost.',
  ],
  params: {
    minRequests: param('UInt32', 1, 'Requests a refused model must have been served before it alerts.'),
    minRequestsOverBudget: param('UInt32', 1, 'Requests served in hours after the budget was passed before it alerts.'),
  },
  query: sql`
    WITH
      (SELECT groupArray((team_id, class_id, model_pattern)) FROM policy_models WHERE team_id != '') AS team_models,
      (SELECT groupArray((class_id, key_alias_patterns)) FROM policy_task_classes) AS classes,
      (SELECT groupArray((gateway_kind, api_key_id, key_alias)) FROM policy_gateway_keys) AS listed_keys
    SELECT f.*, t.owner_email AS owner
    FROM
    (
      SELECT 'model' AS kind, gateway, team, model,
             if(team_ok, 'key', 'team') AS rule,
             toString(toDate(min(first_seen))) AS day,
             toUInt64(sum(served)) AS requests, sum(cost) AS cost_usd,
             toString(min(first_seen)) AS first_at, toString(max(last_seen)) AS last_at,
             arraySlice(arraySort(groupUniqArray(key_alias)), 1, 10) AS keys, arraySlice(arraySort(groupUniqArray(user_email)), 1, 10) AS users,
             toFloat64(0) AS budget_usd, toFloat64(0) AS spend_at_crossing, '' AS crossed_hour
      FROM
      (
        SELECT g.gateway AS gateway, a.team_id AS team, g.model_served AS model, g.api_key_id AS key_id, g.api_key_alias AS key_alias,
               g.user_email AS user_email, sum(g.requests) AS served, sum(g.cost_usd) AS cost, min(g.first_at) AS first_seen,
               max(g.last_at) AS last_seen,
               arrayExists(x -> x.1 = team AND match(model, x.3), team_models) AS team_ok,
               arrayExists(k -> k.1 = gateway AND ((k.2 != '' AND k.2 = key_id) OR (k.3 != '' AND k.3 = key_alias)), listed_keys) AS listed,
               arrayMap(c -> c.1, arrayFilter(c -> key_alias != '' AND arrayExists(p -> match(key_alias, p), c.2), classes)) AS key_classes,
               if(listed AND length(key_classes) > 0,
                  arrayExists(x -> x.1 = team AND has(key_classes, x.2) AND match(model, x.3), team_models),
                  team_ok) AS key_ok
        FROM gateway_hourly AS g
        INNER JOIN policy_team_aliases AS a ON a.alias = lower(g.team_id)
        WHERE g.hour >= toStartOfHour({from:DateTime64(3)}) AND g.hour < {to:DateTime64(3)} AND g.model_served != ''
        GROUP BY gateway, team, model, key_id, key_alias, user_email
      )
      WHERE NOT key_ok
      GROUP BY gateway, team, model, team_ok
      HAVING requests >= {minRequests:UInt32}

      UNION ALL

      SELECT 'budget' AS kind, gateway, team, '' AS model, 'budget' AS rule, toString(toDate(hours[1].1)) AS day,
             toUInt64(arraySum(arrayMap(h -> h.3, arrayFilter((h, c) -> c - h.2 > budget_usd, hours, cumulative)))) AS requests,
             arraySum(arrayMap(h -> h.2, arrayFilter((h, c) -> c - h.2 > budget_usd, hours, cumulative))) AS cost_usd,
             toString(hours[1].4) AS first_at, toString(hours[length(hours)].5) AS last_at,
             keys, users, budget_usd,
             arrayFirst(c -> c > budget_usd, cumulative) AS spend_at_crossing,
             toString(arrayFirst((h, c) -> c > budget_usd, hours, cumulative).1) AS crossed_hour
      FROM
      (
        SELECT gateway, team, arraySort(groupArray((hour, cost, requests, first_at, last_at))) AS hours,
               arrayCumSum(arrayMap(h -> h.2, hours)) AS cumulative, toFloat64(assumeNotNull(any(b.daily_usd))) AS budget_usd,
               arraySlice(arraySort(groupUniqArrayArray(keys)), 1, 10) AS keys, arraySlice(arraySort(groupUniqArrayArray(users)), 1, 10) AS users
        FROM
        (
          SELECT g.gateway AS gateway, a.team_id AS team, g.hour AS hour, sum(g.cost_usd) AS cost, sum(g.requests) AS requests,
                 min(g.first_at) AS first_at, max(g.last_at) AS last_at,
                 arraySlice(arraySort(groupUniqArray(g.api_key_alias)), 1, 10) AS keys, arraySlice(arraySort(groupUniqArray(g.user_email)), 1, 10) AS users
          FROM gateway_hourly AS g
          INNER JOIN policy_team_aliases AS a ON a.alias = lower(g.team_id)
          WHERE g.hour >= toStartOfHour({from:DateTime64(3)}) AND g.hour < {to:DateTime64(3)}
          GROUP BY gateway, team, hour
        ) AS h
        INNER JOIN policy_budgets AS b ON b.team_id = h.team
        WHERE b.effective_from <= {from:DateTime64(3)} AND {from:DateTime64(3)} < b.effective_to AND b.daily_usd IS NOT NULL
        GROUP BY gateway, team
      )
      -- Requests of the hours that began with the budget already spent: LiteLLM and Kong refuse those.
      WHERE requests >= {minRequestsOverBudget:UInt32}
    ) AS f
    LEFT JOIN policy_teams AS t ON t.team_id = f.team
    ORDER BY f.gateway, f.team, f.kind, f.model`,
  alert(row: Row): AlertDraft {
    const identity = row.users.length === 1 ? (row.users[0] ?? row.owner) : row.owner;
    const samples = [`keys: ${row.keys.join(', ') || '(none)'}`, `users: ${row.users.join(', ') || '(none)'}`];
    if (row.kind === 'budget') {
      return {
        entity: `enforcement:${row.gateway}:${row.team}:budget`,
        team: row.team,
        identity: row.owner,
        credential: '',
        summary: `${row.gateway} kept serving ${row.team} after its spend passed the $${row.budget_usd}/day budget at ` +
          `${row.crossed_hour} UTC: ${row.requests} more request(s), $${row.cost_usd.toFixed(2)}; the exported configuration stops the team at its budget.`,
        evidence: {
          figures: {
            kind: row.kind, gateway: row.gateway, budgetUsd: row.budget_usd, spendAtCrossing: Math.round(row.spend_at_crossing * 100) / 100,
            crossedHour: row.crossed_hour, requestsAfter: row.requests, costAfterUsd: Math.round(row.cost_usd * 100) / 100,
            keys: row.keys, users: row.users,
          },
          samples,
        },
        impactUsd: Math.round(row.cost_usd * 100) / 100,
        ...utcDay(row.day),
      };
    }
    const refusedBy = row.rule === 'team'
      ? `no task class approves it for ${row.team}`
      : `the key's task class (${row.keys.join(', ')}) does not approve it`;
    return {
      entity: `enforcement:${row.gateway}:${row.team}:model:${row.model}`,
      team: row.team,
      identity,
      credential: row.keys.length === 1 ? (row.keys[0] ?? '') : '',
      summary: `${row.gateway} served ${row.team} ${row.model} (${row.requests} request(s), ${row.first_at.slice(11, 16)}–` +
        `${row.last_at.slice(11, 16)} UTC) although ${refusedBy}: the gateway is not enforcing the exported policy configuration.`,
      evidence: {
        figures: {
          kind: row.kind, gateway: row.gateway, model: row.model, refusedBy: row.rule, requests: row.requests,
          costUsd: Math.round(row.cost_usd * 1e4) / 1e4, firstAt: row.first_at, lastAt: row.last_at, keys: row.keys, users: row.users,
        },
        samples,
      },
      impactUsd: Math.round(row.cost_usd * 1e4) / 1e4,
      ...utcDay(row.day),
    };
  },
});
