-- Which crimes are CSE crimes, on what evidence (docs/network.md, "Roles").
--
-- net.crime_outcome: the crime's free-text outcome normalised (upper case,
-- trimmed, one space between words) and mapped to a class by the configured
-- substring patterns (net.outcome_pattern, from settings): the class with the
-- lowest precedence whose pattern occurs wins; no match (or no outcome) = OPEN,
-- so an unknown outcome never makes anyone an OFFENDER.
CREATE OR REPLACE TABLE net.outcome_pattern AS
SELECT CAST(outcome_class AS VARCHAR) AS outcome_class,
       CAST(precedence AS INTEGER) AS precedence,
       CAST(pattern AS VARCHAR) AS pattern
FROM outcome_pattern_input
ORDER BY precedence, pattern;

CREATE OR REPLACE TABLE net.crime_outcome AS
WITH normalised AS (
    SELECT crime_ref,
           upper(trim(regexp_replace(coalesce(outcome, ''), '\s+', ' ', 'g'))) AS outcome_norm
    FROM raw.crime
),
matched AS (
    SELECT n.crime_ref, p.outcome_class, p.precedence,
           row_number() OVER (PARTITION BY n.crime_ref ORDER BY p.precedence, p.pattern) AS pick
    FROM normalised AS n
    JOIN net.outcome_pattern AS p ON p.pattern <> '' AND strpos(n.outcome_norm, p.pattern) > 0
)
SELECT n.crime_ref,
       coalesce(m.outcome_class, 'OPEN') AS outcome_class,
       -- void: the crime did not happen as recorded, or its suspects were eliminated
       coalesce(m.outcome_class IN ('NO_CRIME', 'ELIMINATED'), FALSE) AS is_void
FROM normalised AS n
LEFT JOIN matched AS m ON m.crime_ref = n.crime_ref AND m.pick = 1
ORDER BY n.crime_ref;

