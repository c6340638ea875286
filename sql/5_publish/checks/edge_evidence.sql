-- Audit of pub.edge_evidence: every event names two published nominals.
SELECT 'nominal_id_not_in_nominal' AS rule, count(*) AS n_failing
FROM pub.edge_evidence AS e
WHERE NOT EXISTS (SELECT 1 FROM pub.nominal AS n WHERE n.nominal_id = e.nominal_id_a)
   OR NOT EXISTS (SELECT 1 FROM pub.nominal AS n WHERE n.nominal_id = e.nominal_id_b)
UNION ALL
SELECT 'pair_not_ordered', count(*)
FROM pub.edge_evidence WHERE NOT (nominal_id_a < nominal_id_b);
