-- Check: dates after the delivery's extracted_at, and (except dates of birth) before ${earliest}.
SELECT
    COALESCE(SUM(CASE WHEN t.${column} > CAST(d.extracted_at AS DATE) THEN 1 ELSE 0 END), 0) AS n_future,
    COALESCE(SUM(CASE WHEN t.${column} < CAST(${earliest} AS DATE) THEN 1 ELSE 0 END), 0) AS n_too_early,
    count(t.${column}) AS n_dates
FROM ${table} t
CROSS JOIN raw.delivery d
