-- Dossier: dated activity of network ${network_id}: its crimes, missing episodes
-- in its orbit, and the first sighting of each link between members.
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
) AS t
WHERE event_date IS NOT NULL
ORDER BY event_date, event_kind, ref, what;
