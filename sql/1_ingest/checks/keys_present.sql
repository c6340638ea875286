-- Check raw/<table>:keys_present: no row of the raw table has an empty key column. The quarantine
-- removes such rows (rule missing_key), so a count above 0 means the ingest itself is wrong.
-- Run once per key column of the contract: rule empty/<column>.
SELECT 'empty/' || ${column_name} AS rule, count(*) AS n
FROM ${table}
WHERE ${column} IS NULL OR trim(${column}) = ''
