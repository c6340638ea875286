-- harm.protected_nominal: children the network stage classed as victims or
-- children at risk. They are never targets (no nominal priority), their own
-- offending is not a network's harm, and no SOC link runs through them
-- (docs/harm_and_priority.md, "Victims are never targets"). A CSE victim with
-- CSE evidence against them as well (OFFENDER/SUSPECT) is not protected here:
-- the evidence about them decides.
CREATE OR REPLACE TABLE harm.protected_nominal AS
WITH seed AS (
    SELECT nominal_id,
           bool_or(seed_role = 'VICTIM') AS is_victim,
           bool_or(seed_role IN ('OFFENDER', 'SUSPECT')) AS is_accused
    FROM net.cse_seed
    GROUP BY nominal_id
),
protected AS (
    SELECT nominal_id, 'CSE_VICTIM' AS reason FROM seed WHERE is_victim AND NOT is_accused
    UNION
    SELECT nominal_id, member_role FROM net.network_member WHERE member_role IN ('VICTIM', 'CHILD_AT_RISK')
)
SELECT nominal_id, string_agg(DISTINCT reason, ',' ORDER BY reason) AS reasons
FROM protected
GROUP BY nominal_id
ORDER BY nominal_id;

-- SOC links: how each CSE network reaches each organised crime group (OCG).
--   SHARED_MEMBER  a network member is mapped to the OCG (raw.ocg_member -> nominal)
--   DIRECT_LINK    an edge (net.edge, any type) joins a network member to an OCG member
--   TWO_STEP       a member -> intermediary -> OCG member path, the intermediary in neither
-- Path strength: shared member = ${shared_member_strength}; direct = the pair's summed
-- edge weight; two-step = ${two_step_discount} x the weaker edge (strongest
-- ${two_step_max_paths} paths per network and group kept).
CREATE OR REPLACE TABLE harm.ocg_nominal AS
SELECT
    o.ocg_ref,
    nr.nominal_id,
    min(o.member_role) AS member_role
FROM raw.ocg_member AS o
JOIN er.nominal_record AS nr ON nr.person_ref = o.person_ref
GROUP BY o.ocg_ref, nr.nominal_id
ORDER BY o.ocg_ref, nr.nominal_id;

-- One band and status per group: the highest band mapped ('1A' sorts first)
-- and ACTIVE if any mapping says so.
CREATE OR REPLACE TABLE harm.ocg AS
SELECT
    ocg_ref,
    min(ocgm_band) AS ocgm_band,
    CASE WHEN max(CASE WHEN ocg_status = 'ACTIVE' THEN 1 ELSE 0 END) = 1 THEN 'ACTIVE' ELSE 'ARCHIVED' END AS ocg_status
FROM raw.ocg_member
GROUP BY ocg_ref
ORDER BY ocg_ref;

CREATE OR REPLACE TABLE harm.soc_link_path AS
WITH member AS (
    -- SOC links run only through offenders, suspects and offending associates
    -- (suspect/offender on any non-void crime), never through victims or children at risk
    SELECT DISTINCT m.network_id, m.nominal_id
    FROM net.network_member AS m
    WHERE m.member_role IN ('OFFENDER', 'SUSPECT')
       OR (m.member_role = 'ASSOCIATE'
           AND EXISTS (SELECT 1 FROM harm.crime_party AS p
                       JOIN harm.crime_harm AS h ON h.crime_ref = p.crime_ref
                       WHERE p.nominal_id = m.nominal_id AND p.involvement = 'OFFENDER'))
),
any_member AS (
    SELECT DISTINCT network_id, nominal_id FROM net.network_member
),
pair AS (
    SELECT nominal_id_a, nominal_id_b, sum(weight) AS weight
    FROM net.edge
    GROUP BY nominal_id_a, nominal_id_b
),
adjacent AS (
    SELECT nominal_id_a AS from_id, nominal_id_b AS to_id, weight FROM pair
    UNION ALL
    SELECT nominal_id_b, nominal_id_a, weight FROM pair
),
shared AS (
    SELECT m.network_id, o.ocg_ref, 'SHARED_MEMBER' AS link_kind,
           m.nominal_id AS network_nominal_id, o.nominal_id AS ocg_nominal_id,
           CAST(NULL AS VARCHAR) AS via_nominal_id, CAST(${shared_member_strength} AS DOUBLE) AS strength
    FROM member AS m
    JOIN harm.ocg_nominal AS o ON o.nominal_id = m.nominal_id
),
direct AS (
    SELECT m.network_id, o.ocg_ref, 'DIRECT_LINK' AS link_kind,
           m.nominal_id AS network_nominal_id, o.nominal_id AS ocg_nominal_id,
           CAST(NULL AS VARCHAR) AS via_nominal_id, a.weight AS strength
    FROM member AS m
    JOIN adjacent AS a ON a.from_id = m.nominal_id
    JOIN harm.ocg_nominal AS o ON o.nominal_id = a.to_id
    -- an OCG member inside the network, or a member inside the OCG, is a shared member
    WHERE NOT EXISTS (SELECT 1 FROM any_member AS m2 WHERE m2.network_id = m.network_id AND m2.nominal_id = o.nominal_id)
      AND NOT EXISTS (SELECT 1 FROM harm.ocg_nominal AS o2 WHERE o2.ocg_ref = o.ocg_ref AND o2.nominal_id = m.nominal_id)
),
two_step AS (
    SELECT m.network_id, o.ocg_ref, 'TWO_STEP' AS link_kind,
           m.nominal_id AS network_nominal_id, o.nominal_id AS ocg_nominal_id,
           a1.to_id AS via_nominal_id,
           ${two_step_discount} * least(a1.weight, a2.weight) AS strength
    FROM member AS m
    JOIN adjacent AS a1 ON a1.from_id = m.nominal_id
    JOIN adjacent AS a2 ON a2.from_id = a1.to_id AND a2.to_id <> m.nominal_id
    JOIN harm.ocg_nominal AS o ON o.nominal_id = a2.to_id
    WHERE NOT EXISTS (SELECT 1 FROM any_member AS m2 WHERE m2.network_id = m.network_id AND m2.nominal_id IN (a1.to_id, o.nominal_id))
      AND NOT EXISTS (SELECT 1 FROM harm.ocg_nominal AS o2 WHERE o2.ocg_ref = o.ocg_ref AND o2.nominal_id IN (m.nominal_id, a1.to_id))
      -- nor through a protected child outside the network
      AND NOT EXISTS (SELECT 1 FROM harm.protected_nominal AS pn WHERE pn.nominal_id = a1.to_id)
),
two_step_ranked AS (
    SELECT *, row_number() OVER (
        PARTITION BY network_id, ocg_ref
        ORDER BY strength DESC, network_nominal_id, via_nominal_id, ocg_nominal_id
    ) AS path_rank
    FROM two_step
)
SELECT network_id, ocg_ref, link_kind, network_nominal_id, ocg_nominal_id, via_nominal_id, strength
FROM (
    SELECT * FROM shared
    UNION ALL
    SELECT * FROM direct
    UNION ALL
    SELECT network_id, ocg_ref, link_kind, network_nominal_id, ocg_nominal_id, via_nominal_id, strength
    FROM two_step_ranked WHERE path_rank <= ${two_step_max_paths}
) AS paths
ORDER BY network_id, ocg_ref, link_kind, network_nominal_id, ocg_nominal_id, via_nominal_id;

