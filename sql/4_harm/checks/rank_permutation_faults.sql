-- Rows of ${table} breaking "${rank_column} is exactly 1..n": null, out of range, or repeated.
SELECT
    (SELECT count(*) FROM ${table} WHERE ${rank_column} IS NULL OR ${rank_column} < 1
        OR ${rank_column} > (SELECT count(*) FROM ${table}))
  + (SELECT coalesce(sum(n - 1), 0) FROM
        (SELECT count(*) AS n FROM ${table} GROUP BY ${rank_column} HAVING count(*) > 1) AS r)
