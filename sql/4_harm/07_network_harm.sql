-- harm.network_crime: the crimes on a network's record, each once per network:
-- a member answerable for it (SUSPECT/OFFENDER), or a member the victim of a
-- CSE crime (net.cse_crime: CSE code or marker with a child victim). A victim's
-- or child at risk's own offending is not the network's harm (they are
-- protected, harm.protected_nominal). Void crimes are not in harm.crime_harm.
CREATE OR REPLACE TABLE harm.network_crime AS
SELECT
    m.network_id,
    p.crime_ref,
    CASE WHEN max(CASE WHEN p.involvement = 'OFFENDER' THEN 1 ELSE 0 END) = 1
         THEN 'MEMBER_OFFENDER' ELSE 'MEMBER_VICTIM' END AS via
FROM net.network_member AS m
JOIN harm.crime_party AS p ON p.nominal_id = m.nominal_id
JOIN harm.crime_harm AS h ON h.crime_ref = p.crime_ref
WHERE (p.involvement = 'OFFENDER' AND m.member_role NOT IN ('VICTIM', 'CHILD_AT_RISK')
       AND NOT EXISTS (SELECT 1 FROM harm.protected_nominal AS pn WHERE pn.nominal_id = m.nominal_id))
   OR (p.involvement = 'VICTIM' AND h.is_cse_crime)
GROUP BY m.network_id, p.crime_ref
ORDER BY m.network_id, p.crime_ref;

-- harm.network_victim: distinct victims harmed by the network's crimes, plus
-- members the network stage itself classed as victims.
CREATE OR REPLACE TABLE harm.network_victim AS
SELECT network_id, nominal_id, max(last_harmed) AS last_harmed
FROM (
    SELECT nc.network_id, p.nominal_id, h.event_date AS last_harmed
    FROM harm.network_crime AS nc
    JOIN harm.crime_party AS p ON p.crime_ref = nc.crime_ref AND p.involvement = 'VICTIM'
    JOIN harm.crime_harm AS h ON h.crime_ref = nc.crime_ref
    UNION ALL
    SELECT network_id, nominal_id, CAST(NULL AS DATE)
    FROM net.network_member
    WHERE member_role = 'VICTIM'
) AS v
GROUP BY network_id, nominal_id
ORDER BY network_id, nominal_id;

-- harm.network_missing: people reported missing in a network's orbit: a member,
-- or found with / at the address of a member, or directly linked to a member
-- (not by a shared address, phone or vehicle alone). is_child: under 18 at the
-- report, or date of birth unknown (counted, to err on the side of safeguarding).
CREATE OR REPLACE TABLE harm.network_missing AS
WITH episode AS (
    SELECT mp.episode_ref, mp.reported_date, mp.role, nr.nominal_id
    FROM raw.missing_person AS mp
    JOIN er.nominal_record AS nr ON nr.person_ref = mp.person_ref
),
missing AS (
    SELECT DISTINCT episode_ref, reported_date, nominal_id FROM episode WHERE role = 'MISSING'
),
pair AS (
    SELECT DISTINCT nominal_id_a, nominal_id_b FROM net.edge
    WHERE link_type NOT IN ('SHARED_ADDRESS', 'SHARED_PHONE', 'SHARED_VEHICLE')
),
orbit AS (
    SELECT m.network_id, x.nominal_id, x.episode_ref, x.reported_date, 1 AS how_rank
    FROM missing AS x JOIN net.network_member AS m ON m.nominal_id = x.nominal_id
    UNION ALL
    SELECT m.network_id, x.nominal_id, x.episode_ref, x.reported_date, 2
    FROM missing AS x
    JOIN episode AS y ON y.episode_ref = x.episode_ref AND y.role <> 'MISSING'
    JOIN net.network_member AS m ON m.nominal_id = y.nominal_id
    UNION ALL
    SELECT m.network_id, x.nominal_id, x.episode_ref, x.reported_date, 3
    FROM missing AS x
    JOIN pair AS e ON x.nominal_id IN (e.nominal_id_a, e.nominal_id_b)
    JOIN net.network_member AS m
        ON m.nominal_id = CASE WHEN e.nominal_id_a = x.nominal_id THEN e.nominal_id_b ELSE e.nominal_id_a END
)
SELECT
    o.network_id,
    o.nominal_id,
    o.episode_ref,
    o.reported_date,
    CASE min(o.how_rank) WHEN 1 THEN 'MEMBER' WHEN 2 THEN 'SAME_EPISODE' ELSE 'LINKED' END AS how,
    (n.dob IS NULL OR o.reported_date < n.dob + INTERVAL 18 YEAR) AS is_child,
    -- an undated episode (ingest blanks impossible future dates) is not active
    coalesce(greatest(date_diff('day', o.reported_date, CAST(${as_of} AS DATE)), 0) <= ${active_window_days}
             AND o.reported_date IS NOT NULL, FALSE) AS in_active_window
