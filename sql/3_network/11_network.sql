-- One row per CSE network: size, roles, internal links and activity dates
-- (first/last event of any link inside the network).
CREATE OR REPLACE TABLE net.network AS
WITH
member AS (
    SELECT network_id,
           count(*) AS n_members,
           count(*) FILTER (WHERE member_role = 'OFFENDER') AS n_offenders,
           count(*) FILTER (WHERE member_role = 'SUSPECT') AS n_suspects,
           -- offenders and suspects: the people the network is about (docs/network.md)
           count(*) FILTER (WHERE member_role IN ('OFFENDER', 'SUSPECT')) AS n_evidenced_offenders,
           count(*) FILTER (WHERE member_role = 'VICTIM') AS n_victims,
           count(*) FILTER (WHERE member_role = 'CHILD_AT_RISK') AS n_children_at_risk,
           count(*) FILTER (WHERE member_role = 'ASSOCIATE') AS n_associates,
           count(*) FILTER (WHERE is_person_of_concern) AS n_persons_of_concern
    FROM net.network_member
    GROUP BY network_id
),
internal_edge AS (
    SELECT a.network_id, e.nominal_id_a, e.nominal_id_b, e.weight, e.first_seen, e.last_seen
    FROM net.edge AS e
    JOIN net.network_member AS a ON a.nominal_id = e.nominal_id_a
    JOIN net.network_member AS b ON b.nominal_id = e.nominal_id_b AND b.network_id = a.network_id
),
activity AS (
    SELECT network_id,
           count(DISTINCT nominal_id_a || '-' || nominal_id_b) AS n_linked_pairs,
           sum(weight) AS total_weight,
           min(first_seen) AS first_seen,
           max(last_seen) AS last_seen
    FROM internal_edge
    GROUP BY network_id
)
SELECT m.network_id, m.n_members, m.n_offenders, m.n_suspects, m.n_evidenced_offenders, m.n_victims,
       m.n_children_at_risk, m.n_associates, m.n_persons_of_concern,
       coalesce(a.n_linked_pairs, 0) AS n_linked_pairs,
       coalesce(a.total_weight, 0.0) AS total_weight,
       CASE WHEN m.n_members > 1
            THEN coalesce(a.n_linked_pairs, 0) * 2.0 / (m.n_members * (m.n_members - 1)) END AS density,
       a.first_seen, a.last_seen,
       l.id_status, l.previous_overlap
FROM member AS m
LEFT JOIN activity AS a ON a.network_id = m.network_id
LEFT JOIN net.network_lineage AS l ON l.network_id = m.network_id
ORDER BY m.network_id;
