-- Check net/edge:edge_pairs_well_formed: no self-loops, pairs ordered, known link types, one row per pair and type.
SELECT 'self_loops' AS rule, count(*) AS n FROM net.edge WHERE nominal_id_a = nominal_id_b
UNION ALL
SELECT 'unordered_pairs', count(*) FROM net.edge WHERE nominal_id_a > nominal_id_b
UNION ALL
SELECT 'unknown_link_types', count(*) FROM net.edge WHERE link_type NOT IN ${link_types}
UNION ALL
SELECT 'duplicate_edges', count(*)
FROM (SELECT 1 FROM net.edge GROUP BY nominal_id_a, nominal_id_b, link_type HAVING count(*) > 1) AS repeated
