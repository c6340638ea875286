-- Check of ${table}: no negative harm (${negative}); where a score is required, none missing (${missing}).
SELECT 'n_negative' AS rule, count(*) AS n FROM ${table} WHERE ${negative}
UNION ALL
SELECT 'n_null', count(*) FROM ${table} WHERE ${missing}
