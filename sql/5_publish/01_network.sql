-- analyst.network: one row per CSE network with its size (net.network), harm
-- (harm.network_harm) and priority (harm.network_priority; priority_rank 1 =
-- highest priority). A network the harm stage did not rank keeps a null rank,
-- which the blocking audit rejects.
CREATE OR REPLACE TABLE pub.network AS
SELECT
    n.network_id,
    n.n_members,
    n.n_offenders,
    n.n_suspects,
    n.n_children_at_risk,
    n.n_victims,
    n.n_associates,
    n.density,
    n.first_seen,
    n.last_seen,
    n.id_status,
    coalesce(h.harm_score, 0.0) AS harm_score,
    p.priority_rank,
    p.priority_score,
    p.previous_rank,
    p.rank_change,
    p.is_active,
    p.last_activity_date,
    p.harm_points,
    p.victim_points,
    p.missing_points,
    p.growth_points,
    p.ocg_points,
    h.n_crimes,
    h.n_cse_crimes,
    h.n_victims AS n_victims_harmed,
    h.n_missing_children,
    h.n_ocg_links
FROM net.network AS n
LEFT JOIN harm.network_harm AS h ON h.network_id = n.network_id
LEFT JOIN harm.network_priority AS p ON p.network_id = n.network_id
ORDER BY p.priority_rank, n.network_id;
