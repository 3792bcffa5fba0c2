import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * Which model actually answered, per team and task class, against the policy.
 *
 * Each gateway request is classified with the policy's task classes (first class in file order
 * whose tags, route, key alias or user-agent rule matches), attributed to a team (policy gateway
 * key, else the logged team alias, else the user's membership), and grouped by the model that
 * served it (canonical id, formats.md N5). A (team, class, served model) line is flagged when:
 *
 * - unapproved: the served model matches none of the models the policy approves for that team and
 *   class (team override, else org-wide);
 * - fallback: the client asked for a different model than the one served (Kong request_model vs
 *   response_model, LiteLLM model_group vs model) — a silent fallback to another model or provider.
 *   A served id that merely extends the requested one (claude-sonnet-4-5 → claude-sonnet-4-5-20250929,
 *   alias claude-sonnet → claude-sonnet-4-5-…) is the same model;
 * - divergent: the team's main model for the class differs from the one most teams use for it,
 *   and the team has no override in the policy recording that choice.
 *
 * One alert per team, class and served model per UTC day, listing every reason that applies.
 *
 * Reads the hourly roll-up (0010_rollups.sql: gateway_hourly); raw records by primary key for the
 * flagged lines' samples only (the line's first request in the window).
 */

interface Row {
  team: string;
  class_id: string;
  served: string;
  requests: number;
  cost_usd: number;
  fallback_requests: number;
  fallback_from: string[];
  requested: string[];
  providers: string[];
  gateways: string[];
  identities: string[];
  first_seen: string;
  approved_globs: string[];
  scope: string;
  org_model: string;
  class_models: [string, string][];
  reasons: string[];
  samples: string[];
  owner: string;
}

