-- Audit of pub.nominal_record against the delivery itself (the good rows of
-- every person file and the person fields of quarantined rows): every
-- delivered person_ref exactly once, nothing else.
WITH delivered AS (
    SELECT person_ref FROM raw.crime_person
    UNION SELECT person_ref FROM raw.custody
    UNION SELECT person_ref FROM raw.intel_person
    UNION SELECT person_ref FROM raw.missing_person
    UNION SELECT person_ref FROM raw.vehicle
    UNION SELECT person_ref FROM raw.ocg_member
    -- refs whose every row was quarantined are records of the delivery too
    UNION SELECT person_ref FROM raw.quarantined_person
)
SELECT 'person_ref_missing' AS rule, count(*) AS n_failing
FROM delivered AS d
WHERE d.person_ref IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM pub.nominal_record AS r WHERE r.person_ref = d.person_ref)
UNION ALL
SELECT 'person_ref_not_in_delivery', count(*)
FROM pub.nominal_record AS r
WHERE NOT EXISTS (SELECT 1 FROM delivered AS d WHERE d.person_ref = r.person_ref)
UNION ALL
SELECT 'person_ref_repeated', count(*)
FROM (SELECT person_ref FROM pub.nominal_record GROUP BY person_ref HAVING count(*) > 1) AS repeated
UNION ALL
SELECT 'nominal_id_not_in_nominal', count(*)
FROM pub.nominal_record AS r
WHERE r.nominal_id IS NULL
   OR NOT EXISTS (SELECT 1 FROM pub.nominal AS n WHERE n.nominal_id = r.nominal_id)
UNION ALL
SELECT 'nominal_without_record', count(*)
FROM pub.nominal AS n
WHERE NOT EXISTS (SELECT 1 FROM pub.nominal_record AS r WHERE r.nominal_id = n.nominal_id)
UNION ALL
SELECT 'match_probability_out_of_range', count(*)
FROM pub.nominal_record
WHERE match_probability < 0 OR match_probability > 1;
