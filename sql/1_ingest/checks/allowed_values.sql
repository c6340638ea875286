-- Check raw/<table>:allowed_values: a coded column holds its contract codes only (empty only where
-- the contract allows it). The quarantine (rule unknown_value) or the field issue that blanks the
-- field guarantee it, so a count above 0 means the ingest itself is wrong.
-- Run once per coded column (not the Y/N flags: BOOLEAN by now): rule unknown/<column>.
SELECT 'unknown/' || ${column_name} AS rule, count(*) AS n
FROM ${table}
WHERE (${column} IS NULL AND NOT ${nullable}) OR ${column} NOT IN ${allowed}
