-- Dossier: the links to draw for network ${network_id}: every edge between two
-- members, and the edges of its paths to organised crime groups (harm.soc_link_path).
WITH conditional_only AS (
    -- edges evidenced only by handling-code-C intelligence: drawn only when ${include_handling_c}
    SELECT v.nominal_id_a, v.nominal_id_b, v.link_type
    FROM net.edge_evidence AS v
    GROUP BY v.nominal_id_a, v.nominal_id_b, v.link_type
    HAVING min(CASE WHEN NOT coalesce(v.shareable, TRUE)
                      OR v.source_ref IN (SELECT intel_ref FROM raw.intel_log WHERE handling = 'C')
                    THEN 1 ELSE 0 END) = 1
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
SELECT e.nominal_id_a, e.nominal_id_b, e.link_type, e.weight, e.first_seen, e.last_seen
FROM net.edge AS e
WHERE ((e.nominal_id_a IN (SELECT nominal_id FROM member) AND e.nominal_id_b IN (SELECT nominal_id FROM member))
   OR EXISTS (SELECT 1 FROM ocg_path AS p
              WHERE (p.a = e.nominal_id_a AND p.b = e.nominal_id_b) OR (p.a = e.nominal_id_b AND p.b = e.nominal_id_a)))
AND (${include_handling_c} OR NOT EXISTS (
    SELECT 1 FROM conditional_only AS c
    WHERE c.nominal_id_a = e.nominal_id_a AND c.nominal_id_b = e.nominal_id_b AND c.link_type = e.link_type))
ORDER BY e.nominal_id_a, e.nominal_id_b, e.link_type;
