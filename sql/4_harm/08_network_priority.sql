-- harm.network_score_item: every part a network's priority score is made of,
-- one row per crime, victim, missing child, new member and OCG link. All in
-- CCHI-day units, DECIMAL so the parts add up to the score exactly.
--   HARM     recent_harm of each crime on the network's record
--   VICTIM   ${points_per_recent_victim} per distinct victim harmed in the active window
--   MISSING  ${points_per_missing_child} per child reported missing in its orbit in the active window
--   GROWTH   ${points_per_new_member} per member first seen in the active window
--   OCG      ${points_per_ocg_link} x kind factor (x ${ocg_archived_factor} if the group is archived) per linked OCG
CREATE OR REPLACE TABLE harm.network_score_item AS
WITH first_seen AS (
    SELECT nr.nominal_id, min(pr.first_seen) AS first_seen
    FROM er.nominal_record AS nr
    JOIN er.person_record AS pr ON pr.person_ref = nr.person_ref
    GROUP BY nr.nominal_id
)
SELECT * FROM (
    SELECT
        nc.network_id,
        'HARM' AS component,
        'crime' AS item_kind,
        h.crime_ref AS item_ref,
        h.event_date AS item_date,
        coalesce(h.recent_harm, CAST(0 AS DECIMAL(18, 6))) AS contribution,
        h.offence_code || ' ' || coalesce(h.offence_title, '(no weight)') || ': '
            || coalesce(CAST(h.offence_harm_days AS VARCHAR), '?') || ' days x '
            || CAST(greatest(h.n_victims, 1) AS VARCHAR) || ' victim(s) x recency '
            || CAST(round(h.recency_weight, 3) AS VARCHAR) || ' (age ' || CAST(h.age_days AS VARCHAR) || ' days; '
            || CASE WHEN nc.via = 'MEMBER_OFFENDER' THEN 'member suspect/offender' ELSE 'member victim' END || ')' AS detail
    FROM harm.network_crime AS nc
    JOIN harm.crime_harm AS h ON h.crime_ref = nc.crime_ref
    UNION ALL
    SELECT
        v.network_id, 'VICTIM', 'nominal', v.nominal_id, v.last_harmed,
        CAST(${points_per_recent_victim} AS DECIMAL(18, 6)),
        'victim harmed by the network''s crimes in the last ' || CAST(${active_window_days} AS VARCHAR) || ' days'
    FROM harm.network_victim AS v
    WHERE date_diff('day', v.last_harmed, CAST(${as_of} AS DATE)) <= ${active_window_days}
    UNION ALL
    SELECT
        m.network_id, 'MISSING', 'nominal', m.nominal_id, max(m.reported_date),
        CAST(${points_per_missing_child} AS DECIMAL(18, 6)),
        'child reported missing in the network''s orbit ('
            || CASE min(CASE m.how WHEN 'MEMBER' THEN 1 WHEN 'SAME_EPISODE' THEN 2 ELSE 3 END)
                   WHEN 1 THEN 'a member' WHEN 2 THEN 'found with or at the address of a member' ELSE 'linked to a member' END
            || ', ' || CAST(count(*) AS VARCHAR) || ' episode(s))'
    FROM harm.network_missing AS m
    WHERE m.is_child AND m.in_active_window
    GROUP BY m.network_id, m.nominal_id
    UNION ALL
    SELECT
        m.network_id, 'GROWTH', 'nominal', m.nominal_id, f.first_seen,
        CAST(${points_per_new_member} AS DECIMAL(18, 6)),
        'member first seen in the last ' || CAST(${active_window_days} AS VARCHAR) || ' days'
    FROM net.network_member AS m
    JOIN first_seen AS f ON f.nominal_id = m.nominal_id
    WHERE date_diff('day', f.first_seen, CAST(${as_of} AS DATE)) <= ${active_window_days}
    UNION ALL
    SELECT
        s.network_id, 'OCG', 'ocg', s.ocg_ref, CAST(NULL AS DATE),
        CAST(round(${points_per_ocg_link}
            * CASE s.link_kind WHEN 'SHARED_MEMBER' THEN ${ocg_kind_factor_shared_member}
                               WHEN 'DIRECT_LINK' THEN ${ocg_kind_factor_direct_link}
                               ELSE ${ocg_kind_factor_two_step} END
            * CASE WHEN s.ocg_status = 'ACTIVE' THEN 1.0 ELSE ${ocg_archived_factor} END, 6) AS DECIMAL(18, 6)),
        s.link_kind || ' to OCG band ' || coalesce(s.ocgm_band, '?') || ' (' || s.ocg_status || '), strength '
            || CAST(round(s.strength, 3) AS VARCHAR) || ' via ' || coalesce(s.via_nominal_ids, '-')
    FROM harm.soc_link AS s
) AS items
ORDER BY network_id, component, item_ref;

-- harm.network_priority: priority_score = the sum of the network's items,
-- priority_rank 1 = highest, a permutation of 1..n (ties: more harm, more
-- recent activity, then network_id).
CREATE OR REPLACE TABLE harm.network_priority AS
WITH parts AS (
    SELECT
        network_id,
        sum(contribution) AS priority_score,
        sum(CASE WHEN component = 'HARM' THEN contribution ELSE 0 END) AS harm_points,
        sum(CASE WHEN component = 'VICTIM' THEN contribution ELSE 0 END) AS victim_points,
        sum(CASE WHEN component = 'MISSING' THEN contribution ELSE 0 END) AS missing_points,
        sum(CASE WHEN component = 'GROWTH' THEN contribution ELSE 0 END) AS growth_points,
        sum(CASE WHEN component = 'OCG' THEN contribution ELSE 0 END) AS ocg_points
    FROM harm.network_score_item
    GROUP BY network_id
),
scored AS (
    SELECT
        h.network_id,
        CAST(coalesce(p.priority_score, 0) AS DOUBLE) AS priority_score,
        h.harm_score,
        CAST(coalesce(p.harm_points, 0) AS DOUBLE) AS harm_points,
        CAST(coalesce(p.victim_points, 0) AS DOUBLE) AS victim_points,
        CAST(coalesce(p.missing_points, 0) AS DOUBLE) AS missing_points,
        CAST(coalesce(p.growth_points, 0) AS DOUBLE) AS growth_points,
        CAST(coalesce(p.ocg_points, 0) AS DOUBLE) AS ocg_points,
        h.is_active,
        h.last_activity_date,
        coalesce(p.priority_score, 0) AS exact_score
    FROM harm.network_harm AS h
    LEFT JOIN parts AS p ON p.network_id = h.network_id
),
ranked AS (
    SELECT *, row_number() OVER (
        ORDER BY exact_score DESC, harm_score DESC, last_activity_date DESC NULLS LAST, network_id
    ) AS priority_rank
    FROM scored
)
SELECT
    r.network_id,
    r.priority_score,
    r.priority_rank,
    r.harm_score,
    r.harm_points,
    r.victim_points,
    r.missing_points,
    r.growth_points,
    r.ocg_points,
    r.is_active,
    r.last_activity_date,
    previous.priority_rank AS previous_rank,
    previous.priority_rank - r.priority_rank AS rank_change
FROM ranked AS r
LEFT JOIN prev.network AS previous ON previous.network_id = r.network_id
ORDER BY r.priority_rank;
