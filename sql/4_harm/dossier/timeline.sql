-- Dossier: dated activity of network ${network_id}: its crimes, missing episodes
-- in its orbit, the intelligence logs and arrests that link its members, and
-- the first sighting of each link between members (from the picture the dossier
-- is written from: the shareable one holds no handling-code-C intelligence).
WITH member AS (
    SELECT nominal_id FROM net.network_member WHERE network_id = ${network_id}
),
member_evidence AS (
    SELECT v.*
    FROM net.edge_evidence AS v
    WHERE v.nominal_id_a IN (SELECT nominal_id FROM member)
      AND v.nominal_id_b IN (SELECT nominal_id FROM member)
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
    -- one line per log or arrest, naming every linked pair of members it evidences
    SELECT min(event_date),
           CASE WHEN link_type = 'INTEL_ASSOCIATION' THEN 'intel' ELSE 'arrest' END,
           source_ref,
           string_agg(DISTINCT nominal_id_a || ' / ' || nominal_id_b, ', ' ORDER BY nominal_id_a || ' / ' || nominal_id_b)
    FROM member_evidence
    WHERE link_type IN ('INTEL_ASSOCIATION', 'CO_ARREST')
    GROUP BY link_type, source_ref
    UNION
    SELECT e.first_seen, 'link', e.nominal_id_a || '|' || e.nominal_id_b,
           e.link_type || ' first seen'
    FROM net.edge AS e
    WHERE e.nominal_id_a IN (SELECT nominal_id FROM member)
      AND e.nominal_id_b IN (SELECT nominal_id FROM member)
) AS t
WHERE event_date IS NOT NULL
ORDER BY event_date, event_kind, ref, what;
