-- Check net/edge:edge_evidence_present: every edge has evidence, every evidence row an edge,
-- and n_events counts the edge's distinct source refs.
SELECT 'edges_without_evidence' AS rule, count(*) AS n
FROM net.edge AS e
WHERE NOT EXISTS (
    SELECT 1 FROM net.edge_evidence AS v
    WHERE v.nominal_id_a = e.nominal_id_a AND v.nominal_id_b = e.nominal_id_b AND v.link_type = e.link_type
)
UNION ALL
SELECT 'evidence_without_edge', count(*)
FROM net.edge_evidence AS v
WHERE NOT EXISTS (
    SELECT 1 FROM net.edge AS e
    WHERE v.nominal_id_a = e.nominal_id_a AND v.nominal_id_b = e.nominal_id_b AND v.link_type = e.link_type
)
UNION ALL
SELECT 'n_events_mismatch', count(*)
FROM net.edge AS e
JOIN (
    SELECT nominal_id_a, nominal_id_b, link_type, count(DISTINCT source_ref) AS n
    FROM net.edge_evidence
    GROUP BY nominal_id_a, nominal_id_b, link_type
) AS v ON v.nominal_id_a = e.nominal_id_a AND v.nominal_id_b = e.nominal_id_b AND v.link_type = e.link_type
WHERE v.n <> e.n_events
