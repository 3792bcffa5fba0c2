-- Detector parameter overrides from the policy file (`detectors:` section, issue 14), versioned
-- with the rest of the policy like 0007_policy.sql: rows under the new policy_version first, the
-- policy_versions row last, so a run sees the overrides of the policy in force and the version an
-- alert records covers the parameters it was judged with.
--
-- One row per detector and scope: team_id '' = organisation-wide, else that team's values (which
-- apply over the organisation-wide ones). `params` is the overrides as JSON text: the detector's
-- own file declares and validates them (src/detect/param-overrides.ts), so no column per param.
-- Tiny (a row per override), ordered for the runtime's lookup by detector.

CREATE TABLE IF NOT EXISTS policy_detector_params_all
(
    policy_version String,
    detector_id    String,
    team_id        String,
    params         String
)
ENGINE = MergeTree ORDER BY (policy_version, detector_id, team_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE VIEW IF NOT EXISTS policy_detector_params AS
SELECT detector_id, team_id, params FROM policy_detector_params_all
WHERE policy_version = (SELECT argMax(policy_version, loaded_at) FROM policy_versions);
