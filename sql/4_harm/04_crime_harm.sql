-- harm.crime_harm: one row per crime. harm_days = offence weight x victims
-- (each distinct victim counted once; a crime with no recorded victim counts
-- once). recent_harm decays by half every ${half_life_days} days of age, age
-- measured from the delivery's extracted_at. Crimes whose code has no weight
-- keep a NULL harm (the blocking check names the codes).
-- Void crimes (outcome no crime / cancelled / suspect eliminated, net.crime_outcome)
-- have no harm and are left out. is_cse_crime = a CSE crime by net.cse_crime
-- (CSE code or marker AND a child victim, not peer harmful sexual behaviour).
-- Delayed disclosure: a CSE crime's age counts from the later of its committed
-- and recorded dates, and its recency never falls below ${cse_recency_floor}.
CREATE OR REPLACE TABLE harm.crime_harm AS
WITH parties AS (
    SELECT
        crime_ref,
        sum(CASE WHEN involvement = 'VICTIM' THEN 1 ELSE 0 END) AS n_victims,
        sum(CASE WHEN involvement = 'OFFENDER' THEN 1 ELSE 0 END) AS n_offenders
    FROM harm.crime_party
    GROUP BY crime_ref
),
crime AS (
    SELECT
        c.crime_ref,
        ${crime_offence_code} AS offence_code,  -- sql/common/offence_code.sql
        coalesce(c.cse_flag, FALSE) AS cse_flag,
        coalesce(k.cse_category = 'CSE', FALSE) AS is_cse_crime,
        o.outcome_class,
        coalesce(c.committed_date, c.recorded_date) AS event_date,
        CASE WHEN k.cse_category = 'CSE' THEN greatest(coalesce(c.committed_date, c.recorded_date), c.recorded_date)
             ELSE coalesce(c.committed_date, c.recorded_date) END AS recency_date
    FROM raw.crime AS c
    LEFT JOIN net.crime_outcome AS o ON o.crime_ref = c.crime_ref
    LEFT JOIN net.cse_crime AS k ON k.crime_ref = c.crime_ref
    WHERE NOT coalesce(o.is_void, FALSE)
),
aged AS (
    SELECT
        crime.crime_ref,
        crime.offence_code,
        w.offence_title,
        crime.cse_flag,
        coalesce(w.is_cse_offence, FALSE) AS is_cse_offence,
        crime.is_cse_crime,
        crime.outcome_class,
        crime.event_date,
        crime.recency_date,
        coalesce(p.n_offenders, 0) AS n_offenders,
        coalesce(p.n_victims, 0) AS n_victims,
        w.harm_days AS offence_harm_days,
        -- a date after extracted_at (within ingest's tolerance) counts as today, never as
        -- extra-fresh; an undated crime (ingest blanks impossible future dates) has no age
        -- (greatest() ignores NULL, so it must not reach it: it would count as today)
        CASE WHEN crime.recency_date IS NOT NULL
             THEN greatest(date_diff('day', crime.recency_date, CAST(${as_of} AS DATE)), 0) END AS age_days
    FROM crime
    LEFT JOIN harm.offence_weight AS w ON w.offence_code = crime.offence_code
    LEFT JOIN parties AS p ON p.crime_ref = crime.crime_ref
)
SELECT
    crime_ref,
    offence_code,
    offence_title,
    cse_flag,
    is_cse_offence,
    is_cse_crime,
    outcome_class,
    event_date,
    recency_date,
    age_days,
    coalesce(age_days <= ${active_window_days}, FALSE) AS in_active_window,
    n_offenders,
    n_victims,
    offence_harm_days,
    offence_harm_days * greatest(n_victims, 1) AS harm_days,
    recency_weight,
    -- DECIMAL so sums (and hence ranks) are exact and independent of summation order
    CAST(round(offence_harm_days * greatest(n_victims, 1) * recency_weight, 6) AS DECIMAL(18, 6)) AS recent_harm
FROM (
    SELECT *,
           -- undated: no recency credit (0), so it adds nothing to recent harm
           CASE WHEN age_days IS NULL THEN 0
                WHEN is_cse_crime THEN greatest(${cse_recency_floor}, power(0.5, age_days / ${half_life_days}))
                ELSE power(0.5, age_days / ${half_life_days}) END AS recency_weight
    FROM aged
) AS weighted
ORDER BY crime_ref;
