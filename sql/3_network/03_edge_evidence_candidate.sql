-- Who holds which shared attribute (address, phone, vehicle), one row per
-- attribute and nominal, with how many nominals hold it. conditional_only: the
-- nominal holds it only through person records known solely from intelligence
-- with handling code C (their contact details are that intelligence), so links
-- and exports built on it are not shareable.
CREATE OR REPLACE TABLE net.shared_attribute_holder AS
WITH
conditional_record AS (
    SELECT ip.person_ref
    FROM raw.intel_person AS ip
    JOIN raw.intel_log AS il ON il.intel_ref = ip.intel_ref
    WHERE NOT EXISTS (SELECT 1 FROM raw.crime_person AS x WHERE x.person_ref = ip.person_ref)
      AND NOT EXISTS (SELECT 1 FROM raw.custody AS x WHERE x.person_ref = ip.person_ref)
      AND NOT EXISTS (SELECT 1 FROM raw.missing_person AS x WHERE x.person_ref = ip.person_ref)
      AND NOT EXISTS (SELECT 1 FROM raw.vehicle AS x WHERE x.person_ref = ip.person_ref)
      AND NOT EXISTS (SELECT 1 FROM raw.ocg_member AS x WHERE x.person_ref = ip.person_ref)
    GROUP BY ip.person_ref
    HAVING bool_and(coalesce(il.handling, '') = 'C')
),
-- An address is its standardised postcode plus the house number (or, without
-- one, the first word): robust to free-text variation of street names.
record_address AS (
    SELECT ps.person_ref, ps.phone_std, pr.last_seen,
           CASE WHEN ps.postcode_std IS NOT NULL AND pr.address IS NOT NULL THEN
               ps.postcode_std || '#' || coalesce(
                   nullif(regexp_extract(lower(pr.address), '([0-9]+[a-z]?)', 1), ''),
                   nullif(regexp_extract(lower(pr.address), '([a-z]+)', 1), ''))
           END AS address_key
    FROM er.person_std AS ps
    JOIN er.person_record AS pr ON pr.person_ref = ps.person_ref
),
record_attribute AS (
    SELECT 'SHARED_ADDRESS' AS link_type, ra.address_key AS attribute, ra.person_ref, nr.nominal_id,
           ra.last_seen AS seen_date, CAST(NULL AS VARCHAR) AS role
    FROM record_address AS ra
    JOIN er.nominal_record AS nr ON nr.person_ref = ra.person_ref
    WHERE ra.address_key IS NOT NULL
    UNION ALL
    SELECT 'SHARED_PHONE', ra.phone_std, ra.person_ref, nr.nominal_id, ra.last_seen, NULL
    FROM record_address AS ra
    JOIN er.nominal_record AS nr ON nr.person_ref = ra.person_ref
    WHERE ra.phone_std IS NOT NULL
    UNION ALL
    SELECT 'SHARED_VEHICLE', upper(replace(v.vrm, ' ', '')), v.person_ref, nr.nominal_id, v.seen_date, v.role
    FROM raw.vehicle AS v
    JOIN er.nominal_record AS nr ON nr.person_ref = v.person_ref
    WHERE v.vrm IS NOT NULL AND trim(v.vrm) <> ''
),
holder AS (
    SELECT link_type, attribute, nominal_id,
           min(person_ref) AS person_ref,
           max(seen_date) AS seen_date,
           string_agg(DISTINCT role, '/' ORDER BY role) AS roles,
           bool_and(person_ref IN (SELECT person_ref FROM conditional_record)) AS conditional_only
    FROM record_attribute
    GROUP BY link_type, attribute, nominal_id
)
SELECT h.*, count(*) OVER (PARTITION BY h.link_type, h.attribute) AS n_holders
FROM holder AS h
ORDER BY h.link_type, h.attribute, h.nominal_id;

-- How many shared attributes were too common to link anyone (counts only).
CREATE OR REPLACE TABLE net.shared_attribute_summary AS
SELECT link_type,
       count(DISTINCT attribute) FILTER (WHERE n_holders >= 2) AS n_shared,
       count(DISTINCT attribute) FILTER (WHERE n_holders > ${shared_attribute_max_nominals}) AS n_too_common,
       max(n_holders) AS max_holders
FROM net.shared_attribute_holder
GROUP BY link_type
ORDER BY link_type;

