-- Check: rows of a raw table whose parent ref is not in the parent raw table.
SELECT count(*) AS n_orphans
FROM ${table} c
WHERE NOT EXISTS (SELECT 1 FROM ${parent_table} p WHERE p.${column} = c.${column})
