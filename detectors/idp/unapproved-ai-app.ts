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
  // Regular runs wait for these sources' data past the window (a backlog, a delayed sign-in log); early looks alert as it lands.
  requires: ['idp'],
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
  // One query evaluates a day of windows (src/detect/define-detector.ts, batch); window_end below is
  // the end of the window a row belongs to: the windows tile [from, to) (lookback = every).
  // A first grant to an unapproved AI app stays one as the window fills: looked at as its data arrives.
  early: true,
  batch: true,
  query: sql`
    WITH
      toIntervalSecond({lookback:UInt32}) AS window_length,
      -- The grants of all windows, narrow columns, read once and kept as a constant (every step below reads them),
      -- each with the end of its window; raw is fetched for the sampled event ids at the end.
      (SELECT groupArray((idp, actor_email, actor_id, app_id, app_name, event_type, event_time, event_id, scopes, grant_type, client_ip,
                          user_agent, if(app_id != '', app_id, lower(app_name)),
                          {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, event_time), 0), {every:UInt32}) + 1))))
       FROM idp_events
       WHERE actor_email != '' AND actor_type = 'user' AND outcome IN ('success', 'allow') AND (app_id != '' OR app_name != '')
         AND (event_type IN ('user.authentication.sso', 'user.consent.grant', 'signin.interactiveUser', 'signin.nonInteractiveUser')
              OR match(event_type, '^app[.]oauth2[.](as[.])?token[.]grant[.]'))
         AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}) AS grants,
      recent AS (
        SELECT g.1 AS idp, g.2 AS actor_email, g.3 AS actor_id, g.4 AS app_id, g.5 AS app_name, g.6 AS event_type, g.7 AS event_time,
          g.8 AS event_id, g.9 AS scopes, g.10 AS grant_type, g.11 AS client_ip, g.12 AS user_agent, g.13 AS app_key, g.14 AS window_end
        FROM (SELECT arrayJoin(grants) AS g)
      ),
      names AS (
        -- A window names an app known only by client id after the latest IdP event naming it in [window start -
        -- nameLookbackDays, window end). Only the latest such event before a window end can count, so the events are
        -- kept per slot of the window grid (slot end; the events before {from} share the slot ending at {from}): a window
        -- takes the latest of the slots ending by its end, if that event is not older than its start - nameLookbackDays.
        SELECT idp, app_id, groupArray((slot_end, last_at, known_name)) AS slots FROM (
          SELECT idp, app_id,
            if(event_time < {from:DateTime64(3)}, {from:DateTime64(3)},
               {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * (intDiv(dateDiff('second', {from:DateTime64(3)}, event_time), {every:UInt32}) + 1))) AS slot_end,
            max(event_time) AS last_at, argMax(app_name, (event_time, app_name)) AS known_name
          FROM idp_events
          WHERE app_id IN (SELECT arrayJoin(arrayMap(g -> g.4, arrayFilter(g -> g.5 = '' AND g.4 != '', grants)))) AND app_name != ''
            AND event_time >= {from:DateTime64(3)} - toIntervalDay({nameLookbackDays:UInt32}) AND event_time < {to:DateTime64(3)}
          GROUP BY idp, app_id, slot_end)
        GROUP BY idp, app_id
      ),
      -- memberships with their validity: the team is the latest membership overlapping the grant's window
      members AS (SELECT email, groupArray((valid_from, valid_to, team_id)) AS spans FROM policy_team_members GROUP BY email),
      (SELECT groupArray((idp, app_id, app_name, team_ids)) FROM policy_ai_apps) AS approved_apps,
      -- flagged grants per window, computed once: their first use and raw samples are looked up below.
      -- Arrays are sorted (and cut after sorting) so that a window's figures do not depend on the order rows were read in.
      (SELECT groupArray((idp, email, app_key, app_id, app, team, events, event_types, first_in_window, last_seen, scopes, grant_types,
                          client_ips, user_agents, actor_ids, approved_for, sample_ids, window_end)) FROM (
        SELECT u.*,
          arrayReverseSort(span -> span.1, arrayFilter(span -> span.1 < u.window_end AND span.2 > u.window_end - window_length, m.spans)) AS spans_in_force,
          spans_in_force[1].3 AS team,
          arrayFilter(a -> a.1 = u.idp AND ((a.2 != '' AND a.2 = u.app_id) OR (a.2 = '' AND a.3 != '' AND a.3 = lower(u.app))), approved_apps) AS entries,
          arrayDistinct(arrayFlatten(arrayMap(a -> a.4, entries))) AS approved_for
        FROM (
          SELECT g.window_end AS window_end, g.idp AS idp, g.actor_email AS email, g.app_key AS app_key, any(g.app_id) AS app_id,
            -- the window's own name for the app (its earliest), else the latest one known by the window end (names)
            argMinIf(g.app_name, (g.event_time, g.app_name), g.app_name != '') AS own_name,
            any(arrayReverseSort(s -> s.2, arrayFilter(s -> s.1 <= g.window_end, n.slots))[1]) AS latest_name,
            if(own_name != '', own_name,
               if(latest_name.2 >= g.window_end - window_length - toIntervalDay({nameLookbackDays:UInt32}), latest_name.3, '')) AS app,
            count() AS events, arraySort(groupUniqArray(g.event_type)) AS event_types, min(g.event_time) AS first_in_window, max(g.event_time) AS last_seen,
            arraySort(groupUniqArrayArray(g.scopes)) AS scopes, arraySort(groupUniqArrayIf(g.grant_type, g.grant_type != '')) AS grant_types,
            arraySlice(arraySort(groupUniqArrayIf(g.client_ip, g.client_ip != '')), 1, 5) AS client_ips,
            arraySlice(arraySort(groupUniqArrayIf(g.user_agent, g.user_agent != '')), 1, 3) AS user_agents,
            arraySort(groupUniqArrayIf(g.actor_id, g.actor_id != '')) AS actor_ids, groupArraySorted(3)(g.event_id) AS sample_ids
          FROM recent AS g
          LEFT JOIN names AS n ON n.idp = g.idp AND n.app_id = g.app_id
          GROUP BY g.window_end, g.idp, g.actor_email, g.app_key) AS u
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
          f.15 AS actor_ids, f.16 AS approved_for, f.17 AS sample_ids, f.18 AS window_end,
          -- the window's index k: it starts at {from} + k·every
          intDiv(dateDiff('second', {from:DateTime64(3)}, f.18) - {lookback:UInt32}, {every:UInt32}) AS k
        FROM (SELECT arrayJoin(flagged_rows) AS f)
      ),
      -- matched with IN (a set, and idp_events' primary key), not has(): a day's people are too many to compare one by one
      arrayDistinct(arrayMap(f -> f.2, flagged_rows)) AS flagged_people,
      earlier AS (
        -- the person's first grant to the app in the firstSeenDays before each window: grants in [{from} - firstSeenDays,
        -- last window start), their earliest per slot (a, b) of the two window grids the bounds fall on — a slot is in
        -- [start of window k - firstSeenDays, start of window k) exactly when a >= k and b < k
        SELECT idp, email, app_key, groupArray((a, b, first)) AS slots FROM (
          SELECT idp, actor_email AS email, if(app_id != '', app_id, lower(app_name)) AS app_key,
            intDiv(dateDiff('second', {from:DateTime64(3)} - toIntervalDay({firstSeenDays:UInt32}), event_time), {every:UInt32}) AS a,
            if(event_time < {from:DateTime64(3)}, -1, intDiv(dateDiff('second', {from:DateTime64(3)}, event_time), {every:UInt32})) AS b,
            min(event_time) AS first
          FROM idp_events
          WHERE actor_email IN (SELECT arrayJoin(flagged_people)) AND actor_type = 'user' AND outcome IN ('success', 'allow')
            AND (event_type IN ('user.authentication.sso', 'user.consent.grant', 'signin.interactiveUser', 'signin.nonInteractiveUser')
                 OR match(event_type, '^app[.]oauth2[.](as[.])?token[.]grant[.]'))
            AND event_time >= {from:DateTime64(3)} - toIntervalDay({firstSeenDays:UInt32})
            AND event_time < {to:DateTime64(3)} - window_length
          GROUP BY idp, email, app_key, a, b)
        GROUP BY idp, email, app_key
      ),
      arrayFlatten(arrayMap(f -> f.17, flagged_rows)) AS picked,
      raws AS (
        SELECT mapFromArrays(groupArray(event_id), groupArray(raw)) AS m FROM (
          SELECT event_id, any(raw) AS raw FROM idp_events
          WHERE actor_email IN (SELECT arrayJoin(flagged_people)) AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
            AND event_id IN (SELECT arrayJoin(picked))
          GROUP BY event_id)
      )
    SELECT f.window_end AS window_end, f.idp AS idp, f.email AS email, f.app_key AS app_key, f.app_id AS app_id, f.app AS app, f.team AS team,
      f.events AS events, f.event_types AS event_types,
      arrayMap(s -> s.3, arrayFilter(s -> s.1 >= f.k AND s.2 < f.k, e.slots)) AS before,
      if(notEmpty(before), arrayMin(before), f.first_in_window) AS first_seen,
      f.first_in_window AS first_in_window, f.last_seen AS last_seen, f.scopes AS scopes, f.grant_types AS grant_types,
      f.client_ips AS client_ips, f.user_agents AS user_agents, f.actor_ids AS actor_ids, f.approved_for AS approved_for,
      arrayMap(id -> raws.m[id], f.sample_ids) AS samples
    FROM flagged AS f
    LEFT JOIN earlier AS e ON e.idp = f.idp AND e.email = f.email AND e.app_key = f.app_key
    CROSS JOIN raws
    ORDER BY window_end, email, idp, app_key
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
