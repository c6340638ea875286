-- Audit of pub.unknown_offence_code: one row per code, a known fallback, a
-- non-negative weight on every coded row, shares that are shares.
SELECT 'code_not_unique' AS rule, count(*) AS n_failing
FROM (SELECT offence_code FROM pub.unknown_offence_code GROUP BY offence_code HAVING count(*) > 1) AS repeated
UNION ALL
SELECT 'unknown_fallback', count(*)
FROM pub.unknown_offence_code
WHERE fallback_used NOT IN ('CLASS', 'DEFAULT', 'NO_CODE') OR fallback_used IS NULL
UNION ALL
SELECT 'coded_row_without_weight', count(*)
FROM pub.unknown_offence_code
WHERE offence_code IS NOT NULL AND (harm_days IS NULL OR harm_days < 0)
UNION ALL
SELECT 'share_out_of_range', count(*)
FROM pub.unknown_offence_code
WHERE share_of_crime_harm < 0 OR share_of_crime_harm > 1 OR share_of_recent_harm < 0 OR share_of_recent_harm > 1
UNION ALL
SELECT 'rows_do_not_add_up', count(*)
FROM pub.unknown_offence_code
WHERE n_rows <> n_crime_rows + n_custody_rows OR n_rows < 1;
