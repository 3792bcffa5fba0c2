import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * A person signing in to, or granting OAuth access to, an AI app the policy does not approve.
 *
 * Grants: successful Okta `user.authentication.sso`, `app.oauth2.token.grant.*` /
 * `app.oauth2.as.token.grant.*` (the suffixed success variants; the bare event is the failure),
 * `user.consent.grant`; successful Entra ID interactive and non-interactive user sign-ins (the app
 * is the signIn appId / appDisplayName). Workload (service-principal) sign-ins are out of scope.
 *
 * Recognising an AI app — the policy lists only the APPROVED ones, so the catalogue of AI apps is
 * a detector parameter: an app is an AI app when its display name matches one of `aiAppPatterns`
 * (RE2, case-insensitive), its id is in `aiAppIds`, or the policy's aiApps names that id or that
 * name (a look-alike "LLM Gateway" under another client id is flagged). Okta token grants often
 * carry only the OAuth client id; its name is then taken from other IdP events for the same app.
 *
 * Approved: a policy aiApps entry of the same IdP with that appId (or, for an entry without appId,
 * that name), approved org-wide or for the person's team at the time.
 * Incident window: the UTC day of the person's first grant to the app within firstSeenDays.
 */

interface Row {
  idp: string;
  email: string;
  app_key: string;
  app_id: string;
  app: string;
  team: string;
  events: number;
  event_types: string[];
  first_seen: string;
  first_in_window: string;
  last_seen: string;
  scopes: string[];
  grant_types: string[];
  client_ips: string[];
  user_agents: string[];
  actor_ids: string[];
  approved_for: string[];
  samples: string[];
}

const DEFAULT_AI_APP_PATTERNS = [
  '\\b(chat ?gpt|openai|gpt)\\b', '\\b(claude|anthropic)\\b', '\\bcopilot\\b', '\\bgemini\\b', '\\bperplexity\\b',
  '\\b(cursor|windsurf|codeium|tabnine|replit|lovable|devin|sourcegraph|cody)\\b',
  '\\b(mistral|deepseek|grok|hugging ?face|poe|jasper|midjourney|character[.]ai|otter[.]ai|fireflies)\\b',
  '\\b(llm|genai|gen ai|ai assistant)\\b', '\\bai\\b',
];

const IDP_NAMES: Record<string, string> = { okta: 'Okta', entra: 'Entra ID' };

