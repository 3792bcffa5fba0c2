import { defineDetector, param, type AlertDraft } from '../../src/detect/define-detector.ts';
import { sql } from '../../src/detect/sql.ts';
import { utcDay } from '../../src/detect/windows.ts';

/**
 * Static, long-lived credentials where the policy expects workload identity (issue 14).
 *
 * Two kinds of finding, one alert each:
 *  - `static_secret`: a workload the policy lists (`workloadIdentity.workloads`, e.g. a CI runner
 *    or an agent's service principal) signed in with a client authentication its entry does not
 *    allow: a client secret, certificate or private-key JWT where federation (OIDC workload identity
 *    federation, SPIFFE-style issued identities, managed identities) is expected. Read from
 *    idp_events.client_auth, classified at ingest from Entra `clientCredentialType` and Okta
 *    `authenticationContext.credentialType` (src/normalize/client-auth.ts). One alert per workload
 *    and UTC day. Sign-ins whose record does not say how the client authenticated are not judged.
 *  - `key_age`: an active provider API key (OpenAI project keys, Anthropic Admin API keys, the
 *    provider_keys inventory) older than the policy's maximum age (`workloadIdentity.providerKeys`)
 *    at the window's end. One alert per key; its window is the UTC day the key became due, so every
 *    later run refreshes the same alert until the key is rotated away. The evidence says whether
 *    the key was never rotated or a newer key of the same name exists and the old one stayed active.
 *
 * Inventory rows repeat per pull: the newest row of a key (argMax over ingested_at) is its state.
 * Team and owner: the workload's policy entry; for a key, the policy credential holding it (by key,
 * then by workspace/project), else the team of the key's owner: OpenAI's owner e-mail, or for
 * Anthropic (which names the creator by account id only) the person Claude Code telemetry shows on
 * that account (agent_accounts); the team owner when no person is known.
 */

interface Row {
  kind: 'static_secret' | 'key_age';
  entity: string;
  team: string;
  identity: string;
  credential: string;
  day: string;
  sign_ins: number;
  methods: string[];
  allowed: string[];
  first_at: string;
  last_at: string;
  addresses: string[];
  key_hint: string;
  key_name: string;
  workspace_id: string;
  owner_type: string;
  age_days: number;
  max_age_days: number;
  rotated: number;
  last_used: string;
  samples: string[];
}