-- Every event that links two nominals, one row per pair, link type and source
-- reference, before analysts' link corrections. nominal_id_a < nominal_id_b.
-- event_strength = the link type's strength x a down-weight for shared
-- attributes held by several nominals (1 / (holders - 1)).
-- The grading and outcome of the event and each end's role in it are columns
-- (not only words in detail), so analysts and exports can filter and theme on them:
--   source_eval, intel_eval, handling  3x5x2 grade of an intelligence log (null otherwise)
--   outcome                            the crime's recorded outcome (crimes only)
--   role_a, role_b                     what nominal_id_a / nominal_id_b was in the event
--                                      (OFFENDER, SUSPECT, VICTIM, ARRESTED, MISSING, FOUND_WITH,
--                                      ADDRESS_OCCUPIER, the intelligence role, the
--                                      vehicle role, HOLDER)
CREATE OR REPLACE TABLE net.edge_evidence_candidate AS
WITH
offender AS (SELECT * FROM net.crime_party WHERE party = 'OFFENDER'),
victim AS (SELECT * FROM net.crime_party WHERE party = 'VICTIM'),
crime_outcome AS (SELECT crime_ref, outcome FROM raw.crime),
-- the recorded role of an offender-side party on a crime: OFFENDER when any of
-- their records on it says so, else SUSPECT (net.crime_party folds both into OFFENDER)
offender_role AS (
    SELECT cp.crime_ref, nr.nominal_id,
           CASE WHEN bool_or(cp.role = 'OFFENDER') THEN 'OFFENDER' ELSE 'SUSPECT' END AS role
    FROM raw.crime_person AS cp
    JOIN er.nominal_record AS nr ON nr.person_ref = cp.person_ref
    WHERE cp.role IN ('SUSPECT', 'OFFENDER')
    GROUP BY cp.crime_ref, nr.nominal_id
),
offended AS (
    -- offender o offended against victim v on crime c
    SELECT DISTINCT o.nominal_id AS offender_id, v.nominal_id AS victim_id, o.crime_ref, o.event_date
    FROM offender AS o
    JOIN victim AS v ON v.crime_ref = o.crime_ref AND v.nominal_id <> o.nominal_id
),
co_victimisation_pair AS (
    -- two offenders who offended against the same victim on different crimes
    SELECT DISTINCT a.offender_id AS id_a, b.offender_id AS id_b, a.victim_id
    FROM offended AS a
    JOIN offended AS b
      ON b.victim_id = a.victim_id AND a.offender_id < b.offender_id AND a.crime_ref <> b.crime_ref
),
custody_party AS (
    SELECT DISTINCT cu.occurrence_ref, cu.custody_ref, nr.nominal_id, cu.arrest_date, upper(cu.offence_code) AS offence_code
    FROM raw.custody AS cu
    JOIN er.nominal_record AS nr ON nr.person_ref = cu.person_ref
    WHERE cu.occurrence_ref IS NOT NULL
),
missing AS (SELECT * FROM net.missing_party WHERE role = 'MISSING'),
candidate AS (
    SELECT a.nominal_id AS nominal_id_a, b.nominal_id AS nominal_id_b, 'CO_OFFENDING' AS link_type,
           'crime' AS source_file, a.crime_ref AS source_ref, a.event_date,
           'offence ' || coalesce(a.offence_code, '?') AS detail, TRUE AS shareable,
           ${strength_co_offending} AS event_strength,
           CAST(NULL AS VARCHAR) AS source_eval, CAST(NULL AS VARCHAR) AS intel_eval,
           CAST(NULL AS VARCHAR) AS handling, co.outcome,
           coalesce(ra.role, 'OFFENDER') AS role_a, coalesce(rb.role, 'OFFENDER') AS role_b
    FROM offender AS a
    JOIN offender AS b ON b.crime_ref = a.crime_ref AND a.nominal_id < b.nominal_id
    LEFT JOIN crime_outcome AS co ON co.crime_ref = a.crime_ref
    LEFT JOIN offender_role AS ra ON ra.crime_ref = a.crime_ref AND ra.nominal_id = a.nominal_id
    LEFT JOIN offender_role AS rb ON rb.crime_ref = a.crime_ref AND rb.nominal_id = b.nominal_id

    UNION ALL
    SELECT least(o.offender_id, o.victim_id), greatest(o.offender_id, o.victim_id), 'OFFENDER_VICTIM',
           'crime', o.crime_ref, o.event_date, 'offender ' || o.offender_id, TRUE,
           ${strength_offender_victim},
           NULL, NULL, NULL, co.outcome,
           CASE WHEN o.offender_id < o.victim_id THEN coalesce(r.role, 'OFFENDER') ELSE 'VICTIM' END,
           CASE WHEN o.offender_id < o.victim_id THEN 'VICTIM' ELSE coalesce(r.role, 'OFFENDER') END
    FROM offended AS o
    LEFT JOIN crime_outcome AS co ON co.crime_ref = o.crime_ref
    LEFT JOIN offender_role AS r ON r.crime_ref = o.crime_ref AND r.nominal_id = o.offender_id

    UNION ALL
    SELECT p.id_a, p.id_b, 'CO_VICTIMISATION', 'crime', o.crime_ref, o.event_date,
           'shared victim ' || p.victim_id, TRUE, ${strength_co_victimisation},
           NULL, NULL, NULL, co.outcome,
           -- on this crime only one of the pair offended against the shared victim
           CASE WHEN o.offender_id = p.id_a THEN coalesce(r.role, 'OFFENDER') ELSE 'OFFENDER_OF_SAME_VICTIM' END,
           CASE WHEN o.offender_id = p.id_b THEN coalesce(r.role, 'OFFENDER') ELSE 'OFFENDER_OF_SAME_VICTIM' END
    FROM co_victimisation_pair AS p
    JOIN offended AS o ON o.victim_id = p.victim_id AND o.offender_id IN (p.id_a, p.id_b)
    LEFT JOIN crime_outcome AS co ON co.crime_ref = o.crime_ref
    LEFT JOIN offender_role AS r ON r.crime_ref = o.crime_ref AND r.nominal_id = o.offender_id

    UNION ALL
    SELECT a.nominal_id, b.nominal_id, 'CO_ARREST', 'custody', a.occurrence_ref, least(a.arrest_date, b.arrest_date),
           'custody ' || a.custody_ref || ' + ' || b.custody_ref, TRUE, ${strength_co_arrest},
           NULL, NULL, NULL, NULL, 'ARRESTED', 'ARRESTED'
    FROM custody_party AS a
    JOIN custody_party AS b ON b.occurrence_ref = a.occurrence_ref AND a.nominal_id < b.nominal_id

    UNION ALL
    SELECT least(m.nominal_id, f.nominal_id), greatest(m.nominal_id, f.nominal_id),
           CASE f.role WHEN 'FOUND_WITH' THEN 'MISSING_FOUND_WITH' ELSE 'MISSING_FOUND_AT_ADDRESS' END,
           'missing_person', m.episode_ref, f.event_date, 'missing ' || m.nominal_id, TRUE,
           CASE f.role WHEN 'FOUND_WITH' THEN ${strength_missing_found_with}
                ELSE ${strength_missing_found_at_address} END,
           NULL, NULL, NULL, NULL,
           CASE WHEN m.nominal_id < f.nominal_id THEN 'MISSING' ELSE f.role END,
           CASE WHEN m.nominal_id < f.nominal_id THEN f.role ELSE 'MISSING' END
    FROM missing AS m
    JOIN net.missing_party AS f
      ON f.episode_ref = m.episode_ref AND f.role IN ('FOUND_WITH', 'ADDRESS_OCCUPIER')
     AND f.nominal_id <> m.nominal_id

    UNION ALL
    SELECT a.nominal_id, b.nominal_id, 'INTEL_ASSOCIATION', 'intel', a.intel_ref, a.event_date,
           'grade ' || a.source_eval || a.intel_eval || ' handling ' || a.handling
               || ' roles ' || a.role || '/' || b.role,
           a.handling <> 'C', ${strength_intel_association},
           a.source_eval, a.intel_eval, a.handling, NULL, a.role, b.role
    FROM net.intel_party AS a
    JOIN net.intel_party AS b ON b.intel_ref = a.intel_ref AND a.nominal_id < b.nominal_id
    WHERE a.is_credible

    UNION ALL
    -- shared attributes: not linked at all above the cap, down-weighted below it
    SELECT a.nominal_id, b.nominal_id, a.link_type,
           CASE a.link_type WHEN 'SHARED_VEHICLE' THEN 'vehicle' ELSE 'person_std' END,
           CASE a.link_type WHEN 'SHARED_VEHICLE' THEN a.attribute ELSE a.person_ref || '+' || b.person_ref END,
           least(a.seen_date, b.seen_date),
           coalesce('roles ' || a.roles || ' + ' || b.roles || ', ', '') || CAST(a.n_holders AS VARCHAR) || ' holders',
           NOT (a.conditional_only OR b.conditional_only),
           CASE a.link_type WHEN 'SHARED_ADDRESS' THEN ${strength_shared_address}
                WHEN 'SHARED_PHONE' THEN ${strength_shared_phone}
                ELSE ${strength_shared_vehicle} END / (a.n_holders - 1),
           NULL, NULL, NULL, NULL, coalesce(a.roles, 'HOLDER'), coalesce(b.roles, 'HOLDER')
    FROM net.shared_attribute_holder AS a
    JOIN net.shared_attribute_holder AS b
      ON b.link_type = a.link_type AND b.attribute = a.attribute AND a.nominal_id < b.nominal_id
    WHERE a.n_holders <= ${shared_attribute_max_nominals}
),
ranked AS (
    -- one row per pair, type and source reference (a ref seen twice keeps its
    -- earliest date; shareable only if every copy is)
    SELECT *,
           row_number() OVER (
               PARTITION BY nominal_id_a, nominal_id_b, link_type, source_file, source_ref
               ORDER BY event_date NULLS LAST, detail, event_strength DESC, role_a, role_b) AS copy_no,
           bool_and(shareable) OVER (
               PARTITION BY nominal_id_a, nominal_id_b, link_type, source_file, source_ref) AS all_shareable
    FROM candidate
)
SELECT nominal_id_a, nominal_id_b, link_type, source_file, source_ref, event_date, detail,
       all_shareable AS shareable, event_strength,
       source_eval, intel_eval, handling, outcome, role_a, role_b
FROM ranked
WHERE copy_no = 1
ORDER BY nominal_id_a, nominal_id_b, link_type, source_file, source_ref;
