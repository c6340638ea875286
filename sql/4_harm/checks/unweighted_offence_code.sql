-- Offence codes met in crime.csv or custody.csv without a harm weight (codes are not personal).
WITH met AS (
    SELECT regexp_replace(upper(trim(offence_code)), '^0+', '') AS offence_code, 'crime.csv' AS file_name
    FROM raw.crime WHERE offence_code IS NOT NULL
    UNION ALL
    SELECT regexp_replace(upper(trim(offence_code)), '^0+', ''), 'custody.csv'
    FROM raw.custody WHERE offence_code IS NOT NULL
)
SELECT m.offence_code, m.file_name, count(*) AS n_rows
FROM met AS m
LEFT JOIN harm.offence_weight AS w ON w.offence_code = m.offence_code
WHERE w.offence_code IS NULL
GROUP BY m.offence_code, m.file_name
ORDER BY m.offence_code, m.file_name
