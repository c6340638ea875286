-- harm.nominal_score_item / harm.nominal_priority: the ranked list of nominals.
--   HARM     recent_harm of each crime they are answerable for
--   VICTIM   ${points_per_recent_victim} per distinct victim of their crimes in the active window
--   MISSING  ${points_per_missing_child} per child reported missing in the active window whom
--            they were found with or who was found at their address
--   OCG      ${points_per_ocg_link} x ${ocg_kind_factor_shared_member} (x ${ocg_archived_factor} if archived) per OCG they are mapped to
-- Victims and children at risk (harm.protected_nominal) are never targets: they
-- have no score items, so no priority and no rank (harm.child_safeguarding lists them).
CREATE OR REPLACE TABLE harm.nominal_score_item AS
WITH answerable AS (
    SELECT p.nominal_id, h.*
    FROM harm.crime_party AS p
    JOIN harm.crime_harm AS h ON h.crime_ref = p.crime_ref
    WHERE p.involvement = 'OFFENDER'
),
episode AS (
    SELECT mp.episode_ref, mp.reported_date, mp.role, nr.nominal_id
    FROM raw.missing_person AS mp
    JOIN er.nominal_record AS nr ON nr.person_ref = mp.person_ref
)
SELECT * FROM (
    SELECT
        a.nominal_id, 'HARM' AS component, 'crime' AS item_kind, a.crime_ref AS item_ref, a.event_date AS item_date,
        coalesce(a.recent_harm, CAST(0 AS DECIMAL(18, 6))) AS contribution,
        a.offence_code || ' ' || coalesce(a.offence_title, '(no weight)') || ': '
            || coalesce(CAST(a.offence_harm_days AS VARCHAR), '?') || ' days x '
            || CAST(greatest(a.n_victims, 1) AS VARCHAR) || ' victim(s) x recency '
            || CAST(round(a.recency_weight, 3) AS VARCHAR) || ' (age ' || CAST(a.age_days AS VARCHAR) || ' days)' AS detail
    FROM answerable AS a
    UNION ALL
    SELECT
        a.nominal_id, 'VICTIM', 'nominal', v.nominal_id, max(a.event_date),
        CAST(${points_per_recent_victim} AS DECIMAL(18, 6)),
        'victim of their crimes in the last ' || CAST(${active_window_days} AS VARCHAR) || ' days'
    FROM answerable AS a
    JOIN harm.crime_party AS v ON v.crime_ref = a.crime_ref AND v.involvement = 'VICTIM' AND v.nominal_id <> a.nominal_id
    WHERE a.in_active_window
    GROUP BY a.nominal_id, v.nominal_id
    UNION ALL
    SELECT
        y.nominal_id, 'MISSING', 'nominal', x.nominal_id, max(x.reported_date),
        CAST(${points_per_missing_child} AS DECIMAL(18, 6)),
        'child reported missing, found with them or at their address (' || CAST(count(*) AS VARCHAR) || ' episode(s))'
    FROM episode AS x
    JOIN episode AS y ON y.episode_ref = x.episode_ref AND y.role IN ('FOUND_WITH', 'ADDRESS_OCCUPIER') AND y.nominal_id <> x.nominal_id
    LEFT JOIN er.nominal AS n ON n.nominal_id = x.nominal_id
    WHERE x.role = 'MISSING'
      AND date_diff('day', x.reported_date, CAST(${as_of} AS DATE)) <= ${active_window_days}
      AND (n.dob IS NULL OR x.reported_date < n.dob + INTERVAL 18 YEAR)
    GROUP BY y.nominal_id, x.nominal_id
    UNION ALL
    SELECT
        o.nominal_id, 'OCG', 'ocg', o.ocg_ref, CAST(NULL AS DATE),
        CAST(round(${points_per_ocg_link} * ${ocg_kind_factor_shared_member}
            * CASE WHEN g.ocg_status = 'ACTIVE' THEN 1.0 ELSE ${ocg_archived_factor} END, 6) AS DECIMAL(18, 6)),
        'mapped to OCG band ' || coalesce(g.ocgm_band, '?') || ' (' || g.ocg_status || ') as ' || coalesce(o.member_role, '?')
    FROM harm.ocg_nominal AS o
    JOIN harm.ocg AS g ON g.ocg_ref = o.ocg_ref
) AS items
WHERE NOT EXISTS (SELECT 1 FROM harm.protected_nominal AS pn WHERE pn.nominal_id = items.nominal_id)
ORDER BY nominal_id, component, item_ref;

CREATE OR REPLACE TABLE harm.nominal_priority AS
WITH parts AS (
    SELECT
        nominal_id,
        sum(contribution) AS exact_score,
        sum(CASE WHEN component = 'HARM' THEN contribution ELSE 0 END) AS harm_points,
        sum(CASE WHEN component = 'VICTIM' THEN contribution ELSE 0 END) AS victim_points,
        sum(CASE WHEN component = 'MISSING' THEN contribution ELSE 0 END) AS missing_points,
        sum(CASE WHEN component = 'OCG' THEN contribution ELSE 0 END) AS ocg_points
    FROM harm.nominal_score_item
    GROUP BY nominal_id
    HAVING sum(contribution) > 0
),
best_network AS (
    SELECT m.nominal_id, m.network_id, m.member_role, row_number() OVER (
        PARTITION BY m.nominal_id ORDER BY np.priority_rank, m.network_id) AS pick
    FROM net.network_member AS m
    JOIN harm.network_priority AS np ON np.network_id = m.network_id
),
ranked AS (
    SELECT p.*, h.harm_score, h.n_crimes, h.n_cse_crimes, h.last_offence_date, row_number() OVER (
        ORDER BY p.exact_score DESC, h.harm_score DESC, h.last_offence_date DESC NULLS LAST, p.nominal_id
    ) AS priority_rank
    FROM parts AS p
    JOIN harm.nominal_harm AS h ON h.nominal_id = p.nominal_id
)
SELECT
    r.nominal_id,
    CAST(r.exact_score AS DOUBLE) AS priority_score,
    r.priority_rank,
    r.harm_score,
    CAST(r.harm_points AS DOUBLE) AS harm_points,
    CAST(r.victim_points AS DOUBLE) AS victim_points,
    CAST(r.missing_points AS DOUBLE) AS missing_points,
    CAST(r.ocg_points AS DOUBLE) AS ocg_points,
    r.n_crimes,
    r.last_offence_date,
    b.network_id,
    b.member_role AS network_role,
    -- CSE analysts filter on this: in a CSE network, or answerable for a CSE crime
    (b.network_id IS NOT NULL OR r.n_cse_crimes > 0) AS is_cse_involved,
    r.priority_rank <= ${explain_top_nominals} AS is_explained
FROM ranked AS r
LEFT JOIN best_network AS b ON b.nominal_id = r.nominal_id AND b.pick = 1
ORDER BY r.priority_rank;
