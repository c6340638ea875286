-- Every nominal of the delivery as a graph node, with its CSE involvement and
-- direct links (whole-graph centrality is in net.centrality).
CREATE OR REPLACE TABLE net.node AS
WITH
nominal AS (SELECT DISTINCT nominal_id FROM er.nominal_record),
seed AS (
    SELECT nominal_id,
           -- the strongest evidence about the person decides: a CSE victim who is
           -- later a suspect of a CSE crime is a SUSPECT
           CASE WHEN bool_or(seed_role = 'OFFENDER') THEN 'OFFENDER'
                WHEN bool_or(seed_role = 'SUSPECT') THEN 'SUSPECT'
                ELSE 'VICTIM' END AS cse_role,
           -- offenders and suspects count towards a network's minimum (docs/network.md)
           bool_or(seed_role IN ('OFFENDER', 'SUSPECT')) AS is_evidenced_offender,
           string_agg(reason, ',' ORDER BY reason) AS seed_reasons
    FROM net.cse_seed
    GROUP BY nominal_id
),
end_point AS (
    SELECT nominal_id_a AS nominal_id, nominal_id_b AS other_id, link_type, weight FROM net.edge
    UNION ALL
    SELECT nominal_id_b, nominal_id_a, link_type, weight FROM net.edge
),
link AS (
    SELECT nominal_id,
           count(DISTINCT other_id) AS degree,
           sum(weight) AS weighted_degree,
           count(DISTINCT link_type) AS n_link_types
    FROM end_point
    GROUP BY nominal_id
),
offending AS (
    SELECT DISTINCT nominal_id FROM net.crime_party WHERE party = 'OFFENDER'
)
SELECT n.nominal_id,
       s.nominal_id IS NOT NULL AS is_cse_seed,
       s.cse_role,
       coalesce(s.cse_role IN ('OFFENDER', 'SUSPECT'), FALSE) AS is_cse_offender,
       coalesce(s.cse_role = 'VICTIM', FALSE) AS is_victim,
       coalesce(s.is_evidenced_offender, FALSE) AS is_evidenced_offender,
       o.nominal_id IS NOT NULL AS is_offender,
       s.seed_reasons,
       coalesce(l.degree, 0) AS degree,
       coalesce(l.weighted_degree, 0.0) AS weighted_degree,
       coalesce(l.n_link_types, 0) AS n_link_types
FROM nominal AS n
LEFT JOIN seed AS s ON s.nominal_id = n.nominal_id
LEFT JOIN link AS l ON l.nominal_id = n.nominal_id
LEFT JOIN offending AS o ON o.nominal_id = n.nominal_id
ORDER BY n.nominal_id;
