-- Check raw/<table>:referential_integrity: every parent ref of the table is in its parent raw table.
-- Orphans are quarantined (rule orphan_row), so a count above 0 means the ingest itself is wrong.
SELECT 'orphans' AS rule, count(*) AS n
FROM ${table} AS c
WHERE NOT EXISTS (SELECT 1 FROM ${parent_table} AS p WHERE p.${column} = c.${column})
