-- analyst.run: one row describing the published run.
CREATE OR REPLACE TABLE pub.run AS
SELECT
    h.run_id,
    h.trigger,
    h.delivery_id,
    h.extracted_at,
    h.published_at AS ran_at,
    h.code_version,
    h.settings,
    h.manifest_sha256,
    h.delivery_checksums,
    h.identity_corrections_applied,
    h.link_corrections_applied
FROM audit.run_history AS h
WHERE h.run_id = ${run_id};
