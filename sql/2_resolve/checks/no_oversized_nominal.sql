-- Check er/nominal:no_oversized_nominal: no nominal above ${max_cluster_size} records
-- (a sign of chained false matches); largest_nominal is reported.
SELECT 'oversized_nominals' AS rule, count(*) AS n FROM er.nominal WHERE n_records > ${max_cluster_size}
UNION ALL
SELECT 'largest_nominal', coalesce(max(n_records), 0) FROM er.nominal
