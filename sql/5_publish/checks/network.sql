-- Audit of pub.network: one row per rule with the number of offending rows (0 = pass).
SELECT 'network_id_null' AS rule, count(*) AS n_failing
FROM pub.network WHERE network_id IS NULL
UNION ALL
SELECT 'network_id_repeated', count(*)
FROM (SELECT network_id FROM pub.network GROUP BY network_id HAVING count(*) > 1) AS repeated
UNION ALL
SELECT 'harm_score_null_or_negative', count(*)
FROM pub.network WHERE harm_score IS NULL OR harm_score < 0
UNION ALL
-- priority_rank must be exactly 1..n: in range, non-null and never repeated.
SELECT 'priority_rank_out_of_range', count(*)
FROM pub.network
WHERE priority_rank IS NULL OR priority_rank < 1
   OR priority_rank > (SELECT count(*) FROM pub.network)
UNION ALL
SELECT 'priority_rank_repeated', count(*)
FROM (SELECT priority_rank FROM pub.network GROUP BY priority_rank HAVING count(*) > 1) AS repeated
UNION ALL
SELECT 'n_members_not_positive', count(*)
FROM pub.network WHERE n_members IS NULL OR n_members < 1;
