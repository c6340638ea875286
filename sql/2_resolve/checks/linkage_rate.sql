-- Check er/nominal_record:linkage_rate (WARN): the share of records linked to another record
-- is at least ${min_linked_share}; records, linked records, their share and nominals are reported.
WITH size AS (
    SELECT nominal_id, count(*) AS n_records FROM er.nominal_record GROUP BY nominal_id
),
total AS (
    SELECT
        coalesce(sum(n_records), 0) AS records,
        coalesce(sum(n_records) FILTER (WHERE n_records > 1), 0) AS linked_records,
        count(*) AS nominals
    FROM size
),
rate AS (
    SELECT *, CASE WHEN records > 0 THEN round(linked_records / records, 4) ELSE 0.0 END AS linked_share FROM total
)
SELECT 'linked_share_below_minimum' AS rule,
       CASE WHEN linked_records < ${min_linked_share} * records OR records = 0 AND ${min_linked_share} > 0 THEN 1 ELSE 0 END AS n
FROM rate
UNION ALL SELECT 'records', records FROM rate
UNION ALL SELECT 'linked_records', linked_records FROM rate
UNION ALL SELECT 'linked_share', linked_share FROM rate
UNION ALL SELECT 'nominals', nominals FROM rate