-- net.cse_crime: every crime with a CSE offence code or the force's CSE
-- marker, and whether it is a CSE crime (category CSE). A CSE crime needs a
-- child victim: a victim under ${child_max_age} at the offence date (committed,
-- else recorded) by the resolved nominal's dob, or an offence code whose
-- definition implies a child (child_victim_implied). Categories:
--   VOID                  outcome NO_CRIME / ELIMINATED: no seeds, no harm
--   NO_CHILD_VICTIM       no child victim (adult kidnapping, blackmail...): not CSE
--   PEER_HARMFUL_SEXUAL_BEHAVIOUR  the suspects/offenders are children too: at least one
--                         known child and none known to be an adult (a co-suspect with no
--                         dob is presumed a peer: no evidence makes them an adult abuser):
--                         a safeguarding case (net.peer_safeguarding_case), not CSE
--   CSE                   a CSE crime: makes seeds
CREATE OR REPLACE TABLE net.cse_crime AS
WITH crime AS (
    SELECT c.crime_ref,
           ${crime_offence_code} AS offence_code,  -- the one normalisation, sql/common/offence_code.sql
           coalesce(c.cse_flag, FALSE) AS cse_flag,
           coalesce(oc.is_cse_offence, FALSE) AS is_cse_offence,
           coalesce(oc.child_victim_implied, FALSE) AS child_victim_implied,
           c.committed_date,
           c.recorded_date,
           coalesce(c.committed_date, c.recorded_date) AS offence_date,
           o.outcome_class,
           o.is_void
    FROM raw.crime AS c
    LEFT JOIN net.cse_offence_code AS oc ON oc.offence_code = ${crime_offence_code}
    JOIN net.crime_outcome AS o ON o.crime_ref = c.crime_ref
    WHERE coalesce(c.cse_flag, FALSE) OR coalesce(oc.is_cse_offence, FALSE)
),
person AS (
    -- one row per crime, nominal and role; age from the resolved nominal's dob
    SELECT DISTINCT cr.crime_ref, cp.role, nr.nominal_id,
           n.dob IS NOT NULL AS dob_known,
           n.dob IS NOT NULL AND cr.offence_date < n.dob + INTERVAL (${child_max_age}) YEAR AS is_child
    FROM crime AS cr
    JOIN raw.crime_person AS cp ON cp.crime_ref = cr.crime_ref
    JOIN er.nominal_record AS nr ON nr.person_ref = cp.person_ref
    LEFT JOIN er.nominal AS n ON n.nominal_id = nr.nominal_id
    WHERE cp.role IN ('SUSPECT', 'OFFENDER', 'VICTIM')
),
counted AS (
    SELECT crime_ref,
           count(DISTINCT nominal_id) FILTER (WHERE role = 'VICTIM') AS n_victims,
           count(DISTINCT nominal_id) FILTER (WHERE role = 'VICTIM' AND is_child) AS n_child_victims,
           count(DISTINCT nominal_id) FILTER (WHERE role IN ('SUSPECT', 'OFFENDER')) AS n_suspects,
           count(DISTINCT nominal_id) FILTER (WHERE role IN ('SUSPECT', 'OFFENDER') AND is_child) AS n_child_suspects,
           count(DISTINCT nominal_id) FILTER (WHERE role IN ('SUSPECT', 'OFFENDER') AND dob_known AND NOT is_child)
               AS n_adult_suspects
    FROM person
    GROUP BY crime_ref
)
SELECT cr.crime_ref, cr.offence_code, cr.cse_flag, cr.is_cse_offence, cr.child_victim_implied,
       cr.committed_date, cr.recorded_date, cr.offence_date, cr.outcome_class,
       coalesce(k.n_victims, 0) AS n_victims,
       coalesce(k.n_child_victims, 0) AS n_child_victims,
       coalesce(k.n_suspects, 0) AS n_suspects,
       coalesce(k.n_child_suspects, 0) AS n_child_suspects,
       coalesce(k.n_adult_suspects, 0) AS n_adult_suspects,
       CASE WHEN cr.is_void THEN 'VOID'
            WHEN NOT cr.child_victim_implied AND coalesce(k.n_child_victims, 0) = 0 THEN 'NO_CHILD_VICTIM'
            WHEN coalesce(k.n_child_suspects, 0) > 0 AND k.n_adult_suspects = 0
                THEN 'PEER_HARMFUL_SEXUAL_BEHAVIOUR'
            ELSE 'CSE' END AS cse_category
FROM crime AS cr
LEFT JOIN counted AS k ON k.crime_ref = cr.crime_ref
ORDER BY cr.crime_ref;

-- net.peer_safeguarding_case: harmful sexual behaviour between children (every
-- suspect/offender a known child at the offence date): one row per crime for
-- the safeguarding team; these children are not CSE offenders or seeds.
CREATE OR REPLACE TABLE net.peer_safeguarding_case AS
SELECT c.crime_ref, c.offence_code, c.offence_date, c.outcome_class,
       c.n_child_suspects, c.n_victims,
       string_agg(DISTINCT nr.nominal_id, ',' ORDER BY nr.nominal_id)
           FILTER (WHERE cp.role IN ('SUSPECT', 'OFFENDER')) AS child_suspect_nominal_ids,
       string_agg(DISTINCT nr.nominal_id, ',' ORDER BY nr.nominal_id)
           FILTER (WHERE cp.role = 'VICTIM') AS victim_nominal_ids
FROM net.cse_crime AS c
JOIN raw.crime_person AS cp ON cp.crime_ref = c.crime_ref
JOIN er.nominal_record AS nr ON nr.person_ref = cp.person_ref
WHERE c.cse_category = 'PEER_HARMFUL_SEXUAL_BEHAVIOUR'
GROUP BY c.crime_ref, c.offence_code, c.offence_date, c.outcome_class, c.n_child_suspects, c.n_victims
ORDER BY c.crime_ref;
