-- Check raw/<table>:unique_ref: the table's own ref is unique. Later repeats are quarantined (rule
-- duplicate_ref), so a count above 0 means the ingest itself is wrong. Rule repeats: rows beyond
-- the first of each ref.
SELECT 'repeats' AS rule, count(*) - count(DISTINCT ${column}) AS n
FROM ${table}
