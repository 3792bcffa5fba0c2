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
  schedule: { every: '1h', lookback: '1h', settle: '10m' },
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
  query: sql`
    WITH
      task_classes AS (
        SELECT groupArray((class_id, tags, route_patterns, key_alias_patterns, user_agent_patterns)) AS classes
        FROM (SELECT * FROM policy_task_classes ORDER BY priority)
      ),
      keys AS (SELECT api_key_id, any(team_id) AS team_id, any(owner_email) AS owner FROM policy_gateway_keys WHERE api_key_id != '' GROUP BY api_key_id),
      members AS (
        SELECT email, argMax(team_id, valid_from) AS team_id FROM policy_team_members
        WHERE valid_from < {to:DateTime64(3)} AND valid_to > {from:DateTime64(3)} GROUP BY email
      ),
      reqs AS (
        SELECT team_id, api_key_id, api_key_alias, user_email, route, user_agent, tags, gateway, provider,
               model_requested, model_served, count() AS requests, sum(cost_usd) AS cost, min(event_time) AS first_seen
        FROM gateway_requests
        WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)} AND model_served != ''
        GROUP BY team_id, api_key_id, api_key_alias, user_email, route, user_agent, tags, gateway, provider, model_requested, model_served
      ),
      classified AS (
        SELECT r.team_id AS raw_team, r.api_key_id AS api_key_id, r.gateway AS gateway, r.provider AS provider,
               r.model_requested AS model_requested, r.model_served AS model_served, r.requests AS n, r.cost AS cost,
               r.first_seen AS seen, if(k.owner != '', k.owner, r.user_email) AS who,
               multiIf(k.team_id != '', k.team_id, a.team_id != '', a.team_id, m.team_id) AS team,
               arrayFirst(c -> hasAny(c.2, r.tags) OR arrayExists(p -> match(r.route, p), c.3)
                   OR arrayExists(p -> match(r.api_key_alias, p), c.4) OR arrayExists(p -> match(r.user_agent, p), c.5), tc.classes).1 AS class_id,
               model_requested != '' AND NOT startsWith(model_served, model_requested) AND NOT startsWith(model_requested, model_served)
                   AND NOT has({ignoredAliases:Array(String)}, model_requested) AS is_fallback
        FROM reqs AS r
        CROSS JOIN task_classes AS tc
        LEFT JOIN keys AS k ON k.api_key_id = r.api_key_id
        LEFT JOIN policy_team_aliases AS a ON a.alias = lower(r.team_id)
        LEFT JOIN members AS m ON m.email = r.user_email
      ),
      lines AS (
        SELECT team, class_id, model_served AS served, sum(n) AS requests, round(sum(cost), 4) AS cost_usd,
               sumIf(n, is_fallback) AS fallback_requests, arraySort(groupUniqArrayIf(model_requested, is_fallback)) AS fallback_from,
               arraySort(groupUniqArray(model_requested)) AS requested, arraySort(groupUniqArray(provider)) AS providers,
               arraySort(groupUniqArray(gateway)) AS gateways, arraySort(groupUniqArrayIf(who, who != '')) AS identities,
               toString(min(seen)) AS first_seen
        FROM classified WHERE class_id != ''
        GROUP BY team, class_id, served
        HAVING requests >= {minRequests:UInt32}
      ),
      approved AS (
        SELECT team_id, class_id, groupArray(model_pattern) AS patterns, groupArray(model_glob) AS globs, any(scope) AS scope
        FROM policy_models GROUP BY team_id, class_id
      ),
      org AS (
        -- Each team's main model per class; the org model is the main model of the most teams, strictly.
        SELECT class_id, arraySort(groupArray((team, main))) AS class_models, groupArray(main) AS mains,
               arrayDistinct(mains) AS models, arrayMap(m -> countEqual(mains, m), models) AS counts,
               models[indexOf(counts, arrayMax(counts))] AS org_model,
               countEqual(counts, arrayMax(counts)) = 1 AND arrayMax(counts) >= {minTeams:UInt32} AS settled
        FROM (SELECT class_id, team, argMax(served, requests) AS main FROM lines WHERE team != '' GROUP BY class_id, team)
        GROUP BY class_id
      ),
      flagged AS (
        SELECT l.team AS team, l.class_id AS class_id, l.served AS served, l.requests AS requests, l.cost_usd AS cost_usd,
               l.fallback_requests AS fallback_requests, l.fallback_from AS fallback_from, l.requested AS requested,
               l.providers AS providers, l.gateways AS gateways, l.identities AS identities, l.first_seen AS first_seen,
               ap.globs AS approved_globs, ap.scope AS scope, o.org_model AS org_model, o.class_models AS class_models,
               arrayFilter(x -> x != '', [
                 if(NOT arrayExists(p -> match(l.served, p), ap.patterns), 'unapproved', ''),
                 if(l.fallback_requests > 0, 'fallback', ''),
                 if(l.team != '' AND ap.scope = 'org' AND o.settled AND o.org_model != l.served AND has(o.class_models, (l.team, l.served))
                    AND arrayExists(p -> match(l.served, p), ap.patterns), 'divergent', '')]) AS reasons
        FROM lines AS l
        LEFT JOIN approved AS ap ON ap.team_id = l.team AND ap.class_id = l.class_id
        LEFT JOIN org AS o ON o.class_id = l.class_id
        WHERE length(reasons) > 0
      ),
      flagged_keys AS (
        SELECT DISTINCT c.raw_team AS raw_team, c.api_key_id AS api_key_id, c.model_requested AS model_requested,
               c.model_served AS model_served, c.team AS team, c.class_id AS class_id
        FROM classified AS c
        INNER JOIN (SELECT team, class_id, served FROM flagged) AS f
          ON f.team = c.team AND f.class_id = c.class_id AND f.served = c.model_served
      ),
      raw_samples AS (
        -- Reads raw only for the flagged groups (the filter columns are read first).
        SELECT team_id, api_key_id, model_requested, model_served, groupArray(2)(raw) AS samples
        FROM gateway_requests
        WHERE event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
          AND (team_id, api_key_id, model_requested, model_served) IN (SELECT raw_team, api_key_id, model_requested, model_served FROM flagged_keys)
        GROUP BY team_id, api_key_id, model_requested, model_served
      ),
      line_samples AS (
        SELECT k.team AS s_team, k.class_id AS s_class, k.model_served AS s_served, arraySlice(groupArrayArray(s.samples), 1, 3) AS samples
        FROM flagged_keys AS k
        INNER JOIN raw_samples AS s ON s.team_id = k.raw_team AND s.api_key_id = k.api_key_id
                                    AND s.model_requested = k.model_requested AND s.model_served = k.model_served
        GROUP BY k.team, k.class_id, k.model_served
      )
    SELECT f.*, s.samples AS samples, t.owner_email AS owner
    FROM flagged AS f
    LEFT JOIN line_samples AS s ON s.s_team = f.team AND s.s_class = f.class_id AND s.s_served = f.served
    LEFT JOIN policy_teams AS t ON t.team_id = f.team
    ORDER BY team, class_id, served
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
