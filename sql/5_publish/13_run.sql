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
    h.link_corrections_applied,
    -- the reference files the scores rest on (kind, file name, version, sha256) as a
    -- JSON list, like delivery_checksums (DuckDB to_json/list; Spark to_json/collect_list)
    (
        SELECT CAST(to_json(list(
            {'kind': r.kind, 'file_name': r.file_name, 'version': r.version, 'sha256': r.sha256}
            ORDER BY r.kind
        )) AS VARCHAR)
        FROM harm.reference_file AS r
    ) AS reference_files
FROM audit.run_history AS h
WHERE h.run_id = ${run_id};
