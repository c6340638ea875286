-- harm.reference_file: the reference files this run read (classification, harm
-- weights, CSS weights), with the version label and sha256 of each, so
-- analyst.run can say exactly which reference a published score rests on.
CREATE OR REPLACE TABLE harm.reference_file AS
SELECT
    CAST(kind AS VARCHAR) AS kind,
    CAST(file_name AS VARCHAR) AS file_name,
    CAST(version AS VARCHAR) AS version,
    CAST(sha256 AS VARCHAR) AS sha256,
    CAST(n_rows AS BIGINT) AS n_rows,
    CAST(bundled AS BOOLEAN) AS bundled
FROM reference_file_input
ORDER BY kind;