export default defineDetector({
  id: 'idp.unapproved-ai-app',
  title: 'SSO or OAuth grant to an unapproved AI app',
  description:
    'Okta SSO (user.authentication.sso), OAuth token grants (app.oauth2.*token.grant.*), consent grants (user.consent.grant) ' +
    'and Entra ID user sign-ins to AI apps the policy does not approve for the person\'s team. An app counts as an AI app when ' +
    'its name matches the aiAppPatterns parameter (ChatGPT, Claude, Copilot, Gemini, Cursor, … and "AI"), its id is in ' +
    'aiAppIds, or the policy lists its id or name as an AI app. One alert per person and app.',
  severity: 'medium',
  audience: 'soc',
  schedule: { every: '1h', lookback: '1h', settle: '15m', recheck: '24h' },
  controls: {
    owaspAgentic: ['ASI03', 'ASI04'],
    maestro: ['L6', 'L7'],
    nistAiRmf: ['GOVERN 1.6', 'GOVERN 6.1', 'MANAGE 3.1'],
    nistCsf: ['ID.AM-04', 'PR.AA-05', 'DE.CM-03'],
  },
  runbook:
    'Look at the event types and scopes in the evidence: an OAuth/consent grant gave the app a token (check offline_access and ' +
    'data scopes), an SSO only a session. In Okta, review the app instance and its assignments (who else can reach it); in ' +
    'Entra, the enterprise app and its admin/user consents. Ask the person what the app is used for and what data went in. ' +
    'If it should be allowed, add it under aiApps in the policy (appId, and teams if only some teams may use it); otherwise ' +
    'unassign it or block consent, revoke the grant (Okta: revoke tokens for the client; Entra: remove the user consent) and ' +
    'point the person at the approved gateway.',
  falsePositives: [
    'Non-AI apps whose name contains a catalogue word ("AI", "Cursor", "Poe"): narrow aiAppPatterns for your tenant.',
    'An approved app re-registered under a new client id before the policy was updated (the look-alike rule flags it).',
    'A person whose team change is not yet in the policy, using an app approved for the new team.',
  ],
  params: {
    aiAppPatterns: param('Array(String)', DEFAULT_AI_APP_PATTERNS, 'RE2 patterns (case-insensitive) that mark an app display name as an AI app.'),
    aiAppIds: param('Array(String)', [], 'Okta app/OAuth client ids or Entra appIds that are AI apps whatever their name.'),
    firstSeenDays: param('UInt32', 7, 'How far back a person\'s first grant to the app is looked for (also the re-alert period).'),
    nameLookbackDays: param('UInt32', 30, 'How far back other IdP events are searched for the name of an app known only by client id.'),
  },
  query: sql`
    WITH
      -- The window's grants, narrow columns, read once and kept as a constant (every step below reads them);
      -- raw is fetched for the sampled event ids at the end.
      (SELECT groupArray((idp, actor_email, actor_id, app_id, app_name, event_type, event_time, event_id, scopes, grant_type, client_ip,
                          user_agent, if(app_id != '', app_id, lower(app_name))))
       FROM idp_events
       WHERE actor_email != '' AND actor_type = 'user' AND outcome IN ('success', 'allow') AND (app_id != '' OR app_name != '')
         AND (event_type IN ('user.authentication.sso', 'user.consent.grant', 'signin.interactiveUser', 'signin.nonInteractiveUser')
              OR match(event_type, '^app[.]oauth2[.](as[.])?token[.]grant[.]'))
         AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}) AS grants,
      recent AS (
        SELECT g.1 AS idp, g.2 AS actor_email, g.3 AS actor_id, g.4 AS app_id, g.5 AS app_name, g.6 AS event_type, g.7 AS event_time,
          g.8 AS event_id, g.9 AS scopes, g.10 AS grant_type, g.11 AS client_ip, g.12 AS user_agent, g.13 AS app_key
        FROM (SELECT arrayJoin(grants) AS g)
      ),
      names AS (
        SELECT idp, app_id, argMax(app_name, event_time) AS known_name
        FROM idp_events
        WHERE has(arrayDistinct(arrayMap(g -> g.4, arrayFilter(g -> g.5 = '' AND g.4 != '', grants))), app_id) AND app_name != ''
          AND event_time >= {from:DateTime64(3)} - toIntervalDay({nameLookbackDays:UInt32}) AND event_time < {to:DateTime64(3)}
        GROUP BY idp, app_id
      ),
      members AS (
        SELECT email, argMax(team_id, valid_from) AS team_id FROM policy_team_members
        WHERE valid_from < {to:DateTime64(3)} AND valid_to > {from:DateTime64(3)} GROUP BY email
      ),
      (SELECT groupArray((idp, app_id, app_name, team_ids)) FROM policy_ai_apps) AS approved_apps,
      -- flagged grants, computed once: their first use and raw samples are looked up below
      (SELECT groupArray((idp, email, app_key, app_id, app, team, events, event_types, first_in_window, last_seen, scopes, grant_types,
                          client_ips, user_agents, actor_ids, approved_for, sample_ids)) FROM (
        SELECT u.*, m.team_id AS team,
          arrayFilter(a -> a.1 = u.idp AND ((a.2 != '' AND a.2 = u.app_id) OR (a.2 = '' AND a.3 != '' AND a.3 = lower(u.app))), approved_apps) AS entries,
          arrayDistinct(arrayFlatten(arrayMap(a -> a.4, entries))) AS approved_for
        FROM (
          SELECT g.idp AS idp, g.actor_email AS email, g.app_key AS app_key, any(g.app_id) AS app_id,
            if(anyIf(g.app_name, g.app_name != '') != '', anyIf(g.app_name, g.app_name != ''), any(n.known_name)) AS app,
            count() AS events, groupUniqArray(g.event_type) AS event_types, min(g.event_time) AS first_in_window, max(g.event_time) AS last_seen,
            groupUniqArrayArray(g.scopes) AS scopes, groupUniqArrayIf(g.grant_type, g.grant_type != '') AS grant_types,
            groupUniqArrayIf(5)(g.client_ip, g.client_ip != '') AS client_ips, groupUniqArrayIf(3)(g.user_agent, g.user_agent != '') AS user_agents,
            groupUniqArrayIf(g.actor_id, g.actor_id != '') AS actor_ids, groupArraySorted(3)(g.event_id) AS sample_ids
          FROM recent AS g
          LEFT JOIN names AS n ON n.idp = g.idp AND n.app_id = g.app_id
          GROUP BY g.idp, g.actor_email, g.app_key) AS u
        LEFT JOIN members AS m ON m.email = u.email
        -- not approved for this person's team …
        WHERE NOT arrayExists(a -> empty(a.4) OR has(a.4, team), entries)
          -- … and an AI app: the catalogue parameters, or an id or name the policy lists as an AI app
          AND (has({aiAppIds:Array(String)}, u.app_id)
               OR multiMatchAny(u.app, arrayMap(x -> concat('(?i)', x), {aiAppPatterns:Array(String)}))
               OR arrayExists(a -> (a.2 != '' AND a.2 = u.app_id) OR (a.3 != '' AND a.3 = lower(u.app)), approved_apps)))) AS flagged_rows,
      flagged AS (
        SELECT f.1 AS idp, f.2 AS email, f.3 AS app_key, f.4 AS app_id, f.5 AS app, f.6 AS team, f.7 AS events, f.8 AS event_types,
          f.9 AS first_in_window, f.10 AS last_seen, f.11 AS scopes, f.12 AS grant_types, f.13 AS client_ips, f.14 AS user_agents,
          f.15 AS actor_ids, f.16 AS approved_for, f.17 AS sample_ids
        FROM (SELECT arrayJoin(flagged_rows) AS f)
      ),
      arrayDistinct(arrayMap(f -> f.2, flagged_rows)) AS flagged_people,
      earlier AS (
        -- the person's first grant to the app in the firstSeenDays before the window
        SELECT idp, actor_email AS email, if(app_id != '', app_id, lower(app_name)) AS app_key, min(event_time) AS first_seen
        FROM idp_events
        WHERE has(flagged_people, actor_email) AND actor_type = 'user' AND outcome IN ('success', 'allow')
          AND (event_type IN ('user.authentication.sso', 'user.consent.grant', 'signin.interactiveUser', 'signin.nonInteractiveUser')
               OR match(event_type, '^app[.]oauth2[.](as[.])?token[.]grant[.]'))
          AND event_time >= {from:DateTime64(3)} - toIntervalDay({firstSeenDays:UInt32}) AND event_time < {from:DateTime64(3)}
        GROUP BY idp, email, app_key
      ),
      arrayFlatten(arrayMap(f -> f.17, flagged_rows)) AS picked,
      raws AS (
        SELECT mapFromArrays(groupArray(event_id), groupArray(raw)) AS m FROM (
          SELECT event_id, any(raw) AS raw FROM idp_events
          WHERE has(flagged_people, actor_email) AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
            AND has(picked, event_id)
          GROUP BY event_id)
      )
    SELECT f.idp AS idp, f.email AS email, f.app_key AS app_key, f.app_id AS app_id, f.app AS app, f.team AS team,
      f.events AS events, f.event_types AS event_types,
      if(e.first_seen > toDateTime64(0, 3, 'UTC'), e.first_seen, f.first_in_window) AS first_seen,
      f.first_in_window AS first_in_window, f.last_seen AS last_seen, f.scopes AS scopes, f.grant_types AS grant_types,
      f.client_ips AS client_ips, f.user_agents AS user_agents, f.actor_ids AS actor_ids, f.approved_for AS approved_for,
      arrayMap(id -> raws.m[id], f.sample_ids) AS samples
    FROM flagged AS f
    LEFT JOIN earlier AS e ON e.idp = f.idp AND e.email = f.email AND e.app_key = f.app_key
    CROSS JOIN raws
    ORDER BY email, idp, app_key
  `,
  alert(row: Row) {
    const idpName = IDP_NAMES[row.idp] ?? row.idp;
    const app = row.app ? `"${row.app}" (${row.app_id || 'no id'})` : `app ${row.app_id}`;
    const granted = row.event_types.some((t) => t.startsWith('app.oauth2.') || t === 'user.consent.grant');
    const scoped = row.approved_for.length > 0 ? ` It is approved only for ${row.approved_for.join(', ')}.` : '';
    const since = row.first_seen < row.first_in_window ? ` First seen ${row.first_seen.slice(0, 16)} UTC.` : '';
    return {
      entity: `${row.email}:${row.idp}:${row.app_key}`,
      team: row.team,
      identity: row.email,
      credential: granted ? row.app_id : '',
      summary: `${row.email}${row.team ? ` (${row.team})` : ''} ${granted ? 'granted OAuth access to' : 'signed in to'} AI app ${app} ` +
        `via ${idpName}, which the policy does not approve${row.team ? ' for this team' : ''}: ${row.events} event(s) ` +
        `(${row.event_types.join(', ')})${row.scopes.length > 0 ? `, scopes ${row.scopes.join(' ')}` : ''}.${scoped}${since}`,
      evidence: {
        figures: {
          idp: row.idp,
          appId: row.app_id,
          appName: row.app,
          events: row.events,
          eventTypes: row.event_types,
          scopes: row.scopes,
          grantTypes: row.grant_types,
          clientIps: row.client_ips,
          userAgents: row.user_agents,
          idpUserIds: row.actor_ids,
          approvedForTeams: row.approved_for,
          firstSeen: row.first_seen,
          firstInWindow: row.first_in_window,
          lastSeen: row.last_seen,
        },
        samples: row.samples,
      },
      ...utcDay(row.first_seen),
    };
  },
});
