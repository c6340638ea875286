-- Dossier: the members of network ${network_id} with role, the reasons behind it
-- (net.member_reason: admitting reasons first, then context), centrality and
-- harm (read by harm/dossier.py). Key players first: offenders and suspects by
-- their centrality among the network's offenders alone (offender_pagerank),
-- then everyone else by harm.
WITH reasons AS (
    SELECT nominal_id,
           string_agg(reason || ' (' || source_refs || ')', '; ' ORDER BY NOT admits, reason) AS why
    FROM net.member_reason
    WHERE network_id = ${network_id}
    GROUP BY nominal_id
)
SELECT
    m.nominal_id,
    n.surname,
    n.forenames,
    n.dob,
    m.member_role,
    r.why,
    m.degree,
    m.betweenness,
    m.pagerank,
    m.offender_pagerank,
    coalesce(h.harm_score, 0) AS harm_score,
    coalesce(h.n_crimes, 0) AS n_crimes
FROM net.network_member AS m
LEFT JOIN er.nominal AS n ON n.nominal_id = m.nominal_id
LEFT JOIN harm.nominal_harm AS h ON h.nominal_id = m.nominal_id
LEFT JOIN reasons AS r ON r.nominal_id = m.nominal_id
WHERE m.network_id = ${network_id}
ORDER BY m.offender_pagerank DESC NULLS LAST, coalesce(h.harm_score, 0) DESC, m.member_role, m.nominal_id;
