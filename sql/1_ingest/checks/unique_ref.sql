-- Check: repeats of a ref that must be unique in its raw table.
SELECT count(*) - count(DISTINCT ${column}) AS n_repeats
FROM ${table}
