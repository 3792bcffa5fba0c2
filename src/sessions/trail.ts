import type { Store } from '../store/store.ts';

/**
 * One agent session reconstructed across every source — what incident response asks first:
 * who owned it and how we know, which credentials and identities it used, which models, tools and
 * MCP servers it reached, what it cost as logged and as billed, what the IdP saw of its owner
 * around it, and which alerts cite it. Shared by `GET /api/sessions/{id}` and `driftwatch session`.
 *
 * Reads by primary key where the tables allow it: agent_events is ordered by session_id; gateway
 * requests are ordered by (team, time), so the session's teams and hours come first from
 * gateway_sessions_hourly and bound the read; idp_events by (actor_email, time). provider_usage and
 * gateway_sessions_hourly have no session key first: a bloom filter on session_id
 * (0017_session_skip_indexes.sql) skips the granules without the session. alerts are scanned (a few
 * thousand rows; the session id can sit anywhere in the evidence).
 */

export const TIMELINE_LIMIT = 500;
/** IdP events of the owner this long before the session starts and after it ends. */
const IDP_BEFORE_MS = 12 * 3_600_000;
const IDP_AFTER_MS = 3_600_000;

export type TrailSource = 'agent' | 'gateway' | 'billing' | 'idp';

export interface TimelineEvent {
  at: string;
  source: TrailSource;
  kind: string;
  identity: string;
  detail: string;
  costUsd: number;
}

export interface OwnerResolution {
  email: string;
  /** telemetry = the agent's user.email; gateway-user = the gateway logged a user; gateway-key-owner = the policy owner of the key used. */
  resolvedBy: 'telemetry' | 'gateway-user' | 'gateway-key-owner' | 'unresolved';
  candidates: { email: string; via: string }[];
}

export interface SessionTrail {
  sessionId: string;
  firstSeen: string;
  lastSeen: string;
  owner: OwnerResolution;
  teams: string[];
  identities: { kind: string; value: string; source: TrailSource }[];
  credentials: { kind: string; value: string; source: TrailSource }[];
  models: string[];
  tools: string[];
  mcpServers: string[];
  cost: { loggedUsd: number; billedUsd: number; telemetryUsd: number; gatewayRequests: number; billedRecords: number };
  idpContext: { at: string; idp: string; eventType: string; actor: string; app: string; outcome: string; clientIp: string }[];
  alerts: { id: string; detector: string; severity: string; status: string; title: string; windowStart: string }[];
  timeline: TimelineEvent[];
  timelineTruncated: boolean;
}

