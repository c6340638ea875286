-- Check: rows of a raw table whose key column is empty (quarantine must have removed them all).
SELECT count(*) AS n_empty
FROM ${table}
WHERE ${column} IS NULL OR trim(${column}) = ''