export default defineDetector({
  id: 'cross-source.static-credentials',
  title: 'Static long-lived credential where workload identity is expected',
  description:
    'A workload the policy expects to federate (CI runner, agent service principal) authenticating to the IdP with a ' +
    'static client secret or key (Entra clientCredentialType, Okta client credential type), or an active provider API ' +
    'key (OpenAI project keys, Anthropic Admin API keys) older than the policy\'s maximum age. One alert per workload ' +
    'and UTC day, or per key.',
  severity: 'high',
  audience: 'soc',
  // Daily: key age is a daily fact, and one query per day keeps a day's replay (catch-up, backtest,
  // bench:detect) at one analysis instead of 24; a static secret is reported by the next morning.
  schedule: { every: '1d', lookback: '1d', settle: '30m', recheck: '48h' },
  // A disallowed sign-in of a workload stays one as the day fills: looked at as its data arrives.
  early: true,
  controls: {
    owaspAgentic: ['ASI03', 'ASI07'],
    maestro: ['L4', 'L6'],
    nistAiRmf: ['GOVERN 1.4', 'MANAGE 2.4'],
    nistCsf: ['PR.AA-01', 'PR.AA-03', 'PR.AA-05', 'DE.CM-03'],
  },
  runbook:
    'Static secret: 1) Find where the secret lives (CI variables, vault path, agent config) from the workload owner; ' +
    'the sample names the principal, address and credential key id, never the secret. 2) Move the workload to its ' +
    'federated credential (GitHub/GitLab OIDC → Entra federated identity credential, Okta workload identity / ' +
    'token exchange, managed identity), then delete the client secret or key from the app registration. 3) Check the ' +
    'addresses: a secret used from outside the CI provider\'s ranges is a leak, treat it as compromised. ' +
    'Old provider key: 1) Ask the owner (or the team owner) what uses the key; for a gateway-held key, rotate it in the ' +
    'gateway\'s secret store. 2) Create the new key, switch the consumer, disable then delete the old key at the ' +
    'provider. 3) If a newer key of the same name exists, the rotation happened but the old key was left active: ' +
    'disable it now.',
  falsePositives: [
    'A break-glass secret used during an IdP federation outage (check the change record, then add a policy exception).',
    'A workload mid-migration to federation whose policy entry already says federated only (add the static method to allowedAuth until the migration ends).',
    'An old key that is already disabled at the provider but the last inventory pull predates it (pull again).',
  ],
  params: {
    minSignIns: param('UInt32', 1, 'Sign-ins with a disallowed method a workload needs in the window before it alerts.'),
    samplesPerAlert: param('UInt8', 5, 'Raw sign-in records kept as evidence per alert.'),
  },
  query: sql`
    SELECT f.*, if(f.owner != '', f.owner, t.owner_email) AS identity
    FROM
    (
      SELECT
        'static_secret' AS kind,
        concat('workload:', e.idp, ':', w.workload_id) AS entity,
        w.team_id AS team,
        w.owner_email AS owner,
        w.workload_id AS credential,
        toString(toDate(min(e.event_time))) AS day,
        toUInt64(count()) AS sign_ins,
        arraySort(groupUniqArray(toString(e.client_auth))) AS methods,
        w.allowed_auth AS allowed,
        toString(min(e.event_time)) AS first_at,
        toString(max(e.event_time)) AS last_at,
        arraySort(groupUniqArray(10)(e.client_ip)) AS addresses,
        '' AS key_hint, any(e.actor_name) AS key_name, '' AS workspace_id, any(toString(e.actor_type)) AS owner_type,
        toUInt64(0) AS age_days, toUInt64(0) AS max_age_days, toUInt8(0) AS rotated, '' AS last_used,
        groupArray({samplesPerAlert:UInt8})(e.raw) AS samples
      FROM idp_events AS e, policy_workloads AS w
      WHERE e.event_time >= {from:DateTime64(3)} AND e.event_time < {to:DateTime64(3)}
        AND e.idp = w.idp AND e.outcome = 'success' AND e.client_auth != ''
        AND NOT has(w.allowed_auth, toString(e.client_auth))
        AND ((w.app_id != '' AND (e.app_id = w.app_id OR e.actor_id = w.app_id))
             OR (w.principal_pattern != '' AND match(e.actor_name, w.principal_pattern)))
      GROUP BY e.idp, w.workload_id, w.team_id, w.owner_email, w.allowed_auth, toDate(e.event_time)
      HAVING sign_ins >= {minSignIns:UInt32}

      UNION ALL

      SELECT
        'key_age' AS kind,
        concat(k.provider, ':', k.key_id) AS entity,
        if(kc.team_id != '', kc.team_id, if(wc.team_id != '', wc.team_id, m.team_id)) AS team,
        if(k.owner_email != '', k.owner_email, acc.email) AS owner,
        if(kc.credential_id != '', kc.credential_id, k.key_id) AS credential,
        toString(toDate(k.created_at + toIntervalDay(max_age))) AS day,
        toUInt64(0) AS sign_ins, CAST([], 'Array(String)') AS methods, CAST([], 'Array(String)') AS allowed,
        toString(k.created_at) AS first_at, toString(k.created_at) AS last_at, CAST([], 'Array(String)') AS addresses,
        k.key_hint AS key_hint, k.key_name AS key_name, k.workspace_id AS workspace_id, k.owner_type AS owner_type,
        toUInt64(intDiv(dateDiff('second', k.created_at, {to:DateTime64(3)}), 86400)) AS age_days,
        toUInt64(max_age) AS max_age_days,
        toUInt8(n.newest > k.created_at) AS rotated,
        if(toUnixTimestamp64Milli(k.last_used_at) = 0, '', toString(k.last_used_at)) AS last_used,
        [k.raw] AS samples
      FROM
      (
        SELECT provider, key_id,
               argMax(key_name, ingested_at) AS key_name, argMax(key_hint, ingested_at) AS key_hint,
               argMax(workspace_id, ingested_at) AS workspace_id, argMax(toString(owner_type), ingested_at) AS owner_type,
               argMax(owner_id, ingested_at) AS owner_id,
               argMax(owner_email, ingested_at) AS owner_email, argMax(toString(status), ingested_at) AS status,
               min(event_time) AS created_at, argMax(last_used_at, ingested_at) AS last_used_at, argMax(raw, ingested_at) AS raw
        FROM provider_keys
        WHERE event_time < {to:DateTime64(3)}
        GROUP BY provider, key_id
      ) AS k
      LEFT JOIN
      (
        SELECT provider, workspace_id, key_name, max(event_time) AS newest
        FROM provider_keys WHERE event_time < {to:DateTime64(3)}
        GROUP BY provider, workspace_id, key_name
      ) AS n ON n.provider = k.provider AND n.workspace_id = k.workspace_id AND n.key_name = k.key_name
      LEFT JOIN policy_key_rotation AS rp ON rp.provider = k.provider
      CROSS JOIN (SELECT max(max_age_days) AS days FROM policy_key_rotation WHERE provider = '') AS rd
      LEFT JOIN
      (
        SELECT provider, api_key_id, any(team_id) AS team_id, any(credential_id) AS credential_id
        FROM policy_credentials WHERE api_key_id != '' GROUP BY provider, api_key_id
      ) AS kc ON kc.provider = k.provider AND kc.api_key_id = k.key_id
      LEFT JOIN
      (
        SELECT provider, workspace_id, any(team_id) AS team_id
        FROM policy_credentials WHERE api_key_id = '' AND workspace_id != '' GROUP BY provider, workspace_id
      ) AS wc ON wc.provider = k.provider AND wc.workspace_id = k.workspace_id
      -- Anthropic names a key's creator by account id (user_01…); Claude Code telemetry says whose it is.
      LEFT JOIN
      (
        SELECT account_id, argMax(user_email, last_at) AS email FROM agent_accounts
        WHERE user_email != '' AND hour < {to:DateTime64(3)} GROUP BY account_id
      ) AS acc ON acc.account_id = k.owner_id
      LEFT JOIN
      (
        SELECT email, any(team_id) AS team_id FROM policy_team_members
        WHERE valid_from <= {to:DateTime64(3)} AND {to:DateTime64(3)} < valid_to GROUP BY email
      ) AS m ON m.email = if(k.owner_email != '', k.owner_email, acc.email)
      WHERE k.status = 'active'
        AND (if(rp.max_age_days > 0, rp.max_age_days, rd.days) AS max_age) > 0
        AND k.created_at + toIntervalDay(max_age) <= {to:DateTime64(3)}
    ) AS f
    LEFT JOIN policy_teams AS t ON t.team_id = f.team
    ORDER BY f.entity`,
  alert(row: Row): AlertDraft {
    if (row.kind === 'static_secret') {
      return {
        entity: row.entity,
        team: row.team,
        identity: row.identity,
        credential: row.credential,
        summary: `Workload ${row.credential} (${row.key_name || row.owner_type}) signed in ${row.sign_ins} time(s) with ` +
          `${row.methods.join(', ')} on ${row.day}; the policy expects ${row.allowed.join(' or ')}: a static secret or key is in use.`,
        evidence: {
          figures: {
            kind: row.kind, signIns: row.sign_ins, methods: row.methods, allowed: row.allowed, principal: row.key_name,
            firstSignIn: row.first_at, lastSignIn: row.last_at, addresses: row.addresses,
          },
          samples: row.samples,
        },
        ...utcDay(row.day),
      };
    }
    const rotation = row.rotated === 1
      ? 'a newer key of the same name exists, but this one was left active'
      : 'it was never rotated';
    return {
      entity: row.entity,
      team: row.team,
      identity: row.identity,
      credential: row.credential,
      summary: `${row.entity.split(':')[0]} key ${row.key_hint || row.entity} ("${row.key_name}") is ${row.age_days} days old, ` +
        `over the ${row.max_age_days}-day maximum; ${rotation}.`,
      evidence: {
        figures: {
          kind: row.kind, keyHint: row.key_hint, keyName: row.key_name, workspaceId: row.workspace_id, ownerType: row.owner_type,
          createdAt: row.first_at, ageDays: row.age_days, maxAgeDays: row.max_age_days, rotated: row.rotated === 1,
          lastUsed: row.last_used,
        },
        samples: row.samples,
      },
      ...utcDay(row.day),
    };
  },
});
