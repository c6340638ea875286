-- Who took part in what, by nominal: the building blocks of every link.
-- Person refs are mapped to nominals through er.nominal_record (every ref is
-- there exactly once; the asset refuses a delivery where one is missing).

-- People on crimes; suspects and offenders are one party ("OFFENDER"). Codes are
-- compared after the one normalisation of sql/common/offence_code.sql
-- (parameter crime_offence_code: 019E matches the reference's 19E).
CREATE OR REPLACE TABLE net.crime_party AS
SELECT DISTINCT
    cp.crime_ref,
    CASE WHEN cp.role IN ('SUSPECT', 'OFFENDER') THEN 'OFFENDER' ELSE cp.role END AS party,
    nr.nominal_id,
    coalesce(c.committed_date, c.recorded_date) AS event_date,
    ${crime_offence_code} AS offence_code,
    (coalesce(c.cse_flag, FALSE) OR coalesce(oc.is_cse_offence, FALSE)) AS is_cse_crime
FROM raw.crime_person AS cp
JOIN raw.crime AS c ON c.crime_ref = cp.crime_ref
JOIN er.nominal_record AS nr ON nr.person_ref = cp.person_ref
LEFT JOIN net.cse_offence_code AS oc ON oc.offence_code = ${crime_offence_code}
WHERE cp.role IN ('SUSPECT', 'OFFENDER', 'VICTIM');

-- People named in intelligence logs, with the log's 3x5x2 grade. is_credible
-- applies the configured rule; source 3 and assessments D/E are never
-- credible, whatever the configuration.
CREATE OR REPLACE TABLE net.intel_party AS
SELECT DISTINCT
    ip.intel_ref,
    ip.role,
    nr.nominal_id,
    il.created_date AS event_date,
    il.source_eval,
    il.intel_eval,
    il.handling,
    coalesce(il.cse_flag, FALSE) AS is_cse_intel,
    coalesce(il.source_eval IN ${intel_source_evals}
        AND il.intel_eval IN ${intel_evals}
        AND il.source_eval NOT IN ${forbidden_source_evals}
        AND il.intel_eval NOT IN ${forbidden_intel_evals}, FALSE) AS is_credible
FROM raw.intel_person AS ip
JOIN raw.intel_log AS il ON il.intel_ref = ip.intel_ref
JOIN er.nominal_record AS nr ON nr.person_ref = ip.person_ref;

-- Missing-person episodes: the missing person and who they were found with or
-- at. is_child uses the date of birth at the report date; an unknown or
-- 1900 placeholder date of birth counts as a child (precaution).
CREATE OR REPLACE TABLE net.missing_party AS
SELECT DISTINCT
    mp.episode_ref,
    mp.role,
    nr.nominal_id,
    coalesce(mp.found_date, mp.reported_date) AS event_date,
    (mp.dob IS NULL
        OR year(mp.dob) <= 1900
        OR mp.dob > mp.reported_date - INTERVAL (${missing_child_max_age}) YEAR) AS is_child
FROM raw.missing_person AS mp
JOIN er.nominal_record AS nr ON nr.person_ref = mp.person_ref;
