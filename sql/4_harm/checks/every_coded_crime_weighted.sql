-- Check harm/crime_harm:every_coded_crime_weighted: every crime with an offence code has a harm
-- weight (its own or a fallback): none is left unscored.
SELECT 'n_unweighted_crimes' AS rule, count(*) AS n
FROM harm.crime_harm
WHERE harm_days IS NULL AND coalesce(offence_code, '') <> ''
