import { defineDetector, param } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * One agent session carrying more than one person or credential. A Claude Code session id is
 * minted per process and sent on every model request (`x-claude-code-session-id`, formats.md §8),
 * so one session should show one human throughout. Seeing several means a shared or borrowed
 * credential, a session resumed on someone else's machine, or a key swapped in mid-session to get
 * round a budget or a model restriction.
 *
 * Observations per session in the lookback:
 *  - agent telemetry: `user.email` (or the admin-injected `enduser.id`) and the Claude account id
 *    `user.account_id` (formats.md N6: exact when OAuth);
 *  - gateway requests carrying the session id (LiteLLM session_id, Kong header): the virtual key
 *    (LiteLLM key hash, Kong credential) and its person — the user the gateway stamped, else the
 *    owner the policy gives the key (gatewayKeys).
 * A session fires on ≥ minHumans distinct e-mails across sources, or ≥ minCredentials distinct
 * Claude accounts, or distinct keys on one gateway (one person's LiteLLM key and Kong credential
 * in one session is a route change, not a switch). The accountable identity is the earliest person
 * seen; the others, and the order they appeared in, are the evidence.
 *
 * The lookback is two runs long, so a hand-over across a run boundary is seen whole (one after more
 * than an hour of silence in the session is not: a known gap, traded for reading 2 h, not a day, of
 * gateway logs per run — gateway_requests has no session index). Only the few
 * flagged sessions are looked up again (start, samples). The incident window is the UTC day the
 * session started (its first telemetry ever, else its first observation in the lookback), so every
 * re-run and the overlapping next run land on the same fingerprint.
 *
 * Reads the hourly roll-ups (0010_rollups.sql: agent_hourly, gateway_sessions_hourly, agent_session_starts);
 * raw records for the flagged sessions' samples only, by primary key.
 */

interface Row {
  session_id: string;
  first_seen: string;
  last_seen: string;
  events: number;
  humans: string[];
  people_in_order: string[];
  accounts: number;
  gateway_keys: number;
  credentials: string[];
  sources: string[];
  timeline: string[];
  first_human: string;
  first_credential: string;
  team: string;
  session_start: string;
  samples: string[];
}

