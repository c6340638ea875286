-- Audit of pub.edge_evidence: every event names two published nominals and
-- stands behind a published edge (evidence is filtered by the same link
-- corrections as the edges).
SELECT 'nominal_id_not_in_nominal' AS rule, count(*) AS n_failing
FROM pub.edge_evidence AS e
WHERE NOT EXISTS (SELECT 1 FROM pub.nominal AS n WHERE n.nominal_id = e.nominal_id_a)
   OR NOT EXISTS (SELECT 1 FROM pub.nominal AS n WHERE n.nominal_id = e.nominal_id_b)
UNION ALL
SELECT 'pair_not_ordered', count(*)
FROM pub.edge_evidence WHERE NOT (nominal_id_a < nominal_id_b)
UNION ALL
SELECT 'evidence_without_edge', count(*)
FROM pub.edge_evidence AS v
WHERE NOT EXISTS (
    SELECT 1 FROM pub.edge AS e
    WHERE e.nominal_id_a = v.nominal_id_a AND e.nominal_id_b = v.nominal_id_b AND e.link_type = v.link_type
);
