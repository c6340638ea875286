-- Nominals with direct CSE involvement, one row per nominal and reason.
-- seed_role: OFFENDER (counts towards a network's offenders) or VICTIM.
CREATE OR REPLACE TABLE net.cse_seed AS
WITH
cse_crime_party AS (
    SELECT nominal_id,
           CASE party WHEN 'OFFENDER' THEN 'CSE_CRIME_OFFENDER' ELSE 'CSE_CRIME_VICTIM' END AS reason,
           CASE party WHEN 'OFFENDER' THEN 'OFFENDER' ELSE 'VICTIM' END AS seed_role,
           crime_ref AS source_ref, event_date
    FROM net.crime_party
    WHERE is_cse_crime
),
cse_intel_party AS (
    -- credible (same rule as intelligence links) CSE-flagged logs
    SELECT nominal_id,
           CASE role WHEN 'SUBJECT' THEN 'CSE_INTEL_SUBJECT' ELSE 'CSE_INTEL_VICTIM' END,
           CASE role WHEN 'SUBJECT' THEN 'OFFENDER' ELSE 'VICTIM' END,
           intel_ref, event_date
    FROM net.intel_party
    WHERE is_cse_intel AND is_credible AND role IN ('SUBJECT', 'VICTIM')
),
found_with_child AS (
    -- a missing child found with, or at the address of, someone
    SELECT f.nominal_id,
           CASE f.role WHEN 'FOUND_WITH' THEN 'MISSING_CHILD_FOUND_WITH' ELSE 'MISSING_CHILD_FOUND_AT_ADDRESS' END,
           'OFFENDER', f.episode_ref, f.event_date
    FROM net.missing_party AS m
    JOIN net.missing_party AS f
      ON f.episode_ref = m.episode_ref AND f.role IN ('FOUND_WITH', 'ADDRESS_OCCUPIER')
     AND f.nominal_id <> m.nominal_id
    WHERE m.role = 'MISSING' AND m.is_child
),
missing_child AS (
    SELECT DISTINCT m.nominal_id, 'MISSING_CHILD', 'VICTIM', m.episode_ref, m.event_date
    FROM net.missing_party AS m
    JOIN net.missing_party AS f
      ON f.episode_ref = m.episode_ref AND f.role IN ('FOUND_WITH', 'ADDRESS_OCCUPIER')
     AND f.nominal_id <> m.nominal_id
    WHERE m.role = 'MISSING' AND m.is_child
),
reason_event AS (
    SELECT * FROM cse_crime_party
    UNION ALL SELECT * FROM cse_intel_party
    UNION ALL SELECT * FROM found_with_child
    UNION ALL SELECT * FROM missing_child
)
SELECT nominal_id, reason, min(seed_role) AS seed_role,
       count(DISTINCT source_ref) AS n_sources,
       min(event_date) AS first_seen,
       max(event_date) AS last_seen,
       string_agg(DISTINCT source_ref, ',' ORDER BY source_ref) AS source_refs
FROM reason_event
GROUP BY nominal_id, reason
ORDER BY nominal_id, reason;
