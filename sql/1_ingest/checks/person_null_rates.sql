-- Check raw/<person table>:person_null_rates (WARN): how often a person field record linkage leans
-- on (surname, dob, postcode) is empty, run once per field. Rule null_rate_above_max/<column>: the
-- field's empty rows when their share is above ingest.max_null_rate_<column> (0 otherwise), so a
-- usable but thin file warns instead of stopping the run. null_rate/<column> (the share),
-- max_null_rate/<column> (the setting) and rows are reported.
WITH counts AS (
    SELECT
        count(*) AS n_rows,
        coalesce(sum(CASE WHEN ${column} IS NULL OR trim(CAST(${column} AS VARCHAR)) = '' THEN 1 ELSE 0 END), 0) AS n_empty
    FROM ${table}
),
rate AS (
    SELECT *, CASE WHEN n_rows > 0 THEN CAST(n_empty AS DOUBLE) / n_rows ELSE 0.0 END AS null_rate FROM counts
)
SELECT 'null_rate_above_max/' || ${column_name} AS rule,
       CASE WHEN null_rate > ${max_null_rate} THEN n_empty ELSE 0 END AS n
FROM rate
UNION ALL SELECT 'null_rate/' || ${column_name}, round(null_rate, 4) FROM rate
UNION ALL SELECT 'max_null_rate/' || ${column_name}, ${max_null_rate} FROM rate
UNION ALL SELECT 'rows', n_rows FROM rate
