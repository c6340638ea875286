-- CSE evidence about each person, one row per nominal, reason and source
-- (net.cse_evidence), and the seeds it makes (net.cse_seed, one row per
-- nominal and reason). A label is an accusation, so each reason rests on a
-- record about that person:
--   CSE_CRIME_CHARGED   OFFENDER  on a CSE crime (net.cse_crime, category CSE) with a
--                                 charge/caution/conviction outcome, recorded as its
--                                 OFFENDER or its only suspect
--   CSE_CRIME_SUSPECT   SUSPECT   any other suspect/offender on a CSE crime (open,
--                                 not proceeded, unknown outcome)
--   CSE_INTEL_SUBJECT   OFFENDER  subject of a credible (source/assessment rule) CSE-flagged log
--   CSE_CRIME_VICTIM    VICTIM    a child victim of a CSE crime (under the age at the offence
--                                 date, or the code implies a child)
--   CSE_INTEL_VICTIM    VICTIM    victim in a credible CSE-flagged log, not known to be an adult
-- Void crimes (no crime, suspect eliminated), crimes with no child victim and
-- harmful sexual behaviour between children make no seeds (06_cse_crime.sql).
-- Found-with adults and missing children are not seeds: they become ASSOCIATE /
-- CHILD_AT_RISK members through a network's offenders (10_member_reason.sql).
CREATE OR REPLACE TABLE net.cse_evidence AS
WITH
crime_person AS (
    SELECT DISTINCT c.crime_ref, cp.role, nr.nominal_id, c.offence_code, c.offence_date,
           c.outcome_class, c.child_victim_implied, c.n_suspects,
           n.dob IS NOT NULL AND c.offence_date < n.dob + INTERVAL (${child_max_age}) YEAR AS is_child
    FROM net.cse_crime AS c
    JOIN raw.crime_person AS cp ON cp.crime_ref = c.crime_ref
    JOIN er.nominal_record AS nr ON nr.person_ref = cp.person_ref
    LEFT JOIN er.nominal AS n ON n.nominal_id = nr.nominal_id
    WHERE c.cse_category = 'CSE' AND cp.role IN ('SUSPECT', 'OFFENDER', 'VICTIM')
),
crime_role AS (
    -- a nominal recorded both as OFFENDER and SUSPECT on one crime (two records) is its OFFENDER
    SELECT crime_ref, nominal_id, offence_code, offence_date, outcome_class, child_victim_implied, n_suspects,
           bool_or(role = 'OFFENDER') AS recorded_offender,
           bool_or(role IN ('SUSPECT', 'OFFENDER')) AS accused,
           bool_or(role = 'VICTIM') AS victim,
           bool_or(is_child) AS is_child
    FROM crime_person
    GROUP BY crime_ref, nominal_id, offence_code, offence_date, outcome_class, child_victim_implied, n_suspects
),
crime_evidence AS (
    SELECT nominal_id,
           CASE WHEN outcome_class = 'CHARGED' AND (recorded_offender OR n_suspects = 1)
                THEN 'CSE_CRIME_CHARGED' ELSE 'CSE_CRIME_SUSPECT' END AS reason,
           CASE WHEN outcome_class = 'CHARGED' AND (recorded_offender OR n_suspects = 1)
                THEN 'OFFENDER' ELSE 'SUSPECT' END AS seed_role,
           'crime' AS source_file, crime_ref AS source_ref, offence_date AS event_date,
           offence_code || ' outcome ' || outcome_class AS detail
    FROM crime_role
    WHERE accused
    UNION ALL
    SELECT nominal_id, 'CSE_CRIME_VICTIM', 'VICTIM', 'crime', crime_ref, offence_date,
           offence_code || CASE WHEN is_child THEN ' victim a child at the offence date'
                                ELSE ' offence implies a child victim' END
    FROM crime_role
    -- a victim also accused on the same crime is not also its victim
    WHERE victim AND NOT accused AND (is_child OR child_victim_implied)
),
intel_evidence AS (
    SELECT p.nominal_id,
           CASE p.role WHEN 'SUBJECT' THEN 'CSE_INTEL_SUBJECT' ELSE 'CSE_INTEL_VICTIM' END,
           CASE p.role WHEN 'SUBJECT' THEN 'OFFENDER' ELSE 'VICTIM' END,
           'intel', p.intel_ref, p.event_date,
           'grade ' || p.source_eval || p.intel_eval || ' handling ' || p.handling
    FROM net.intel_party AS p
    LEFT JOIN er.nominal AS n ON n.nominal_id = p.nominal_id
    WHERE p.is_cse_intel AND p.is_credible AND p.role IN ('SUBJECT', 'VICTIM')
      -- a CSE log's victim is a child unless their dob says they were an adult
      AND (p.role = 'SUBJECT' OR n.dob IS NULL OR p.event_date < n.dob + INTERVAL (${child_max_age}) YEAR)
)
SELECT * FROM crime_evidence
UNION ALL
SELECT * FROM intel_evidence
ORDER BY 1, 2, 5;

CREATE OR REPLACE TABLE net.cse_seed AS
SELECT nominal_id, reason, min(seed_role) AS seed_role,
       count(DISTINCT source_ref) AS n_sources,
       min(event_date) AS first_seen,
       max(event_date) AS last_seen,
       string_agg(DISTINCT source_ref, ',' ORDER BY source_ref) AS source_refs
FROM net.cse_evidence
GROUP BY nominal_id, reason
ORDER BY nominal_id, reason;
