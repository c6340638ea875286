-- The delivery being processed (exactly one row) and its files' audited
-- digests. manifest_file is the validated manifest, registered by the asset.
CREATE OR REPLACE TABLE raw.delivery AS
SELECT
    CAST(${delivery_id} AS VARCHAR) AS delivery_id,
    CAST(${extracted_at} AS TIMESTAMP) AS extracted_at,
    CAST(${landing_path} AS VARCHAR) AS landing_path,
    CAST(${manifest_sha256} AS VARCHAR) AS manifest_sha256,
    CAST(${loaded_at} AS TIMESTAMP) AS loaded_at;

CREATE OR REPLACE TABLE raw.delivery_file AS
SELECT
    CAST(${delivery_id} AS VARCHAR) AS delivery_id,
    CAST(m.file_name AS VARCHAR) AS file_name,
    CAST(m.n_rows AS BIGINT) AS "rows",
    CAST(m.sha256 AS VARCHAR) AS sha256
FROM manifest_file m
ORDER BY m.file_name;