async function rows<T>(store: Store, query: string, params: Record<string, unknown>): Promise<T[]> {
  const res = await store.client.query({ query, query_params: params, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
  return res.json<T>();
}

const iso = (chTime: string): string => `${chTime.replace(' ', 'T')}Z`;
/** A ClickHouse DateTime64 parameter from epoch milliseconds. */
const chTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

interface AgentSummary { first: string; last: string; n: number; emails: string[]; accounts: string[]; user_ids: string[]; teams: string[]; models: string[]; tools: string[]; mcp: string[]; cost: number }
interface GatewaySummary { first: string; last: string; n: number; cost: number; emails: string[]; keys: [string, string, string][]; user_ids: string[]; teams: string[]; models: string[]; mcp: string[]; tools: string[] }
interface BillingSummary { first: string | null; last: string | null; n: number; cost: number; creds: [string, string, string, string, string][]; emails: string[]; models: string[] }

interface TimelineRow { at: string; source: TrailSource; kind: string; identity: string; detail: string; cost: number }
interface IdpRow { at: string; idp: string; event_type: string; actor: string; app: string; outcome: string; client_ip: string; kind: string; identity: string; detail: string }
interface KeyOwner { owner_email: string; team_id: string; api_key_id: string; key_alias: string }

/**
 * The session's gateway hours and teams from the roll-up, as scalars the requests' primary-key
 * range is cut with (ClickHouse evaluates them before it plans the read), so the summary and the
 * timeline each bound their read in the same round trip instead of waiting for a separate one.
 */
const GATEWAY_SPAN = `
  (SELECT (groupUniqArray(toString(team_id)), min(first_at), max(last_at)) FROM gateway_sessions_hourly WHERE session_id = {sid:String}) AS span`;
const GATEWAY_WHERE = `team_id IN span.1 AND event_time >= span.2 AND event_time <= span.3 AND session_id = {sid:String}`;

const AGENT_SQL = `
    SELECT toString(min(event_time)) AS first, toString(max(event_time)) AS last, count() AS n,
           groupUniqArrayIf(user_email, user_email != '') AS emails, groupUniqArrayIf(account_id, account_id != '') AS accounts,
           groupUniqArrayIf(user_id, user_id != '') AS user_ids, groupUniqArrayIf(toString(team_id), team_id != '') AS teams,
           groupUniqArrayIf(toString(model), model != '') AS models, groupUniqArrayIf(tool_name, tool_name != '') AS tools,
           groupUniqArrayIf(mcp_server, mcp_server != '') AS mcp, sum(cost_usd) AS cost
    FROM agent_events WHERE session_id = {sid:String}`;

/** The gateway's view of the session, with the policy owners of the keys it used (the policy's keys are few: one scalar). */
const GATEWAY_SQL = `
    WITH ${GATEWAY_SPAN},
      (SELECT groupArray((owner_email, team_id, api_key_id, key_alias))
       FROM (SELECT DISTINCT owner_email, team_id, api_key_id, key_alias FROM policy_gateway_keys)) AS policy_keys
    SELECT first, last, n, cost, emails, keys, user_ids, teams, models, mcp, tools,
           arrayMap(k -> (k.1, k.2, k.3, k.4), arrayFilter(k -> (k.3 != '' AND has(arrayMap(x -> x.2, keys), k.3))
                                                             OR (k.4 != '' AND has(arrayMap(x -> x.3, keys), k.4)), policy_keys)) AS key_owners
    FROM (
      SELECT toString(min(event_time)) AS first, toString(max(event_time)) AS last, count() AS n, sum(cost_usd) AS cost,
             groupUniqArrayIf(user_email, user_email != '') AS emails,
             groupUniqArrayIf((toString(gateway), api_key_id, api_key_alias), api_key_id != '' OR api_key_alias != '') AS keys,
             groupUniqArrayIf(user_id, user_id != '') AS user_ids, groupUniqArrayIf(toString(team_id), team_id != '') AS teams,
             arrayDistinct(arrayConcat(groupUniqArrayIf(toString(model_requested), model_requested != ''), groupUniqArrayIf(toString(model_served), model_served != ''))) AS models,
             groupUniqArrayArray(mcp_servers) AS mcp, groupUniqArrayArray(tool_names) AS tools
      FROM gateway_requests WHERE ${GATEWAY_WHERE})`;

const BILLING_SQL = `
    SELECT if(count() = 0, NULL, toString(min(event_time))) AS first, if(count() = 0, NULL, toString(max(event_time))) AS last, count() AS n, sum(cost_usd) AS cost,
           groupUniqArray((toString(provider), api_key_id, workspace_id, account_id, principal)) AS creds,
           groupUniqArrayIf(user_email, user_email != '') AS emails, groupUniqArrayIf(toString(model), model != '') AS models
    FROM provider_usage WHERE session_id = {sid:String}`;

const ALERTS_SQL = `
    SELECT id, toString(detector) AS detector, toString(severity) AS severity, toString(status) AS status, title, toString(window_start) AS window_start
    FROM alerts FINAL WHERE position(entity, {sid:String}) > 0 OR position(evidence, {sid:String}) > 0
    ORDER BY window_start`;

/** The timeline's session-keyed sources: each source's first events (bounded), merged by time. The IdP's are merged in afterwards. */
const TIMELINE_SQL = `
    WITH ${GATEWAY_SPAN}
    SELECT toString(at) AS at, source, kind, identity, detail, cost FROM (
      SELECT event_time AS at, 'agent' AS source, toString(event_name) AS kind, if(user_email != '', user_email, account_id) AS identity,
             arrayStringConcat(arrayFilter(x -> x != '', [toString(model), tool_name, mcp_server, toString(decision)]), ' ') AS detail, cost_usd AS cost
      FROM agent_events WHERE session_id = {sid:String} ORDER BY event_time LIMIT {lim:UInt32}
      UNION ALL
      SELECT event_time, 'gateway', toString(call_type), if(user_email != '', user_email, api_key_alias),
             concat(toString(gateway), ' ', toString(model_requested), if(model_served != model_requested, concat(' → ', toString(model_served)), ''), ' ', toString(status)), cost_usd
      FROM gateway_requests WHERE ${GATEWAY_WHERE} ORDER BY event_time LIMIT {lim:UInt32}
      UNION ALL
      SELECT event_time, 'billing', toString(kind), if(user_email != '', user_email, if(principal != '', principal, api_key_id)),
             concat(toString(provider), ' ', toString(model)), cost_usd
      FROM provider_usage WHERE session_id = {sid:String} ORDER BY event_time LIMIT {lim:UInt32}
    ) ORDER BY at, source LIMIT {lim:UInt32}`;

/** The owner's IdP events around the session: the first IDP_CONTEXT_LIMIT are its context, the rest only feed the timeline. */
const IDP_SQL = `
    SELECT toString(event_time) AS at, toString(idp) AS idp, toString(event_type) AS event_type, if(actor_email != '', actor_email, actor_id) AS actor,
           if(app_name != '', app_name, app_id) AS app, toString(outcome) AS outcome, client_ip,
           toString(event_type) AS kind, actor AS identity, concat(toString(idp), ' ', app, ' ', toString(outcome)) AS detail
    FROM idp_events
    WHERE (actor_email IN {emails:Array(String)} OR target_user_email IN {emails:Array(String)}) AND event_time >= {lo:DateTime64(3)} AND event_time <= {hi:DateTime64(3)}
    ORDER BY event_time LIMIT {lim:UInt32}`;
const IDP_CONTEXT_LIMIT = 100;

/** The session's trail, or undefined when no source has heard of it. */
export async function sessionTrail(store: Store, sessionId: string): Promise<SessionTrail | undefined> {
  const p = { sid: sessionId, lim: TIMELINE_LIMIT + 1 };
  // Two round trips: everything keyed by the session at once, then the IdP, whose window and people come from the first.
  const [[agent], [gateway], [billing], alerts, sessionTimeline] = await Promise.all([
    rows<AgentSummary>(store, AGENT_SQL, p),
    rows<GatewaySummary & { key_owners: [string, string, string, string][] }>(store, GATEWAY_SQL, p),
    rows<BillingSummary>(store, BILLING_SQL, p),
    rows<{ id: string; detector: string; severity: string; status: string; title: string; window_start: string }>(store, ALERTS_SQL, p),
    rows<TimelineRow>(store, TIMELINE_SQL, p),
  ]);

  const seen = (agent?.n ?? 0) + (gateway?.n ?? 0) + (billing?.n ?? 0);
  if (seen === 0) return undefined;

  // Owner: telemetry's user.email first (the agent says who is logged in), then the gateway's user,
  // then the policy's owner of the gateway key (a key nobody logged a user for still has an owner).
  const keyOwners: KeyOwner[] = gateway?.n ? gateway.key_owners.map(([owner_email, team_id, api_key_id, key_alias]) => ({ owner_email, team_id, api_key_id, key_alias })) : [];
  const candidates = [
    ...(agent?.emails ?? []).map((email) => ({ email, via: 'telemetry user.email' })),
    ...(gateway?.emails ?? []).map((email) => ({ email, via: 'gateway user' })),
    ...keyOwners.filter((k) => k.owner_email).map((k) => ({ email: k.owner_email, via: `policy owner of gateway key ${k.key_alias || k.api_key_id}` })),
    ...(billing?.emails ?? []).map((email) => ({ email, via: 'provider usage' })),
  ];
  const first = candidates[0];
  const resolvedBy: OwnerResolution['resolvedBy'] = !first ? 'unresolved'
    : first.via.startsWith('telemetry') ? 'telemetry' : first.via.startsWith('gateway user') ? 'gateway-user' : first.via.startsWith('policy') ? 'gateway-key-owner' : 'unresolved';
  const owner: OwnerResolution = { email: first && resolvedBy !== 'unresolved' ? first.email : '', resolvedBy, candidates };

  const times = [agent?.n ? agent.first : undefined, agent?.n ? agent.last : undefined, gateway?.n ? gateway.first : undefined, gateway?.n ? gateway.last : undefined,
    billing?.first ?? undefined, billing?.last ?? undefined]
    .filter((t): t is string => typeof t === 'string').map((t) => Date.parse(iso(t))).sort((a, b) => a - b);
  const startMs = times[0] as number;
  const endMs = times[times.length - 1] as number;
  const ownerEmails = [...new Set(candidates.map((c) => c.email))];
  const idp = ownerEmails.length === 0 ? [] : await rows<IdpRow>(store, IDP_SQL,
    { emails: ownerEmails, lo: chTime(startMs - IDP_BEFORE_MS), hi: chTime(endMs + IDP_AFTER_MS), lim: TIMELINE_LIMIT + 1 });

  // As ORDER BY at, source would merge them: times are fixed-width text, and 'idp' sorts after every other source.
  const timeline = [...sessionTimeline, ...idp.map((e): TimelineRow => ({ at: e.at, source: 'idp', kind: e.kind, identity: e.identity, detail: e.detail, cost: 0 }))]
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.source < b.source ? -1 : a.source > b.source ? 1 : 0))
    .slice(0, TIMELINE_LIMIT + 1);

  const uniq = (xs: readonly string[]) => [...new Set(xs)].sort();
  const identities = [
    ...(agent?.emails ?? []).map((value) => ({ kind: 'email', value, source: 'agent' as const })),
    ...(agent?.user_ids ?? []).map((value) => ({ kind: 'user_id', value, source: 'agent' as const })),
    ...(gateway?.emails ?? []).map((value) => ({ kind: 'email', value, source: 'gateway' as const })),
    ...(gateway?.user_ids ?? []).map((value) => ({ kind: 'user_id', value, source: 'gateway' as const })),
    ...(billing?.emails ?? []).map((value) => ({ kind: 'email', value, source: 'billing' as const })),
  ];
  const credentials = [
    ...(agent?.accounts ?? []).map((value) => ({ kind: 'agent-account', value, source: 'agent' as const })),
    ...(gateway?.keys ?? []).map(([gw, id, alias]) => ({ kind: `${gw}-key`, value: alias ? `${alias} (${id})` : id, source: 'gateway' as const })),
    ...(billing?.n ? billing.creds : []).map(([prov, key, ws, account, principal]) => ({
      kind: `${prov}-credential`, value: [key, ws, account, principal].filter(Boolean).join(' / '), source: 'billing' as const,
    })),
  ];
  return {
    sessionId,
    firstSeen: new Date(startMs).toISOString(),
    lastSeen: new Date(endMs).toISOString(),
    owner,
    teams: uniq([...(agent?.teams ?? []), ...(gateway?.teams ?? []), ...keyOwners.map((k) => k.team_id).filter(Boolean)]),
    identities,
    credentials,
    models: uniq([...(agent?.models ?? []), ...(gateway?.models ?? []), ...(billing?.models ?? [])]),
    tools: uniq([...(agent?.tools ?? []), ...(gateway?.tools ?? [])]),
    mcpServers: uniq([...(agent?.mcp ?? []), ...(gateway?.mcp ?? [])]),
    cost: {
      loggedUsd: gateway?.cost ?? 0, billedUsd: billing?.cost ?? 0, telemetryUsd: agent?.cost ?? 0,
      gatewayRequests: gateway?.n ?? 0, billedRecords: billing?.n ?? 0,
    },
    idpContext: idp.slice(0, IDP_CONTEXT_LIMIT).map((e) => ({ at: iso(e.at), idp: e.idp, eventType: e.event_type, actor: e.actor, app: e.app, outcome: e.outcome, clientIp: e.client_ip })),
    alerts: alerts.map((a) => ({ id: a.id, detector: a.detector, severity: a.severity, status: a.status, title: a.title, windowStart: iso(a.window_start) })),
    timeline: timeline.slice(0, TIMELINE_LIMIT).map((e) => ({ at: iso(e.at), source: e.source, kind: e.kind, identity: e.identity, detail: e.detail, costUsd: e.cost })),
    timelineTruncated: timeline.length > TIMELINE_LIMIT,
  };
}
