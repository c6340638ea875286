-- analyst.network: one row per CSE network, with its harm and priority.
-- priority_rank 1 = highest priority (harm.network_priority); networks the
-- harm stage did not score keep a null rank, which the blocking check rejects.
CREATE OR REPLACE TABLE pub.network AS
SELECT
    n.network_id,
    n.n_members,
    n.n_offenders,
    n.n_victims,
    n.first_seen,
    n.last_seen,
    coalesce(h.harm_score, 0.0) AS harm_score,
    p.priority_score,
    p.priority_rank
FROM net.network AS n
LEFT JOIN harm.network_harm AS h ON h.network_id = n.network_id
LEFT JOIN harm.network_priority AS p ON p.network_id = n.network_id
ORDER BY p.priority_rank, n.network_id;
