-- Check net/network:network_sizes_sane: each nominal in at most one network, every network with
-- enough offenders and victims, well-formed ids, and no network above ${max_network_share} of all
-- nominals (unless it is at most ${network_size_check_floor} members). Largest size and share are reported.
WITH largest AS (
    SELECT
        (SELECT coalesce(max(n_members), 0) FROM net.network) AS largest_network,
        (SELECT count(*) FROM net.node) AS nominals
),
share AS (
    SELECT largest_network,
           CASE WHEN nominals > 0 THEN CAST(largest_network AS DOUBLE) / nominals ELSE 0.0 END AS largest_share
    FROM largest
)
SELECT 'network_too_large' AS rule,
       CASE WHEN largest_share > ${max_network_share} AND largest_network > ${network_size_check_floor} THEN 1 ELSE 0 END AS n
FROM share
UNION ALL
SELECT 'networks_short_of_offenders_or_victims', count(*)
FROM net.network
WHERE n_evidenced_offenders < ${min_network_offenders} OR n_victims < ${min_network_victims}
UNION ALL
SELECT 'nominals_in_two_networks', count(*)
FROM (SELECT nominal_id FROM net.network_member GROUP BY nominal_id HAVING count(*) > 1) AS repeated
UNION ALL
SELECT 'malformed_network_ids', count(*) FROM net.network WHERE NOT ${network_id_valid}
UNION ALL
SELECT 'largest_network', largest_network FROM share
UNION ALL
SELECT 'largest_share', round(largest_share, 4) FROM share