FROM orbit AS o
LEFT JOIN er.nominal AS n ON n.nominal_id = o.nominal_id
GROUP BY o.network_id, o.nominal_id, o.episode_ref, o.reported_date, n.dob
ORDER BY o.network_id, o.nominal_id, o.episode_ref;

-- harm.network_harm: the network's harm and the facts its priority uses.
--   harm_score        = sum of recent_harm of its crimes (each crime once per network)
--   member_harm_sum   = sum of members' own harm_score (a co-offended crime counts per offender)
--   top_member_share  = the most harmful member's share of member_harm_sum (concentration)
--   member_harm_hhi   = Herfindahl index of member harm shares (1 = one member holds all harm)
CREATE OR REPLACE TABLE harm.network_harm AS
WITH crimes AS (
    SELECT
        nc.network_id,
        count(*) AS n_crimes,
        sum(CASE WHEN h.is_cse_crime THEN 1 ELSE 0 END) AS n_cse_crimes,
        sum(CASE WHEN h.in_active_window THEN 1 ELSE 0 END) AS n_crimes_active_window,
        sum(h.harm_days) AS harm_total_days,
        sum(CASE WHEN h.in_active_window THEN h.harm_days ELSE 0 END) AS harm_days_active_window,
        sum(h.recent_harm) AS harm_score,
        max(h.event_date) AS last_crime_date,
        min(h.event_date) AS first_crime_date,
        -- CSE activity: a CSE crime (code or marker) or a crime against a member:
        -- members' ordinary offending does not make a dormant network active
        max(CASE WHEN h.is_cse_crime OR EXISTS (
                SELECT 1 FROM harm.crime_party AS p
                JOIN net.network_member AS m ON m.nominal_id = p.nominal_id AND m.network_id = nc.network_id
                WHERE p.crime_ref = nc.crime_ref AND p.involvement = 'VICTIM')
            THEN h.event_date END) AS last_cse_crime_date
    FROM harm.network_crime AS nc
    JOIN harm.crime_harm AS h ON h.crime_ref = nc.crime_ref
    GROUP BY nc.network_id
),
member_harm AS (
    -- DECIMAL: exact sums, independent of aggregation order
    SELECT m.network_id, m.nominal_id, CAST(nh.harm_score AS DECIMAL(18, 6)) AS harm_score
    FROM net.network_member AS m
    JOIN harm.nominal_harm AS nh ON nh.nominal_id = m.nominal_id
    -- victims' and children at risk's own offending is not the network's harm
    WHERE m.member_role NOT IN ('VICTIM', 'CHILD_AT_RISK')
      AND NOT EXISTS (SELECT 1 FROM harm.protected_nominal AS pn WHERE pn.nominal_id = m.nominal_id)
),
concentration AS (
    SELECT
        mh.network_id,
        sum(mh.harm_score) AS member_harm_sum,
        CASE WHEN sum(mh.harm_score) > 0
             THEN CAST(max(mh.harm_score) AS DOUBLE) / CAST(sum(mh.harm_score) AS DOUBLE) ELSE 0 END AS top_member_share,
        CASE WHEN sum(mh.harm_score) > 0
             THEN CAST(sum(CAST(mh.harm_score AS DECIMAL(38, 6)) * CAST(mh.harm_score AS DECIMAL(38, 6))) AS DOUBLE)
                  / (CAST(sum(mh.harm_score) AS DOUBLE) * CAST(sum(mh.harm_score) AS DOUBLE)) ELSE 0 END AS member_harm_hhi
    FROM member_harm AS mh
    GROUP BY mh.network_id
),
victims AS (
    SELECT
        v.network_id,
        count(*) AS n_victims_harmed,
        sum(CASE WHEN date_diff('day', v.last_harmed, CAST(${as_of} AS DATE)) <= ${active_window_days} THEN 1 ELSE 0 END)
            AS n_victims_active_window
    FROM harm.network_victim AS v
    GROUP BY v.network_id
),
missing AS (
    SELECT
        network_id,
        count(DISTINCT CASE WHEN is_child THEN nominal_id END) AS n_missing_children,
        count(DISTINCT CASE WHEN is_child AND in_active_window THEN nominal_id END) AS n_missing_children_active_window,
        count(DISTINCT episode_ref) AS n_missing_episodes,
        max(reported_date) AS last_missing_date
    FROM harm.network_missing
    GROUP BY network_id
),
first_seen AS (
    SELECT nr.nominal_id, min(pr.first_seen) AS first_seen
    FROM er.nominal_record AS nr
    JOIN er.person_record AS pr ON pr.person_ref = nr.person_ref
    GROUP BY nr.nominal_id
),
growth AS (
    SELECT
        m.network_id,
        sum(CASE WHEN date_diff('day', f.first_seen, CAST(${as_of} AS DATE)) <= ${active_window_days} THEN 1 ELSE 0 END)
            AS n_new_members_active_window
    FROM net.network_member AS m
    LEFT JOIN first_seen AS f ON f.nominal_id = m.nominal_id
    GROUP BY m.network_id
),
links AS (
    SELECT
        m1.network_id,
        max(e.last_seen) AS last_link_date,
        sum(CASE WHEN date_diff('day', e.last_seen, CAST(${as_of} AS DATE)) <= ${active_window_days} THEN 1 ELSE 0 END)
            AS n_links_active_window
    FROM net.edge AS e
    JOIN net.network_member AS m1 ON m1.nominal_id = e.nominal_id_a
    JOIN net.network_member AS m2 ON m2.nominal_id = e.nominal_id_b AND m2.network_id = m1.network_id
    -- a shared address, phone or vehicle says where people live, not what they did together
    WHERE e.link_type NOT IN ('SHARED_ADDRESS', 'SHARED_PHONE', 'SHARED_VEHICLE')
    GROUP BY m1.network_id
),
ocg AS (
    SELECT
        network_id,
        count(*) AS n_ocg_links,
        sum(CASE WHEN link_kind = 'SHARED_MEMBER' THEN 1 ELSE 0 END) AS n_ocg_shared_member_links,
        string_agg(ocg_ref, ',' ORDER BY ocg_ref) AS ocg_refs
    FROM harm.soc_link
    GROUP BY network_id
)
SELECT
    n.network_id,
    n.n_members,
    CAST(coalesce(c.harm_score, 0) AS DOUBLE) AS harm_score,
    coalesce(c.harm_total_days, 0) AS harm_total_days,
    coalesce(c.harm_days_active_window, 0) AS harm_days_active_window,
    coalesce(c.n_crimes, 0) AS n_crimes,
    coalesce(c.n_cse_crimes, 0) AS n_cse_crimes,
    coalesce(c.n_crimes_active_window, 0) AS n_crimes_active_window,
    c.first_crime_date,
    c.last_crime_date,
    CAST(coalesce(k.member_harm_sum, 0) AS DOUBLE) AS member_harm_sum,
    CAST(coalesce(k.top_member_share, 0) AS DOUBLE) AS top_member_share,
    CAST(coalesce(k.member_harm_hhi, 0) AS DOUBLE) AS member_harm_hhi,
    coalesce(v.n_victims_harmed, 0) AS n_victims,
    coalesce(v.n_victims_active_window, 0) AS n_victims_active_window,
    coalesce(ms.n_missing_children, 0) AS n_missing_children,
    coalesce(ms.n_missing_children_active_window, 0) AS n_missing_children_active_window,
    coalesce(ms.n_missing_episodes, 0) AS n_missing_episodes,
    coalesce(g.n_new_members_active_window, 0) AS n_new_members_active_window,
    coalesce(l.n_links_active_window, 0) AS n_links_active_window,
    coalesce(o.n_ocg_links, 0) AS n_ocg_links,
    coalesce(o.n_ocg_shared_member_links, 0) AS n_ocg_shared_member_links,
    o.ocg_refs,
    c.last_cse_crime_date,
    greatest(c.last_cse_crime_date, ms.last_missing_date, l.last_link_date) AS last_activity_date,
    coalesce(date_diff('day', greatest(c.last_cse_crime_date, ms.last_missing_date, l.last_link_date), CAST(${as_of} AS DATE))
             <= ${active_window_days}, FALSE) AS is_active
FROM net.network AS n
LEFT JOIN crimes AS c ON c.network_id = n.network_id
LEFT JOIN concentration AS k ON k.network_id = n.network_id
LEFT JOIN victims AS v ON v.network_id = n.network_id
LEFT JOIN missing AS ms ON ms.network_id = n.network_id
LEFT JOIN growth AS g ON g.network_id = n.network_id
LEFT JOIN links AS l ON l.network_id = n.network_id
LEFT JOIN ocg AS o ON o.network_id = n.network_id
ORDER BY n.network_id;
