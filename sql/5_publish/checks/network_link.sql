-- Audit of pub.network_link: both networks are published, each pair once, ordered.
SELECT 'network_id_not_in_network' AS rule, count(*) AS n_failing
FROM pub.network_link AS l
WHERE NOT EXISTS (SELECT 1 FROM pub.network AS w WHERE w.network_id = l.network_id_a)
   OR NOT EXISTS (SELECT 1 FROM pub.network AS w WHERE w.network_id = l.network_id_b)
UNION ALL
SELECT 'pair_not_ordered', count(*)
FROM pub.network_link WHERE NOT (network_id_a < network_id_b)
UNION ALL
SELECT 'pair_repeated', count(*)
FROM (
    SELECT network_id_a, network_id_b FROM pub.network_link
    GROUP BY network_id_a, network_id_b HAVING count(*) > 1
) AS repeated;
