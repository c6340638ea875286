-- Audit of pub.soc_link: every link names a published network and a group.
SELECT 'network_id_not_in_network' AS rule, count(*) AS n_failing
FROM pub.soc_link AS s
WHERE NOT EXISTS (SELECT 1 FROM pub.network AS w WHERE w.network_id = s.network_id)
UNION ALL
SELECT 'ocg_ref_or_link_kind_null', count(*)
FROM pub.soc_link WHERE ocg_ref IS NULL OR link_kind IS NULL
UNION ALL
SELECT 'link_repeated', count(*)
FROM (
    SELECT network_id, ocg_ref, link_kind FROM pub.soc_link
    GROUP BY network_id, ocg_ref, link_kind HAVING count(*) > 1
) AS repeated;
