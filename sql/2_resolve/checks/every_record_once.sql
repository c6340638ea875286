-- Check er/nominal_record:every_record_once: every person_ref of the delivery exactly once, well-formed.
SELECT 'records_missing' AS rule, count(*) AS n
FROM er.person_record AS p
WHERE NOT EXISTS (SELECT 1 FROM er.nominal_record AS n WHERE n.person_ref = p.person_ref)
UNION ALL
SELECT 'refs_not_in_delivery', count(*)
FROM er.nominal_record AS n
WHERE NOT EXISTS (SELECT 1 FROM er.person_record AS p WHERE p.person_ref = n.person_ref)
UNION ALL
SELECT 'refs_duplicated', count(*)
FROM (SELECT person_ref FROM er.nominal_record GROUP BY person_ref HAVING count(*) > 1) AS repeated
UNION ALL
SELECT 'malformed_nominal_ids', count(*)
FROM er.nominal_record
WHERE nominal_id IS NULL OR NOT ${nominal_id_valid}
UNION ALL
SELECT 'bad_match_probabilities', count(*)
FROM er.nominal_record
WHERE match_probability IS NULL OR match_probability < 0 OR match_probability > 1
