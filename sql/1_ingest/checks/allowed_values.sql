-- Check: rows of a raw table whose coded column is outside its allowed codes.
SELECT count(*) AS n_unknown
FROM ${table}
WHERE (${column} IS NULL AND NOT ${nullable}) OR ${column} NOT IN ${allowed}
