-- Audit of pub.nominal_priority: every ranked nominal is published, once, ranks 1..n,
-- and no victim or child at risk is ranked as a target (contract v2).
SELECT 'nominal_id_not_in_nominal' AS rule, count(*) AS n_failing
FROM pub.nominal_priority AS p
WHERE NOT EXISTS (SELECT 1 FROM pub.nominal AS n WHERE n.nominal_id = p.nominal_id)
UNION ALL
SELECT 'nominal_id_repeated', count(*)
FROM (SELECT nominal_id FROM pub.nominal_priority GROUP BY nominal_id HAVING count(*) > 1) AS repeated
UNION ALL
SELECT 'priority_rank_out_of_range', count(*)
FROM pub.nominal_priority
WHERE priority_rank IS NULL OR priority_rank < 1
   OR priority_rank > (SELECT count(*) FROM pub.nominal_priority)
UNION ALL
SELECT 'priority_rank_repeated', count(*)
FROM (SELECT priority_rank FROM pub.nominal_priority GROUP BY priority_rank HAVING count(*) > 1) AS repeated
UNION ALL
SELECT 'victim_or_child_at_risk_ranked', count(*)
FROM pub.nominal_priority AS p
WHERE EXISTS (SELECT 1 FROM pub.network_member AS m
              WHERE m.nominal_id = p.nominal_id AND m.member_role IN ('VICTIM', 'CHILD_AT_RISK'))
   OR EXISTS (SELECT 1 FROM pub.child_safeguarding AS c WHERE c.nominal_id = p.nominal_id);
