-- Dossier: the links to draw for network ${network_id}: every edge between two
-- members, and the edges of its paths to organised crime groups (harm.soc_link_path).
-- In the shareable picture (the default, csenet_dagster/network/shareable.py) net.edge
-- rests on no handling-code-C intelligence: neither its edges nor their weights,
-- dates or counts.
WITH member AS (
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
FROM net.edge AS e
WHERE (e.nominal_id_a IN (SELECT nominal_id FROM member) AND e.nominal_id_b IN (SELECT nominal_id FROM member))
   OR EXISTS (SELECT 1 FROM ocg_path AS p
              WHERE (p.a = e.nominal_id_a AND p.b = e.nominal_id_b) OR (p.a = e.nominal_id_b AND p.b = e.nominal_id_a))
ORDER BY e.nominal_id_a, e.nominal_id_b, e.link_type;
