-- harm.child_safeguarding: the children csenet protects (harm.protected_nominal:
-- CSE victims and children at risk), ranked for safeguarding review, never as
-- targets. Score parts (all documented settings, docs/harm_and_priority.md):
--   OFFENDERS  ${points_per_linked_offender} per distinct CSE offender/suspect linked to the child
--              directly (any link but a shared address, phone or vehicle)
--   MISSING    ${points_per_recent_missing_episode} per missing episode in the last ${active_window_days} days
--   RECENCY    ${recency_points} x 0.5 ^ (days since the child's last event / ${half_life_days})
-- The last event is the latest of: a CSE crime against them, a link to an
-- offender, a missing episode. safeguarding_rank 1 = review first.
CREATE OR REPLACE TABLE harm.child_safeguarding AS
WITH
accused AS (
    SELECT DISTINCT nominal_id FROM net.cse_seed WHERE seed_role IN ('OFFENDER', 'SUSPECT')
),
offender_link AS (
    SELECT p.nominal_id, e.other_id AS offender_id, e.last_seen
    FROM harm.protected_nominal AS p
    JOIN (
        SELECT nominal_id_a AS nominal_id, nominal_id_b AS other_id, last_seen, link_type FROM net.edge
        UNION ALL
        SELECT nominal_id_b, nominal_id_a, last_seen, link_type FROM net.edge
    ) AS e ON e.nominal_id = p.nominal_id
    JOIN accused AS a ON a.nominal_id = e.other_id
    WHERE e.link_type NOT IN ('SHARED_ADDRESS', 'SHARED_PHONE', 'SHARED_VEHICLE')
),
offenders AS (
    SELECT nominal_id, count(DISTINCT offender_id) AS n_offenders_linked, max(last_seen) AS last_link_date
    FROM offender_link GROUP BY nominal_id
),
missing AS (
    SELECT nr.nominal_id,
           count(DISTINCT mp.episode_ref) AS n_missing_episodes,
           count(DISTINCT CASE WHEN date_diff('day', mp.reported_date, CAST(${as_of} AS DATE)) <= ${active_window_days}
                               THEN mp.episode_ref END) AS n_missing_episodes_active_window,
           max(mp.reported_date) AS last_missing_date
    FROM raw.missing_person AS mp
    JOIN er.nominal_record AS nr ON nr.person_ref = mp.person_ref
    JOIN harm.protected_nominal AS p ON p.nominal_id = nr.nominal_id
    WHERE mp.role = 'MISSING'
    GROUP BY nr.nominal_id
),
harmed AS (
    SELECT s.nominal_id, max(s.last_seen) AS last_harmed
    FROM net.cse_seed AS s
    WHERE s.seed_role = 'VICTIM'
    GROUP BY s.nominal_id
),
membership AS (
    SELECT nominal_id, min(network_id) AS network_id, min(member_role) AS member_role
    FROM net.network_member
    WHERE member_role IN ('VICTIM', 'CHILD_AT_RISK')
    GROUP BY nominal_id
),
facts AS (
    SELECT p.nominal_id, p.reasons, ms.network_id, coalesce(ms.member_role, 'VICTIM') AS member_role,
           coalesce(o.n_offenders_linked, 0) AS n_offenders_linked,
           coalesce(m.n_missing_episodes, 0) AS n_missing_episodes,
           coalesce(m.n_missing_episodes_active_window, 0) AS n_missing_episodes_active_window,
           greatest(o.last_link_date, m.last_missing_date, h.last_harmed) AS last_event_date
    FROM harm.protected_nominal AS p
    LEFT JOIN offenders AS o ON o.nominal_id = p.nominal_id
    LEFT JOIN missing AS m ON m.nominal_id = p.nominal_id
    LEFT JOIN harmed AS h ON h.nominal_id = p.nominal_id
    LEFT JOIN membership AS ms ON ms.nominal_id = p.nominal_id
),
scored AS (
    SELECT *,
           greatest(date_diff('day', last_event_date, CAST(${as_of} AS DATE)), 0) AS days_since_last_event,
           CAST(round(${points_per_linked_offender} * n_offenders_linked, 6) AS DECIMAL(18, 6)) AS offender_points,
           CAST(round(${points_per_recent_missing_episode} * n_missing_episodes_active_window, 6) AS DECIMAL(18, 6)) AS missing_points,
           CAST(round(coalesce(${recency_points} * power(0.5, greatest(date_diff('day', last_event_date, CAST(${as_of} AS DATE)), 0)
                                / ${half_life_days}), 0), 6) AS DECIMAL(18, 6)) AS recency_points
    FROM facts
)
SELECT nominal_id, network_id, member_role, reasons, n_offenders_linked, n_missing_episodes,
       n_missing_episodes_active_window, last_event_date, days_since_last_event,
       CAST(offender_points AS DOUBLE) AS offender_points,
       CAST(missing_points AS DOUBLE) AS missing_points,
       CAST(recency_points AS DOUBLE) AS recency_points,
       CAST(offender_points + missing_points + recency_points AS DOUBLE) AS safeguarding_score,
       row_number() OVER (ORDER BY offender_points + missing_points + recency_points DESC,
                          last_event_date DESC NULLS LAST, nominal_id) AS safeguarding_rank
FROM scored
ORDER BY safeguarding_rank;
