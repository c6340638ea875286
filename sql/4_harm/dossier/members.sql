-- Dossier: the members of network ${network_id} with role, centrality and harm
-- (read by harm/dossier.py, which adds the reasons from net.member_reason). Key players first: offenders and
-- suspects by their centrality among the network's offenders alone
-- (offender_pagerank), then everyone else by harm.
SELECT
    m.nominal_id,
    n.surname,
    n.forenames,
    n.dob,
    m.member_role,
    m.degree,
    m.betweenness,
    m.pagerank,
    m.offender_pagerank,
    coalesce(h.harm_score, 0) AS harm_score,
    coalesce(h.n_crimes, 0) AS n_crimes
FROM net.network_member AS m
LEFT JOIN er.nominal AS n ON n.nominal_id = m.nominal_id
LEFT JOIN harm.nominal_harm AS h ON h.nominal_id = m.nominal_id
WHERE m.network_id = ${network_id}
ORDER BY m.offender_pagerank DESC NULLS LAST, coalesce(h.harm_score, 0) DESC, m.member_role, m.nominal_id;
