-- Edges as exported for sharing (GraphML, i2): only evidence that may be
-- shared (handling code P) unless ${include_conditional}; an edge evidenced
-- only by handling-code-C intelligence is left out. weight is the edge's.
CREATE OR REPLACE TABLE net.export_edge AS
SELECT e.nominal_id_a, e.nominal_id_b, e.link_type, e.weight, e.first_seen, e.last_seen,
       count(DISTINCT ev.source_ref) AS n_events,
       string_agg(DISTINCT ev.source_ref, ',' ORDER BY ev.source_ref) AS source_refs
FROM net.edge AS e
JOIN net.edge_evidence AS ev
  ON ev.nominal_id_a = e.nominal_id_a AND ev.nominal_id_b = e.nominal_id_b AND ev.link_type = e.link_type
WHERE ev.shareable OR ${include_conditional}
GROUP BY e.nominal_id_a, e.nominal_id_b, e.link_type, e.weight, e.first_seen, e.last_seen
ORDER BY e.nominal_id_a, e.nominal_id_b, e.link_type;

-- Nominals in the export: every end of an exported edge and every network member.
CREATE OR REPLACE TABLE net.export_node AS
WITH exported AS (
    SELECT nominal_id_a AS nominal_id FROM net.export_edge
    UNION
    SELECT nominal_id_b FROM net.export_edge
    UNION
    SELECT nominal_id FROM net.network_member
)
SELECT n.nominal_id,
       m.network_id,
       coalesce(m.member_role, n.cse_role) AS cse_role,
       n.is_cse_seed,
       c.degree, c.weighted_degree, c.betweenness, c.pagerank, c.constraint, c.brokerage
FROM exported AS x
JOIN net.node AS n ON n.nominal_id = x.nominal_id
LEFT JOIN net.network_member AS m ON m.nominal_id = x.nominal_id
LEFT JOIN net.centrality AS c ON c.nominal_id = x.nominal_id
ORDER BY n.nominal_id;
