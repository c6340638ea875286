-- Audit of pub.nominal: one row per rule with the number of offending rows (0 = pass).
SELECT 'nominal_id_null' AS rule, count(*) AS n_failing
FROM pub.nominal WHERE nominal_id IS NULL
UNION ALL
SELECT 'nominal_id_repeated', count(*)
FROM (SELECT nominal_id FROM pub.nominal GROUP BY nominal_id HAVING count(*) > 1) AS repeated
UNION ALL
SELECT 'nominal_id_format', count(*)
FROM pub.nominal WHERE length(nominal_id) <> 9 OR substr(nominal_id, 1, 1) <> 'N'
UNION ALL
SELECT 'harm_score_null_or_negative', count(*)
FROM pub.nominal WHERE harm_score IS NULL OR harm_score < 0
UNION ALL
SELECT 'network_id_not_in_network', count(*)
FROM pub.nominal AS n
WHERE n.network_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM pub.network AS w WHERE w.network_id = n.network_id);
