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
  // Regular runs wait for these sources' data past the window (a backlog, a delayed sign-in log); early looks alert as it lands.
  requires: ['gateway', 'agent'],
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
  // One query evaluates a day of windows (src/detect/define-detector.ts, batch); window_end below is
  // the end of the window a row belongs to: the windows slide (lookback 2 h, every 1 h), so an hour
  // (and an event) belongs to two windows and is counted in each.
  // More of a session's events can only add identities to it: looked at as the window's data arrives.
  early: true,
  batch: true,
  query: sql`
    WITH
      toIntervalSecond({lookback:UInt32}) AS lookback,
      toUInt32((dateDiff('second', {from:DateTime64(3)}, {to:DateTime64(3)}) - {lookback:UInt32}) / {every:UInt32} + 1) AS windows,
      hour_windows AS (
        -- every hour of the batch with the end of each window that reads it: window k ends at from + k*every + lookback
        -- and reads the hours [toStartOfHour(its start), its end), so an hour is in lookback/every windows (two)
        SELECT hour, {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * k + {lookback:UInt32}) AS window_end
        FROM (SELECT toDateTime(toStartOfHour({from:DateTime64(3)}) + toIntervalHour(number), 'UTC') AS hour
              FROM numbers(toUInt64(dateDiff('hour', toStartOfHour({from:DateTime64(3)}), {to:DateTime64(3)})) + 1))
        ARRAY JOIN range(windows) AS k
        WHERE hour >= toStartOfHour(window_end - lookback) AND hour < window_end
      ),
      -- gateway keys' policy owners, by key id and (Kong, no key id) by alias
      keys_by_id AS (SELECT api_key_id, any(owner_email) AS owner_email, any(team_id) AS team_id
                     FROM policy_gateway_keys WHERE api_key_id != '' GROUP BY api_key_id),
      keys_by_alias AS (SELECT key_alias, any(owner_email) AS owner_email, any(team_id) AS team_id
                        FROM policy_gateway_keys WHERE api_key_id = '' GROUP BY key_alias),
      -- The sessions that can have switched in some window, as a constant. A window's people, Claude accounts and keys per
      -- gateway are a subset of the whole batch's, so a session that does not switch over [from, to) switches in none of
      -- its windows. This pass reads each hour once, without the per-window fan-out and the wide aggregates below (the
      -- bulk of the cost: ~100k session rows a day, nearly all one person and one key); idents reads only the candidates.
      (SELECT groupArray(session_id) FROM (
        SELECT session_id, groupArrayIf((source, credential), source != 'agent' AND credential != '') AS key_pairs
        FROM (
          SELECT session_id, 'agent' AS source, user_email AS email, account_id AS credential
          FROM agent_hourly
          WHERE session_id != '' AND (user_email != '' OR account_id != '')
            AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
          GROUP BY session_id, email, credential
          UNION ALL
          SELECT g.session_id, g.gateway, multiIf(g.user_email != '', g.user_email, ki.owner_email != '', ki.owner_email, ka.owner_email),
                 g.api_key_id
          FROM (
            SELECT session_id, gateway, api_key_id, api_key_alias, user_email FROM gateway_sessions_hourly
            WHERE session_id != '' AND (user_email != '' OR api_key_id != '')
              AND hour >= toStartOfHour({from:DateTime64(3)}) AND hour < {to:DateTime64(3)}
            GROUP BY session_id, gateway, api_key_id, api_key_alias, user_email
          ) AS g
          LEFT JOIN keys_by_id AS ki ON ki.api_key_id = g.api_key_id
          LEFT JOIN keys_by_alias AS ka ON ka.key_alias = g.api_key_alias
        )
        GROUP BY session_id
        -- the same test as flagged's HAVING, over the batch
        HAVING uniqExactIf(email, email != '') >= {minHumans:UInt8}
            OR greatest(uniqExactIf(credential, source = 'agent' AND credential != ''),
                        arrayMax(arrayMap(gw -> length(arrayDistinct(arrayFilter(k -> k.1 = gw, key_pairs))),
                                          arrayPushBack(arrayDistinct(arrayMap(k -> k.1, key_pairs)), '')))) >= {minCredentials:UInt8})) AS candidates,
      idents AS (
        -- One row per window, session and person/credential seen, pre-aggregated per source before any join,
        -- from the hourly roll-ups (0010_rollups.sql): each hour of the batch is read once and joined to its windows.
        SELECT w.window_end AS window_end, a.session_id AS session_id, 'agent' AS source, a.user_email AS email,
               a.account_id AS credential, a.account_id AS label, any(a.team_id) AS team_hint, '' AS key_team,
               min(a.first_at) AS first_at, max(a.last_at) AS last_at, sum(a.events) AS n
        FROM agent_hourly AS a
        INNER JOIN hour_windows AS w ON w.hour = a.hour
        WHERE a.session_id IN (SELECT arrayJoin(candidates)) AND (a.user_email != '' OR a.account_id != '')
          AND a.hour >= toStartOfHour({from:DateTime64(3)}) AND a.hour < {to:DateTime64(3)}
        GROUP BY window_end, session_id, email, credential
        UNION ALL
        SELECT g.window_end, g.session_id, g.gateway, multiIf(g.user_email != '', g.user_email, ki.owner_email != '', ki.owner_email, ka.owner_email),
               g.api_key_id, if(g.api_key_alias != '', g.api_key_alias, g.api_key_id), g.team_hint,
               if(ki.team_id != '', ki.team_id, ka.team_id), g.first_at, g.last_at, g.n
        FROM (
          SELECT w.window_end AS window_end, s.session_id AS session_id, s.gateway AS gateway, s.api_key_id AS api_key_id,
                 s.api_key_alias AS api_key_alias, s.user_email AS user_email, any(s.team_id) AS team_hint,
                 min(s.first_at) AS first_at, max(s.last_at) AS last_at, sum(s.requests) AS n
          FROM gateway_sessions_hourly AS s
          INNER JOIN hour_windows AS w ON w.hour = s.hour
          WHERE s.session_id IN (SELECT arrayJoin(candidates)) AND (s.user_email != '' OR s.api_key_id != '')
            AND s.hour >= toStartOfHour({from:DateTime64(3)}) AND s.hour < {to:DateTime64(3)}
          GROUP BY window_end, session_id, gateway, api_key_id, api_key_alias, user_email
        ) AS g
        LEFT JOIN keys_by_id AS ki ON ki.api_key_id = g.api_key_id
        LEFT JOIN keys_by_alias AS ka ON ka.key_alias = g.api_key_alias
      ),
      -- the (window, session) pairs that switched, computed once (a few rows): their start and raw samples are looked up below
      (SELECT groupArray((session_id, first_seen, last_seen, events, humans, accounts, gateway_keys, credentials, sources, seen,
                          first_human, first_credential, team_hint, key_team, window_end)) FROM (
        SELECT
          window_end,
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
        GROUP BY window_end, session_id
        HAVING length(humans) >= {minHumans:UInt8} OR greatest(accounts, keys_per_gateway) >= {minCredentials:UInt8})) AS flagged,
      arrayDistinct(arrayMap(x -> x.1, flagged)) AS flagged_ids,
      starts AS (
        SELECT session_id, min(first_at) AS session_start FROM agent_session_starts WHERE has(flagged_ids, session_id) GROUP BY session_id
      ),
      agent_samples AS (
        -- agent_events is ordered by session_id: the first record of each person/account of these sessions per window, read once
        -- for the batch and fanned out to the windows each event falls in; the first three by time (deterministic)
        SELECT window_end, session_id, arrayMap(x -> x.2, groupArraySortedIf(3)((first_time, raw), raw != '')) AS samples
        FROM (
          SELECT window_end, session_id, min(event_time) AS first_time, argMin(raw, event_time) AS raw
          FROM (
            SELECT {from:DateTime64(3)} + toIntervalSecond({every:UInt32} * k + {lookback:UInt32}) AS window_end,
                   session_id, user_email, account_id, event_time, raw
            FROM agent_events
            ARRAY JOIN range(toUInt32(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, event_time) - {lookback:UInt32}, 0), {every:UInt32})),
                             toUInt32(least(intDiv(greatest(dateDiff('second', {from:DateTime64(3)}, event_time), 0), {every:UInt32}), windows - 1) + 1)) AS k
            WHERE has(flagged_ids, session_id) AND (user_email != '' OR account_id != '')
              AND event_time >= {from:DateTime64(3)} AND event_time < {to:DateTime64(3)}
              AND event_time >= window_end - lookback AND event_time < window_end)
          GROUP BY window_end, session_id, user_email, account_id
        )
        GROUP BY window_end, session_id
      ),
      -- The first request of each person/key of the flagged sessions per window (gateway_sessions_hourly pointers), computed
      -- once as a constant (a CTE would be computed again for each of its two uses below). Only the first three by time
      -- can be samples: a pointer with three strictly earlier ones in its window is dropped before any raw is read (ties
      -- are kept; they are broken by raw below).
      (SELECT groupArray((window_end, session_id, team_id, event_time, request_id)) FROM (
        SELECT window_end, session_id, team_id, event_time, request_id,
               rank() OVER (PARTITION BY window_end, session_id ORDER BY event_time) AS pos
        FROM (
          SELECT w.window_end AS window_end, s.session_id AS session_id, s.team_id AS team_id,
                 (min(s.first_request)).1 AS event_time, (min(s.first_request)).2 AS request_id
          FROM gateway_sessions_hourly AS s
          INNER JOIN hour_windows AS w ON w.hour = s.hour
          WHERE has(flagged_ids, s.session_id) AND s.hour >= toStartOfHour({from:DateTime64(3)}) AND s.hour < {to:DateTime64(3)}
          GROUP BY window_end, session_id, team_id, s.user_email, s.api_key_id)
      ) WHERE pos <= 3) AS pointers,
      gateway_samples AS (
        -- raw of those first requests by primary key (team_id, event_time); the first three by time (deterministic)
        SELECT p.window_end AS window_end, p.session_id AS session_id, arrayMap(x -> x.2, groupArraySorted(3)((p.event_time, r.raw))) AS samples
        FROM (SELECT ptr.1 AS window_end, ptr.2 AS session_id, ptr.3 AS team_id, ptr.4 AS event_time, ptr.5 AS request_id
              FROM (SELECT arrayJoin(pointers) AS ptr)) AS p
        INNER JOIN (
          SELECT team_id, event_time, request_id, any(raw) AS raw FROM gateway_requests
          WHERE (team_id, event_time, request_id) IN (SELECT ptr.3, ptr.4, ptr.5 FROM (SELECT arrayJoin(pointers) AS ptr))
          GROUP BY team_id, event_time, request_id) AS r
          ON r.team_id = p.team_id AND r.event_time = p.event_time AND r.request_id = p.request_id
        GROUP BY p.window_end, p.session_id
      ),
      -- memberships with their validity: the team is the latest membership overlapping the window
      members AS (SELECT email, groupArray((valid_from, valid_to, team_id)) AS spans FROM policy_team_members GROUP BY email)
    SELECT
      x.f.15 AS window_end,
      x.f.1 AS session_id, x.f.2 AS first_seen, x.f.3 AS last_seen, x.f.4 AS events,
      x.f.5 AS humans, x.f.6 AS accounts, x.f.7 AS gateway_keys, x.f.8 AS credentials,
      x.f.9 AS sources, x.f.11 AS first_human, x.f.12 AS first_credential,
      arrayDistinct(arrayFilter(e -> e != '', arrayMap(t -> t.3, arraySort(x.f.10)))) AS people_in_order,
      arrayMap(t -> concat(toString(t.1), ' ', t.2, ' ', if(t.3 != '', t.3, '(no e-mail)'),
                           if(t.4 != '', concat(' via ', t.4), ''), ' x', toString(t.5)), arraySort(x.f.10)) AS timeline,
      arrayReverseSort(span -> span.1, arrayFilter(span -> span.1 < x.f.15 AND span.2 > x.f.15 - lookback, m.spans)) AS spans_in_force,
      if(notEmpty(spans_in_force), spans_in_force[1].3, '') AS member_team,
      multiIf(member_team != '', member_team, x.f.14 != '', x.f.14, t.team_id) AS team,
      if(st.session_id != '', least(st.session_start, x.f.2), x.f.2) AS session_start,
      arrayConcat(a.samples, gs.samples) AS samples
    FROM (SELECT arrayJoin(flagged) AS f) AS x
    LEFT JOIN starts AS st ON st.session_id = x.f.1
    LEFT JOIN agent_samples AS a ON a.window_end = x.f.15 AND a.session_id = x.f.1
    LEFT JOIN gateway_samples AS gs ON gs.window_end = x.f.15 AND gs.session_id = x.f.1
    LEFT JOIN members AS m ON m.email = x.f.11
    LEFT JOIN policy_team_aliases AS t ON t.alias = lower(x.f.13)
    ORDER BY window_end, first_seen, session_id
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
