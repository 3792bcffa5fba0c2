-- Provider key inventory, the client authentication of IdP sign-ins, and the policy that says which
-- workloads must use federation and how old a provider key may get (issue 14, part 3).
--
-- provider_keys: one row per key per inventory pull, from OpenAI's project API key list
--   (GET /v1/organization/projects/{id}/api_keys) and Anthropic's Admin API key list
--   (GET /v1/organizations/api_keys), formats.md §3 and §4. Only the provider's own redacted hint
--   (`sk-abc...def`, `sk-ant-api03-R2D...igAA`) is stored, or a fingerprint when a collector sent
--   something that is not redacted (src/decode/billing/key-hint.ts); never a key.
--   event_time is the key's creation time: that is the event the record describes, and it makes
--   age a column subtraction. A pull repeats every key; detectors take the newest row per key
--   (argMax over ingested_at), so repeated pulls cost rows, not correctness.
--   ORDER BY (provider, key_id, …): detectors read "latest state per key"; ingest coordinates keep
--   the sort key unique per record, like the other source tables.
--   Retention like the other source tables (0013): 400 days from ingest, raw evidence 90 days.
CREATE TABLE IF NOT EXISTS provider_keys
(
    event_time       DateTime64(3, 'UTC'),
    ingested_at      DateTime64(3, 'UTC') DEFAULT now64(3),
    format           LowCardinality(String),
    provider         LowCardinality(String),
    key_id           String,
    key_name         String,
    key_hint         String,
    workspace_id     String,
    owner_type       LowCardinality(String),
    owner_id         String,
    owner_email      String,
    created_by_id    String,
    status           LowCardinality(String),
    last_used_at     DateTime64(3, 'UTC'),
    expires_at       DateTime64(3, 'UTC'),
    source_topic     LowCardinality(String),
    source_partition UInt32,
    source_offset    UInt64,
    record_index     UInt32,
    raw              String CODEC(ZSTD(3)) TTL toDateTime(ingested_at) + INTERVAL 90 DAY
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ingested_at)
ORDER BY (provider, key_id, event_time, source_partition, source_offset, record_index)
TTL toDateTime(ingested_at) + INTERVAL 400 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- idp_events.client_auth: how a workload proved who it is, in one vocabulary across IdPs
-- (client_secret, certificate, private_key_jwt, client_assertion, federated, managed_identity; ''
-- when the record does not say). Entra: `clientCredentialType` of service-principal sign-ins
-- (grant_type kept it raw until now); Okta: `authenticationContext.credentialType` of OAuth token
-- grants. A static secret where the policy expects federation is a detector's question, so the
-- classification happens once, at ingest. ADD COLUMN is metadata-only; old rows read ''.
ALTER TABLE idp_events ADD COLUMN IF NOT EXISTS client_auth LowCardinality(String) AFTER scopes;

-- Policy (schemas/policy/workload-identity.ts), versioned like 0007's tables.
-- A workload the policy expects to authenticate with federation: matched on the IdP's app / client
-- id, or on the principal's name (pre-compiled glob); allowed_auth is the client_auth vocabulary.
CREATE TABLE IF NOT EXISTS policy_workloads_all
(
    policy_version    String,
    workload_id       String,
    idp               LowCardinality(String),
    app_id            String,
    principal_pattern String,
    team_id           String,
    owner_email       String,
    allowed_auth      Array(String),
    description       String
)
ENGINE = MergeTree ORDER BY (policy_version, workload_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_workloads AS
SELECT * EXCEPT policy_version FROM policy_workloads_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);

-- Maximum age of a provider key, per provider ('' = every provider; a provider's own row wins).
CREATE TABLE IF NOT EXISTS policy_key_rotation_all
(
    policy_version String,
    provider       LowCardinality(String),
    max_age_days   UInt32
)
ENGINE = MergeTree ORDER BY (policy_version, provider)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_key_rotation AS
SELECT * EXCEPT policy_version FROM policy_key_rotation_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);

-- Which provider keys each gateway credential of the policy holds, resolved with the key inventory,
-- for the gateway-vs-bill ledger: a credential naming its key id holds that key; one naming only a
-- workspace / project holds every key the inventory lists there, each now by its own id. Without
-- an inventory a workspace-only credential resolves to no key here (the ledger then matches the
-- workspace, as before). The key's hint and name come along for the analyst.
CREATE VIEW IF NOT EXISTS provider_key_credentials AS
WITH keys AS
(
    SELECT provider, key_id, argMax(key_hint, ingested_at) AS key_hint, argMax(key_name, ingested_at) AS key_name,
           argMax(workspace_id, ingested_at) AS workspace_id, argMax(status, ingested_at) AS status
    FROM provider_keys
    GROUP BY provider, key_id
)
SELECT c.credential_id AS credential_id, c.gateway_id AS gateway_id, c.team_id AS team_id, k.provider AS provider,
       k.key_id AS key_id, k.key_hint AS key_hint, k.key_name AS key_name, k.workspace_id AS workspace_id, k.status AS status
FROM keys AS k
INNER JOIN policy_credentials AS c ON c.provider = k.provider AND c.api_key_id = k.key_id
UNION ALL
SELECT c.credential_id, c.gateway_id, c.team_id, k.provider, k.key_id, k.key_hint, k.key_name, k.workspace_id, k.status
FROM keys AS k
INNER JOIN (SELECT * FROM policy_credentials WHERE api_key_id = '' AND workspace_id != '') AS c
    ON c.provider = k.provider AND c.workspace_id = k.workspace_id;