-- One row per network and group: the strongest kind of link present, the
-- strength (summed strength of every path x the group's OCGM band factor:
-- tier 1/2/3 = ${band_tier_1}/${band_tier_2}/${band_tier_3}, letter A/B/C = ${band_letter_a}/${band_letter_b}/${band_letter_c};
-- an unknown band counts as 3C), and the nominals the strongest kind runs
-- through (shared: the shared members; direct: both ends; two-step: the intermediaries).
CREATE OR REPLACE TABLE harm.soc_link AS
WITH kinds AS (
    SELECT
        network_id,
        ocg_ref,
        sum(CASE WHEN link_kind = 'SHARED_MEMBER' THEN 1 ELSE 0 END) AS n_shared_members,
        sum(CASE WHEN link_kind = 'DIRECT_LINK' THEN 1 ELSE 0 END) AS n_direct_links,
        sum(CASE WHEN link_kind = 'TWO_STEP' THEN 1 ELSE 0 END) AS n_two_step_paths,
        CAST(round(sum(strength), 6) AS DECIMAL(18, 6)) AS strength
    FROM harm.soc_link_path
    GROUP BY network_id, ocg_ref
),
best AS (
    SELECT *,
        CASE WHEN n_shared_members > 0 THEN 'SHARED_MEMBER'
             WHEN n_direct_links > 0 THEN 'DIRECT_LINK'
             ELSE 'TWO_STEP' END AS link_kind
    FROM kinds
),
through AS (
    SELECT network_id, ocg_ref, link_kind, network_nominal_id AS nominal_id
    FROM harm.soc_link_path WHERE link_kind IN ('SHARED_MEMBER', 'DIRECT_LINK')
    UNION
    SELECT network_id, ocg_ref, link_kind, ocg_nominal_id
    FROM harm.soc_link_path WHERE link_kind = 'DIRECT_LINK'
    UNION
    SELECT network_id, ocg_ref, link_kind, via_nominal_id
    FROM harm.soc_link_path WHERE link_kind = 'TWO_STEP'
),
via AS (
    SELECT t.network_id, t.ocg_ref, string_agg(t.nominal_id, ',' ORDER BY t.nominal_id) AS via_nominal_ids
    FROM through AS t
    JOIN best AS b ON b.network_id = t.network_id AND b.ocg_ref = t.ocg_ref AND b.link_kind = t.link_kind
    GROUP BY t.network_id, t.ocg_ref
)
SELECT
    b.network_id,
    b.ocg_ref,
    b.link_kind,
    round(CAST(b.strength AS DOUBLE) * o.band_factor, 6) AS strength,
    CAST(b.strength AS DOUBLE) AS path_strength,
    o.band_factor,
    v.via_nominal_ids,
    o.ocgm_band,
    o.ocg_status,
    b.n_shared_members,
    b.n_direct_links,
    b.n_two_step_paths
FROM best AS b
JOIN (
    SELECT g.*,
           CASE substr(coalesce(g.ocgm_band, '3C'), 1, 1) WHEN '1' THEN ${band_tier_1} WHEN '2' THEN ${band_tier_2} ELSE ${band_tier_3} END
         * CASE upper(substr(coalesce(g.ocgm_band, '3C'), 2, 1)) WHEN 'A' THEN ${band_letter_a} WHEN 'B' THEN ${band_letter_b} ELSE ${band_letter_c} END
           AS band_factor
    FROM harm.ocg AS g
) AS o ON o.ocg_ref = b.ocg_ref
LEFT JOIN via AS v ON v.network_id = b.network_id AND v.ocg_ref = b.ocg_ref
ORDER BY b.network_id, b.ocg_ref;
