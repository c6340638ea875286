-- Dossier: dated activity of network ${network_id}: its crimes, missing episodes
-- in its orbit, and the first sighting of each link between members.
WITH conditional_only AS (
    -- edges evidenced only by handling-code-C intelligence: drawn only when ${include_handling_c}
    SELECT v.nominal_id_a, v.nominal_id_b, v.link_type
    FROM net.edge_evidence AS v
    GROUP BY v.nominal_id_a, v.nominal_id_b, v.link_type
    HAVING min(CASE WHEN NOT coalesce(v.shareable, TRUE)
                      OR v.source_ref IN (SELECT intel_ref FROM raw.intel_log WHERE handling = 'C')
                    THEN 1 ELSE 0 END) = 1
)
SELECT * FROM (
    SELECT h.event_date AS event_date, 'crime' AS event_kind, h.crime_ref AS ref,
           h.offence_code || ' ' || coalesce(h.offence_title, '') AS what
    FROM harm.network_crime AS nc
    JOIN harm.crime_harm AS h ON h.crime_ref = nc.crime_ref
    WHERE nc.network_id = ${network_id}
    UNION
    SELECT reported_date, 'missing', episode_ref,
           'reported missing: ' || nominal_id || CASE WHEN is_child THEN ' (child)' ELSE '' END
    FROM harm.network_missing
    WHERE network_id = ${network_id}
    UNION
    SELECT e.first_seen, 'link', e.nominal_id_a || '|' || e.nominal_id_b,
           e.link_type || ' first seen'
    FROM net.edge AS e
    JOIN net.network_member AS a ON a.nominal_id = e.nominal_id_a AND a.network_id = ${network_id}
    JOIN net.network_member AS b ON b.nominal_id = e.nominal_id_b AND b.network_id = ${network_id}
    WHERE ${include_handling_c} OR NOT EXISTS (
        SELECT 1 FROM conditional_only AS c
        WHERE c.nominal_id_a = e.nominal_id_a AND c.nominal_id_b = e.nominal_id_b AND c.link_type = e.link_type)
) AS t
WHERE event_date IS NOT NULL
ORDER BY event_date, event_kind, ref, what;
