-- Dossier: the links to draw for network ${network_id}: every edge between two
-- members, and the edges of its paths to organised crime groups (harm.soc_link_path).
-- Unless ${include_handling_c}, edges come from net.edge_shareable: recomputed
-- from shareable evidence only, so neither an edge evidenced only by
-- handling-code-C intelligence nor a C log's share of another edge's weight,
-- dates or count reaches the page.
WITH edge AS (
    SELECT nominal_id_a, nominal_id_b, link_type, weight, first_seen, last_seen, n_events
    FROM net.edge_shareable WHERE NOT ${include_handling_c}
    UNION ALL
    SELECT nominal_id_a, nominal_id_b, link_type, weight, first_seen, last_seen, n_events
    FROM net.edge WHERE ${include_handling_c}
),
member AS (
    SELECT nominal_id FROM net.network_member WHERE network_id = ${network_id}
),
ocg_path AS (
    SELECT network_nominal_id AS a, coalesce(via_nominal_id, ocg_nominal_id) AS b FROM harm.soc_link_path
    WHERE network_id = ${network_id} AND link_kind <> 'SHARED_MEMBER'
    UNION
    SELECT via_nominal_id, ocg_nominal_id FROM harm.soc_link_path
    WHERE network_id = ${network_id} AND link_kind = 'TWO_STEP'
)
SELECT e.nominal_id_a, e.nominal_id_b, e.link_type, e.weight, e.first_seen, e.last_seen, e.n_events
FROM edge AS e
WHERE (e.nominal_id_a IN (SELECT nominal_id FROM member) AND e.nominal_id_b IN (SELECT nominal_id FROM member))
   OR EXISTS (SELECT 1 FROM ocg_path AS p
              WHERE (p.a = e.nominal_id_a AND p.b = e.nominal_id_b) OR (p.a = e.nominal_id_b AND p.b = e.nominal_id_a))
ORDER BY e.nominal_id_a, e.nominal_id_b, e.link_type;
