-- analyst.nominal: one row per resolved person with best values, harm and network.
-- A nominal in several CSE networks is shown with the highest-priority one
-- (lowest priority_rank, then lowest network_id); n_networks says how many
-- there are, and network_member lists every membership.
CREATE OR REPLACE TABLE pub.nominal AS
WITH membership AS (
    SELECT
        m.nominal_id,
        m.network_id,
        m.member_role,
        count(*) OVER (PARTITION BY m.nominal_id) AS n_networks,
        row_number() OVER (
            PARTITION BY m.nominal_id
            ORDER BY pn.priority_rank NULLS LAST, m.network_id
        ) AS pick
    FROM net.network_member AS m
    LEFT JOIN pub.network AS pn ON pn.network_id = m.network_id
)
SELECT
    n.nominal_id,
    n.surname,
    n.forenames,
    n.dob,
    n.sex,
    n.pnc_id,
    n.n_records,
    n.n_systems,
    n.systems,
    coalesce(h.harm_score, 0.0) AS harm_score,
    np.priority_rank,
    ms.network_id,
    ms.member_role AS network_role,
    coalesce(ms.n_networks, 0) AS n_networks
FROM er.nominal AS n
LEFT JOIN harm.nominal_harm AS h ON h.nominal_id = n.nominal_id
LEFT JOIN harm.nominal_priority AS np ON np.nominal_id = n.nominal_id
LEFT JOIN membership AS ms ON ms.nominal_id = n.nominal_id AND ms.pick = 1
ORDER BY n.nominal_id;
