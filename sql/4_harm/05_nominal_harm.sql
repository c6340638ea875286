-- harm.nominal_harm: every nominal's harm in recency-frequency-gravity form,
-- from the crimes they are answerable for (SUSPECT/OFFENDER).
--   harm_score   = sum over their crimes of recent_harm (gravity x victims x recency decay),
--                  frequency enters as the sum, recency as the decay.
--   gravity      = max_offence_harm_days; frequency = n_crimes; recency = days_since_last_offence.
CREATE OR REPLACE TABLE harm.nominal_harm AS
WITH answerable AS (
    SELECT p.nominal_id, h.*
    FROM harm.crime_party AS p
    JOIN harm.crime_harm AS h ON h.crime_ref = p.crime_ref
    WHERE p.involvement = 'OFFENDER'
),
totals AS (
    SELECT
        nominal_id,
        count(*) AS n_crimes,
        sum(CASE WHEN is_cse_crime THEN 1 ELSE 0 END) AS n_cse_crimes,
        sum(CASE WHEN in_active_window THEN 1 ELSE 0 END) AS n_crimes_active_window,
        sum(harm_days) AS harm_total_days,
        max(offence_harm_days) AS max_offence_harm_days,
        max(event_date) AS last_offence_date,
        min(age_days) AS days_since_last_offence,
        sum(recent_harm) AS harm_score
    FROM answerable
    GROUP BY nominal_id
),
victims AS (
    SELECT
        a.nominal_id,
        count(DISTINCT v.nominal_id) AS n_victims,
        count(DISTINCT CASE WHEN a.in_active_window THEN v.nominal_id END) AS n_victims_active_window
    FROM answerable AS a
    JOIN harm.crime_party AS v
        ON v.crime_ref = a.crime_ref AND v.involvement = 'VICTIM' AND v.nominal_id <> a.nominal_id
    GROUP BY a.nominal_id
),
victimised AS (
    SELECT nominal_id, count(*) AS n_crimes_as_victim
    FROM harm.crime_party
    WHERE involvement = 'VICTIM'
    GROUP BY nominal_id
)
SELECT
    n.nominal_id,
    CAST(coalesce(t.harm_score, 0) AS DOUBLE) AS harm_score,
    coalesce(t.harm_total_days, 0) AS harm_total_days,
    coalesce(t.max_offence_harm_days, 0) AS max_offence_harm_days,
    coalesce(t.n_crimes, 0) AS n_crimes,
    coalesce(t.n_cse_crimes, 0) AS n_cse_crimes,
    coalesce(t.n_crimes_active_window, 0) AS n_crimes_active_window,
    t.last_offence_date,
    t.days_since_last_offence,
    coalesce(v.n_victims, 0) AS n_victims,
    coalesce(v.n_victims_active_window, 0) AS n_victims_active_window,
    coalesce(d.n_crimes_as_victim, 0) AS n_crimes_as_victim
FROM er.nominal AS n
LEFT JOIN totals AS t ON t.nominal_id = n.nominal_id
LEFT JOIN victims AS v ON v.nominal_id = n.nominal_id
LEFT JOIN victimised AS d ON d.nominal_id = n.nominal_id
ORDER BY n.nominal_id;
