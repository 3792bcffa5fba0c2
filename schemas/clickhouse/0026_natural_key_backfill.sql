-- Natural keys for the rows stored before 0024_natural_keys.sql, which read '' and so were never
-- found by the sink's look-up: a record stored before the upgrade and re-sent after it was stored
-- again. Each key is the very string src/normalize/natural-key.ts builds, so a re-sent record now
-- finds its stored copy whatever side of the upgrade it was stored on
-- (test/integration/natural-key-backfill.int.test.ts compares the two on every sample format):
--
--   gateway_requests  gateway/request_id                       (no request id: no key)
--   agent_events      session_id/event.sequence/event_name     (no session or no sequence: no key)
--   idp_events        idp/event_id                              (no event id: no key)
--   provider_usage    provider/invocation/request_id            Bedrock invocations only
--
-- Usage and cost buckets keep '': their key is a hash of the bucket's identity and figures as the
-- decoder's JSON writes them (number and time formatting included), which SQL cannot reproduce
-- exactly, and a key that differs by one character would hide nothing and find nothing. A bucket
-- exported before the upgrade and again after it is stored twice, as before this migration.
--
-- A mutation rewrites only the natural_key column of the parts holding such rows, once; on a new
-- store every table is empty and each statement is a no-op. mutations_sync: the migration is done
-- when its statements return, before any consumer starts (run migrations before starting consumers).

ALTER TABLE gateway_requests UPDATE natural_key = concat(toString(gateway), '/', request_id)
WHERE natural_key = '' AND request_id != ''
SETTINGS mutations_sync = 1;

ALTER TABLE agent_events UPDATE natural_key = concat(session_id, '/', toString(event_sequence), '/', toString(event_name))
WHERE natural_key = '' AND session_id != '' AND event_sequence > 0
SETTINGS mutations_sync = 1;

ALTER TABLE idp_events UPDATE natural_key = concat(toString(idp), '/', event_id)
WHERE natural_key = '' AND event_id != ''
SETTINGS mutations_sync = 1;

ALTER TABLE provider_usage UPDATE natural_key = concat(toString(provider), '/invocation/', request_id)
WHERE natural_key = '' AND kind = 'invocation' AND request_id != ''
SETTINGS mutations_sync = 1;
