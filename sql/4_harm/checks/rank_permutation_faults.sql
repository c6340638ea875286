-- Check of ${table}: "${rank_column} is exactly 1..n" (rows null, out of range or repeated), and one
-- row per ${expected} (rows_not_expected: the difference in row count); n_ranked is reported.
SELECT 'n_rank_faults' AS rule,
    (SELECT count(*) FROM ${table} WHERE ${rank_column} IS NULL OR ${rank_column} < 1
        OR ${rank_column} > (SELECT count(*) FROM ${table}))
  + (SELECT coalesce(sum(n - 1), 0) FROM
        (SELECT count(*) AS n FROM ${table} GROUP BY ${rank_column} HAVING count(*) > 1) AS r) AS n
UNION ALL
SELECT 'rows_not_expected', abs((SELECT count(*) FROM ${table}) - (SELECT count(*) FROM ${expected}))
UNION ALL
SELECT 'n_ranked', count(*) FROM ${table}
