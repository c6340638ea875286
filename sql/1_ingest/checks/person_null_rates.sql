-- Check: how often a person field is empty in a raw table.
SELECT
    count(*) AS n_rows,
    COALESCE(SUM(CASE WHEN ${column} IS NULL OR trim(CAST(${column} AS VARCHAR)) = '' THEN 1 ELSE 0 END), 0) AS n_empty
FROM ${table}
