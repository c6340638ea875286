-- Audit of pub.edge: one row per rule with the number of offending rows (0 = pass).
SELECT 'pair_not_ordered' AS rule, count(*) AS n_failing
FROM pub.edge WHERE NOT (nominal_id_a < nominal_id_b)
UNION ALL
SELECT 'pair_and_type_repeated', count(*)
FROM (
    SELECT nominal_id_a, nominal_id_b, link_type FROM pub.edge
    GROUP BY nominal_id_a, nominal_id_b, link_type HAVING count(*) > 1
) AS repeated
UNION ALL
SELECT 'nominal_id_not_in_nominal', count(*)
FROM pub.edge AS e
WHERE NOT EXISTS (SELECT 1 FROM pub.nominal AS n WHERE n.nominal_id = e.nominal_id_a)
   OR NOT EXISTS (SELECT 1 FROM pub.nominal AS n WHERE n.nominal_id = e.nominal_id_b)
UNION ALL
SELECT 'unknown_link_type', count(*)
FROM pub.edge
WHERE link_type IS NULL OR link_type NOT IN (
    'CO_OFFENDING', 'CO_ARREST', 'OFFENDER_VICTIM', 'CO_VICTIMISATION',
    'MISSING_FOUND_WITH', 'MISSING_FOUND_AT_ADDRESS', 'INTEL_ASSOCIATION',
    'SHARED_ADDRESS', 'SHARED_PHONE', 'SHARED_VEHICLE')
UNION ALL
SELECT 'weight_not_positive', count(*)
FROM pub.edge WHERE weight IS NULL OR NOT (weight > 0)
UNION ALL
SELECT 'n_events_not_positive', count(*)
FROM pub.edge WHERE n_events IS NULL OR n_events < 1
UNION ALL
SELECT 'first_seen_after_last_seen', count(*)
FROM pub.edge WHERE first_seen > last_seen;