export default defineDetector({
  id: 'cross-source.identity-switch',
  title: 'Agent session carrying more than one person or credential',
  description:
    'One agent session id seen with different people (telemetry user e-mail, gateway user or key owner) or different ' +
    'credentials (Claude account ids, gateway virtual keys) across agent telemetry and gateway logs: shared or borrowed ' +
    'credentials and sessions moved between people. One alert per session.',
  severity: 'high',
  audience: 'soc',
  // The 2 h lookback joins each hour to the one before, so a switch across a run boundary is one session with
  // two people; the session-start-day fingerprint makes the overlap raise nothing twice.
  schedule: { every: '1h', lookback: '2h', settle: '15m', recheck: '24h' },
  controls: {
    owaspAgentic: ['ASI03'],
    maestro: ['L6', 'L7'],
    nistAiRmf: ['GOVERN 2.1', 'MEASURE 2.7', 'MANAGE 4.1'],
    nistCsf: ['PR.AA-02', 'PR.AA-03', 'DE.CM-03'],
  },
  runbook:
    'Read the timeline in the evidence: which person and credential appeared first and which joined later, from which ' +
    'source. Ask the first person (the identity) whether they shared the session, their gateway key or their Claude login; ' +
    'ask the later ones how they obtained it. A gateway key used by someone other than its policy owner should be rotated ' +
    '(LiteLLM /key/regenerate, Kong credential delete) and re-issued per person. If the people are on different teams, ' +
    'check whether the switch moved spend or model access across team budgets. Close as benign for documented pairing.',
  falsePositives: [
    'Pair programming or a hand-over where one developer resumes a colleague\'s session (claude --resume on a shared box).',
    'A key rotated in the middle of a long session (same person, two gateway keys).',
    'A team service key whose gateway user differs from the developer\'s telemetry e-mail — give it an owner in gatewayKeys.',
    'A gateway-only session (no telemetry) running across midnight is seen again as a new day\'s incident.',
  ],
  params: {
    minHumans: param('UInt8', 2, 'Fire when a session shows at least this many distinct people (e-mails).'),
    minCredentials: param('UInt8', 2, 'Fire when a session shows at least this many Claude accounts, or this many keys on one gateway.'),
  },
  query: sql`
    WITH
      idents AS (
        -- One row per session and person/credential seen, pre-aggregated per source before any join.
        -- from the hourly roll-ups (0010_rollups.sql)
        SELECT session_id, 'agent' AS source, user_email AS email, account_id AS credential, account_id AS label,
               any(team_id) AS team_hint, '' AS key_team, min(first_at) AS first_at, max(last_at) AS last_at, sum(events) AS n
        FROM agent_hourly
        WHERE session_id != '' AND (user_email != '' OR account_id != '')
          AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
        GROUP BY session_id, user_email, account_id
        UNION ALL
        SELECT g.session_id, g.gateway, multiIf(g.user_email != '', g.user_email, ki.owner_email != '', ki.owner_email, ka.owner_email),
               g.api_key_id, if(g.api_key_alias != '', g.api_key_alias, g.api_key_id), g.team_hint,
               if(ki.team_id != '', ki.team_id, ka.team_id), g.first_at, g.last_at, g.n
        FROM (
          SELECT session_id, gateway, api_key_id, api_key_alias, user_email, any(team_id) AS team_hint,
                 min(first_at) AS first_at, max(last_at) AS last_at, sum(requests) AS n
          FROM gateway_sessions_hourly
          WHERE session_id != '' AND (user_email != '' OR api_key_id != '')
            AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
          GROUP BY session_id, gateway, api_key_id, api_key_alias, user_email
        ) AS g
        LEFT JOIN (SELECT api_key_id, any(owner_email) AS owner_email, any(team_id) AS team_id
                   FROM policy_gateway_keys WHERE api_key_id != '' GROUP BY api_key_id) AS ki ON ki.api_key_id = g.api_key_id
        LEFT JOIN (SELECT key_alias, any(owner_email) AS owner_email, any(team_id) AS team_id
                   FROM policy_gateway_keys WHERE api_key_id = '' GROUP BY key_alias) AS ka ON ka.key_alias = g.api_key_alias
      ),
      -- the sessions that switched, computed once (a few rows): their start and raw samples are looked up below
      (SELECT groupArray((session_id, first_seen, last_seen, events, humans, accounts, gateway_keys, credentials, sources, seen,
                          first_human, first_credential, team_hint, key_team)) FROM (
        SELECT
          session_id,
          min(first_at) AS first_seen,
          max(last_at) AS last_seen,
          sum(n) AS events,
          arraySort(groupUniqArrayIf(email, email != '')) AS humans,
          uniqExactIf(credential, source = 'agent' AND credential != '') AS accounts,
          uniqExactIf(credential, source != 'agent' AND credential != '') AS gateway_keys,
          -- Two gateways, one key each (LiteLLM key + Kong credential of one person), is not a switch.
          groupArrayIf((source, credential), source != 'agent' AND credential != '') AS key_pairs,
          arrayMax(arrayMap(gw -> length(arrayDistinct(arrayFilter(k -> k.1 = gw, key_pairs))),
                            arrayPushBack(arrayDistinct(arrayMap(k -> k.1, key_pairs)), ''))) AS keys_per_gateway,
          arraySort(groupUniqArrayIf(label, label != '')) AS credentials,
          arraySort(groupUniqArray(source)) AS sources,
          groupArray((first_at, source, email, label, n)) AS seen,
          argMinIf(email, first_at, email != '') AS first_human,
          argMinIf(label, first_at, label != '') AS first_credential,
          argMinIf(team_hint, first_at, team_hint != '') AS team_hint,
          argMinIf(key_team, first_at, key_team != '') AS key_team
        FROM idents
        GROUP BY session_id
        HAVING length(humans) >= {minHumans:UInt8} OR greatest(accounts, keys_per_gateway) >= {minCredentials:UInt8})) AS flagged,
      arrayMap(x -> x.1, flagged) AS flagged_ids,
      starts AS (
        SELECT session_id, min(first_at) AS session_start FROM agent_session_starts WHERE has(flagged_ids, session_id) GROUP BY session_id
      ),
      agent_samples AS (
        -- agent_events is ordered by session_id: the first record of each person/account of these sessions in the window
        SELECT session_id, groupArrayIf(3)(raw, raw != '') AS samples
        FROM (
          SELECT session_id, argMin(raw, event_time) AS raw
          FROM agent_events
          WHERE has(flagged_ids, session_id) AND (user_email != '' OR account_id != '')
            AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
          GROUP BY session_id, user_email, account_id
        )
        GROUP BY session_id
      ),
      gateway_samples AS (
        -- the first request of each person/key of these sessions (gateway_sessions_hourly pointers), by primary key (team_id, event_time)
        SELECT p.session_id AS session_id, groupArray(3)(r.raw) AS samples
        FROM (
          SELECT session_id, team_id, (min(first_request)).1 AS event_time, (min(first_request)).2 AS request_id
          FROM gateway_sessions_hourly
          WHERE has(flagged_ids, session_id) AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
          GROUP BY session_id, team_id, user_email, api_key_id) AS p
        INNER JOIN (
          SELECT team_id, event_time, request_id, any(raw) AS raw FROM gateway_requests
          WHERE (team_id, event_time, request_id) IN (
            SELECT team_id, (min(first_request)).1, (min(first_request)).2 FROM gateway_sessions_hourly
            WHERE has(flagged_ids, session_id) AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
            GROUP BY session_id, team_id, user_email, api_key_id)
          GROUP BY team_id, event_time, request_id) AS r
          ON r.team_id = p.team_id AND r.event_time = p.event_time AND r.request_id = p.request_id
        GROUP BY p.session_id
      ),
      members AS (
        SELECT email, argMax(team_id, valid_from) AS team_id
        FROM policy_team_members
        WHERE valid_from < {to:DateTime64(3)} AND valid_to > {from:DateTime64(3)}
        GROUP BY email
      )
    SELECT
      x.f.1 AS session_id, x.f.2 AS first_seen, x.f.3 AS last_seen, x.f.4 AS events,
      x.f.5 AS humans, x.f.6 AS accounts, x.f.7 AS gateway_keys, x.f.8 AS credentials,
      x.f.9 AS sources, x.f.11 AS first_human, x.f.12 AS first_credential,
      arrayDistinct(arrayFilter(e -> e != '', arrayMap(t -> t.3, arraySort(x.f.10)))) AS people_in_order,
      arrayMap(t -> concat(toString(t.1), ' ', t.2, ' ', if(t.3 != '', t.3, '(no e-mail)'),
                           if(t.4 != '', concat(' via ', t.4), ''), ' x', toString(t.5)), arraySort(x.f.10)) AS timeline,
      multiIf(m.team_id != '', m.team_id, x.f.14 != '', x.f.14, t.team_id) AS team,
      if(st.session_id != '', least(st.session_start, x.f.2), x.f.2) AS session_start,
      arrayConcat(a.samples, gs.samples) AS samples
    FROM (SELECT arrayJoin(flagged) AS f) AS x
    LEFT JOIN starts AS st ON st.session_id = x.f.1
    LEFT JOIN agent_samples AS a ON a.session_id = x.f.1
    LEFT JOIN gateway_samples AS gs ON gs.session_id = x.f.1
    LEFT JOIN members AS m ON m.email = x.f.11
    LEFT JOIN policy_team_aliases AS t ON t.alias = lower(x.f.13)
    ORDER BY first_seen, session_id
  `,
  alert(row: Row) {
    const [first, ...later] = row.people_in_order;
    const people = row.humans.length > 1
      ? `${row.humans.length} people (first ${first}, then ${later.join(', then ')})`
      : `one person (${row.first_human || 'unknown'})`;
    const creds = [
      row.accounts > 1 ? `${row.accounts} Claude accounts` : '',
      row.gateway_keys > 1 ? `${row.gateway_keys} gateway keys` : '',
    ].filter(Boolean);
    return {
      entity: `session:${row.session_id}`,
      team: row.team,
      identity: row.first_human,
      credential: row.first_credential,
      summary: `Agent session ${row.session_id} carried ${people}` +
        `${creds.length ? ` on ${creds.join(' and ')}` : ''} (credentials: ${row.credentials.join(', ') || 'none logged'}) ` +
        `across ${row.sources.join(' + ')} between ${row.first_seen} and ${row.last_seen} UTC.`,
      evidence: {
        figures: {
          sessionId: row.session_id,
          firstSeen: row.first_seen,
          lastSeen: row.last_seen,
          events: row.events,
          humans: row.humans,
          humanCount: row.humans.length,
          claudeAccounts: row.accounts,
          gatewayKeys: row.gateway_keys,
          credentials: row.credentials,
          sources: row.sources,
          timeline: row.timeline,
        },
        samples: row.samples,
      },
      ...utcDay(row.session_start),
    };
  },
});