export default defineDetector({
  id: 'gateway.routing-drift',
  title: 'Task class served by an unapproved, fallback or divergent model',
  description:
    'Gateway requests classified into the policy task classes (tags, route, key alias, user-agent): a team and class ' +
    'served by a model the policy does not approve for it, requests silently served by a different model than the ' +
    'one requested (fallback), or a team whose main model for a class differs from the rest of the organization ' +
    'without a policy override. One alert per team, task class and served model per day.',
  severity: 'medium',
  audience: 'soc',
  // A share of the hour's traffic: judged once the gateway has logged past the hour (partial data fakes a team's
  // main model), not on the wall clock — a backlog's hours would otherwise be judged before their rows land and
  // alert only at the late-data recheck. A gateway quiet past the hour holds its alerts up to maxWait.
  schedule: { every: '1h', lookback: '1h', settle: '10m', maxWait: '1h' },
  requires: ['gateway'],
  controls: {
    owaspAgentic: ['ASI04'],
    maestro: ['L1', 'L4', 'L6'],
    nistAiRmf: ['MANAGE 3.2', 'MEASURE 2.4', 'GOVERN 6.1'],
    nistCsf: ['PR.PS-01', 'DE.CM-06', 'GV.SC-07'],
  },
  runbook:
    'Read the reasons. Fallback: check the gateway router config (LiteLLM fallbacks / model_list, Kong AI Proxy ' +
    'targets) and the upstream provider status for the window; a fallback to another provider can move data to a ' +
    'region or vendor not assessed for this class — confirm with the team owner and fix the route. Unapproved: ask ' +
    'the identity (or the team owner) why the model is used; either remove it from the gateway route / key, or add ' +
    'it to the task class (or a team override) in the policy. Divergent: confirm the team\'s choice and record it as a ' +
    'team override, or move the team to the org model. The evidence lists the other teams\' models for the class.',
  falsePositives: [
    'LiteLLM model_group aliases that do not name the model (e.g. "default"): list them in ignoredAliases.',
    'A new model snapshot rolled out to one team first (divergent until the others follow).',
    'Org-wide task classes that deliberately offer several models: record each team\'s choice as a team override.',
    'Requests classified by a broad rule (e.g. a user-agent glob) into a class they do not belong to.',
  ],
  params: {
    minRequests: param('UInt32', 1, 'Ignore (team, class, model) lines with fewer requests in the window.'),
    minTeams: param('UInt32', 2, 'Divergence needs the org model to be the main model of at least this many teams.'),
    ignoredAliases: param('Array(String)', [], 'Requested model names that are routing aliases, never a fallback.'),
  },
  // One query evaluates a day of windows (src/detect/define-detector.ts, batch); window_end below is
  // the end of the window a row belongs to: the windows tile [from, to) (lookback = every).
  batch: true,
  query: sql`
    WITH
      -- The policy as constants (read once per query): task classes in priority order, and the lookups that attribute a
      -- request to a team (gateway key, logged team alias, membership).
      -- (src/views/posture-figures.ts classifies with a copy of the class lists and matching below: keep them alike,
      -- src/views/posture-task-classes.test.ts checks.)
      (SELECT groupArray((class_id, tags, route_patterns, key_alias_patterns, user_agent_patterns))
       FROM (SELECT * FROM policy_task_classes ORDER BY priority)) AS classes,
      arrayMap(c -> c.1, classes) AS class_ids,
      -- every class's patterns in one list per field, each tagged with its class's rank: a request's class is the best-ranked
      -- class with a match, and multiMatchAllIndices compiles each list once per query instead of once per row
      arrayFlatten(arrayMap(c -> c.2, classes)) AS class_tags,
      arrayFlatten(arrayMap((c, i) -> arrayResize([i], length(c.2), i), classes, arrayEnumerate(classes))) AS class_tags_rank,
      arrayFlatten(arrayMap(c -> c.3, classes)) AS route_res,
      arrayFlatten(arrayMap((c, i) -> arrayResize([i], length(c.3), i), classes, arrayEnumerate(classes))) AS route_rank,
      arrayFlatten(arrayMap(c -> c.4, classes)) AS alias_res,
      arrayFlatten(arrayMap((c, i) -> arrayResize([i], length(c.4), i), classes, arrayEnumerate(classes))) AS alias_rank,
      arrayFlatten(arrayMap(c -> c.5, classes)) AS agent_res,
      arrayFlatten(arrayMap((c, i) -> arrayResize([i], length(c.5), i), classes, arrayEnumerate(classes))) AS agent_rank,
      (SELECT mapFromArrays(groupArray(api_key_id), groupArray((team_id, owner))) FROM (
         SELECT api_key_id, any(team_id) AS team_id, any(owner_email) AS owner FROM policy_gateway_keys WHERE api_key_id != '' GROUP BY api_key_id)) AS key_map,
      (SELECT mapFromArrays(groupArray(alias), groupArray(team_id)) FROM policy_team_aliases) AS alias_map,
      -- per window and person, the latest membership overlapping the window (joined on window and e-mail)
      members AS (
        SELECT window_end, email, argMax(team_id, valid_from) AS team_id FROM policy_team_members
        ARRAY JOIN arrayMap(k -> {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * k + {lookback:UInt32}),
                            range(toUInt32((dateDiff('second', {from:DateTime64(3)}, {to:DateTime64(3)}) - {lookback:UInt32}) / {every:UInt32} + 1))) AS window_end
        WHERE valid_from < window_end AND valid_to > window_end - toIntervalSecond({lookback:UInt32})
        GROUP BY window_end, email
      ),
      -- The class depends only on (tags, route, key alias, user agent): a day has a few thousand such combinations against
      -- hundreds of thousands of roll-up rows, so each combination is classified once (computed once as a scalar, joined by
      -- both passes below) instead of running the pattern matching and its arrays on every row.
      -- (Rows of no class are dropped in the aggregate, not by a WHERE: ClickHouse pushes a filter on class_id below the
      -- DISTINCT, which would classify every row again.)
      (SELECT groupArrayIf((tags, route, api_key_alias, user_agent, class_id), class_id != '') FROM (
        SELECT tags, route, api_key_alias, user_agent,
               arrayConcat(arrayFilter((rank, t) -> has(tags, t), class_tags_rank, class_tags),
                           arrayMap(j -> route_rank[j], multiMatchAllIndices(route, route_res)),
                           arrayMap(j -> alias_rank[j], multiMatchAllIndices(api_key_alias, alias_res)),
                           arrayMap(j -> agent_rank[j], multiMatchAllIndices(user_agent, agent_res))) AS hits,
               if(empty(hits), '', class_ids[arrayMin(hits)]) AS class_id
        FROM (SELECT DISTINCT tags, route, api_key_alias, user_agent FROM gateway_hourly
              WHERE hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)} AND model_served != ''))) AS class_combos,
      combo_classes AS (
        SELECT c.1 AS tags, c.2 AS route, c.3 AS api_key_alias, c.4 AS user_agent, c.5 AS class_id FROM (SELECT arrayJoin(class_combos) AS c)
      ),
      -- Roll-up rows (0010_rollups.sql) with their window, team, class and fallback flag. Each figure of a line below is a
      -- sum / min / distinct set over rows, so the rows are grouped straight into lines; only the sample pointers depend on
      -- the full roll-up key (pass 2). Rows of no class drop out at the (inner) join.
      classified AS (
        SELECT r.window_end AS window_end, r.team_id AS raw_team, r.api_key_id AS api_key_id, r.api_key_alias AS api_key_alias,
               r.user_email AS user_email, r.route AS route, r.user_agent AS user_agent, r.tags AS tags, r.gateway AS gateway,
               r.provider AS provider, r.model_requested AS model_requested, r.model_served AS model_served, r.requests AS n,
               r.cost_usd AS cost, r.first_at AS seen, r.first_request AS first_request, r.costliest AS costliest,
               key_map[r.api_key_id] AS k, if(k.2 != '', k.2, r.user_email) AS who,
               multiIf(k.1 != '', k.1, alias_map[lower(r.team_id)] != '', alias_map[lower(r.team_id)], m.team_id) AS team,
               c.class_id AS class_id,
               model_requested != '' AND NOT startsWith(model_served, model_requested) AND NOT startsWith(model_requested, model_served)
                   AND NOT has({ignoredAliases:Array(String)}, model_requested) AS is_fallback
        FROM (SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, hour), 0), {every:UInt32}) + 1)) AS window_end, *
              FROM gateway_hourly
              WHERE hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)} AND model_served != '') AS r
        INNER JOIN combo_classes AS c ON c.tags = r.tags AND c.route = r.route AND c.api_key_alias = r.api_key_alias AND c.user_agent = r.user_agent
        LEFT JOIN members AS m ON m.window_end = r.window_end AND m.email = r.user_email
      ),
      -- Per window, team, class and served model, computed once (org and flagged both read it).
      -- Sample: the line's first request in the window, an (event_time, request_id, logged team_id) pointer into
      -- gateway_requests. min over the roll-up rows' first_request is exactly that request whatever the parts' merge state,
      -- so the choice is deterministic and the same for a window alone or in a batch, and it needs no second pass over the
      -- roll-up. Why one: a flagged line is typically a dozen requests spread over the hour, so every further sample is one
      -- more granule of raw read whole (1,024 rows since 0012_source_granules.sql; at ~5,000 rows, ~9 MB uncompressed and
      -- ~3-4 ms of CPU each, 3 samples a line cost ~0.7 s more CPU over a 10 M-request day than 1).
      (SELECT groupArray((team, class_id, served, requests, cost_usd, fallback_requests, fallback_from, requested, providers, gateways,
                          identities, first_seen, window_end, sample_refs)) FROM (
        SELECT window_end, team, class_id, model_served AS served, sum(n) AS requests, round(sum(cost), 4) AS cost_usd,
               sumIf(n, is_fallback) AS fallback_requests, arraySort(groupUniqArrayIf(model_requested, is_fallback)) AS fallback_from,
               arraySort(groupUniqArray(model_requested)) AS requested, arraySort(groupUniqArray(provider)) AS providers,
               arraySort(groupUniqArray(gateway)) AS gateways, arraySort(groupUniqArrayIf(who, who != '')) AS identities,
               toString(min(seen)) AS first_seen,
               [min(((first_request).1, (first_request).2, raw_team))] AS sample_refs
        FROM classified
        GROUP BY window_end, team, class_id, served
        HAVING requests >= {minRequests:UInt32})) AS line_rows,
      lines AS (
        SELECT l.1 AS team, l.2 AS class_id, l.3 AS served, l.4 AS requests, l.5 AS cost_usd, l.6 AS fallback_requests, l.7 AS fallback_from,
               l.8 AS requested, l.9 AS providers, l.10 AS gateways, l.11 AS identities, l.12 AS first_seen, l.13 AS window_end, l.14 AS sample_refs
        FROM (SELECT arrayJoin(line_rows) AS l)
      ),
      approved AS (
        SELECT team_id, class_id, groupArray(model_pattern) AS patterns, groupArray(model_glob) AS globs, any(scope) AS scope
        FROM policy_models GROUP BY team_id, class_id
      ),
      org AS (
        -- Per window, each team's main model per class (ties: the greatest model id); the org model is the main model of
        -- the most teams, strictly (mains sorted, so a tie names the same model whatever order the teams arrive in).
        SELECT window_end, class_id, arraySort(groupArray((team, main))) AS class_models, arraySort(groupArray(main)) AS mains,
               arrayDistinct(mains) AS models, arrayMap(m -> countEqual(mains, m), models) AS counts,
               models[indexOf(counts, arrayMax(counts))] AS org_model,
               countEqual(counts, arrayMax(counts)) = 1 AND arrayMax(counts) >= {minTeams:UInt32} AS settled
        FROM (SELECT window_end, class_id, team, argMax(served, (requests, served)) AS main FROM lines WHERE team != '' GROUP BY window_end, class_id, team)
        GROUP BY window_end, class_id
      ),
      -- The flagged lines, computed once: the raw samples are then read by primary key for them only.
      (SELECT groupArray((team, class_id, served, requests, cost_usd, fallback_requests, fallback_from, requested, providers, gateways,
                          identities, first_seen, approved_globs, scope, org_model, class_models, reasons, window_end, sample_refs)) FROM (
        SELECT l.window_end AS window_end, l.team AS team, l.class_id AS class_id, l.served AS served, l.requests AS requests, l.cost_usd AS cost_usd,
               l.fallback_requests AS fallback_requests, l.fallback_from AS fallback_from, l.requested AS requested,
               l.providers AS providers, l.gateways AS gateways, l.identities AS identities, l.first_seen AS first_seen, l.sample_refs AS sample_refs,
               ap.globs AS approved_globs, ap.scope AS scope, o.org_model AS org_model, o.class_models AS class_models,
               arrayFilter(x -> x != '', [
                 if(NOT arrayExists(p -> match(l.served, p), ap.patterns), 'unapproved', ''),
                 if(l.fallback_requests > 0, 'fallback', ''),
                 if(l.team != '' AND ap.scope = 'org' AND o.settled AND o.org_model != l.served AND has(o.class_models, (l.team, l.served))
                    AND arrayExists(p -> match(l.served, p), ap.patterns), 'divergent', '')]) AS reasons
        FROM lines AS l
        LEFT JOIN approved AS ap ON ap.team_id = l.team AND ap.class_id = l.class_id
        LEFT JOIN org AS o ON o.window_end = l.window_end AND o.class_id = l.class_id
        WHERE length(reasons) > 0)) AS flagged,
      arrayFlatten(arrayMap(f -> f.19, flagged)) AS flagged_refs,
      raws AS (
        SELECT mapFromArrays(groupArray(concat(team_id, '|', toString(event_time), '|', request_id)), groupArray(raw)) AS m FROM (
          SELECT team_id, event_time, request_id, any(raw) AS raw FROM gateway_requests
          WHERE (team_id, event_time, request_id) IN (SELECT r.3, r.1, r.2 FROM (SELECT arrayJoin(flagged_refs) AS r))
          GROUP BY team_id, event_time, request_id)
      )
    SELECT f.18 AS window_end,
           f.1 AS team, f.2 AS class_id, f.3 AS served, f.4 AS requests, f.5 AS cost_usd, f.6 AS fallback_requests, f.7 AS fallback_from,
           f.8 AS requested, f.9 AS providers, f.10 AS gateways, f.11 AS identities, f.12 AS first_seen, f.13 AS approved_globs,
           f.14 AS scope, f.15 AS org_model, f.16 AS class_models, f.17 AS reasons,
           arrayFilter(r -> r != '', arrayMap(r -> raws.m[concat(r.3, '|', toString(r.1), '|', r.2)], f.19)) AS samples,
           t.owner_email AS owner
    FROM (SELECT arrayJoin(flagged) AS f) AS x
    CROSS JOIN raws
    LEFT JOIN policy_teams AS t ON t.team_id = x.f.1
    ORDER BY window_end, team, class_id, served
  `,
  alert(row: Row) {
    // One person made every request: they are accountable; otherwise the team owner.
    const identity = row.identities.length === 1 ? (row.identities[0] as string) : row.owner;
    const why: string[] = [];
    if (row.reasons.includes('unapproved')) why.push(`not approved for ${row.class_id} in ${row.team || 'the org'} (approved: ${row.approved_globs.join(', ')})`);
    if (row.reasons.includes('fallback')) why.push(`${row.fallback_requests} of ${row.requests} request(s) asked for ${row.fallback_from.join(', ')} (silent fallback)`);
    if (row.reasons.includes('divergent')) why.push(`the org model for ${row.class_id} is ${row.org_model}, and ${row.team} has no override`);
    return {
      entity: `routing:${row.team || 'unattributed'}:${row.class_id}:${row.served}`,
      team: row.team,
      identity,
      credential: '',
      summary: `${row.team || 'Unattributed traffic'} ${row.class_id} requests were served by ${row.served} via ${row.providers.join('/')} ` +
        `(${row.requests} request(s), ${row.identities.join(', ') || 'no identity'}): ${why.join('; ')}.`,
      evidence: {
        figures: {
          reasons: row.reasons,
          taskClass: row.class_id,
          servedModel: row.served,
          requestedModels: row.requested,
          requests: row.requests,
          fallbackRequests: row.fallback_requests,
          fallbackFrom: row.fallback_from,
          costUsd: row.cost_usd,
          providers: row.providers,
          gateways: row.gateways,
          identities: row.identities,
          approvedModels: row.approved_globs,
          approvalScope: row.scope,
          orgModel: row.org_model,
          classModelsByTeam: row.class_models.map(([team, model]) => `${team}: ${model}`),
        },
        samples: row.samples,
      },
      ...utcDay(row.first_seen),
    };
  },
});
