-- Check er/nominal:no_conflicting_pnc: no nominal holds two different valid PNC ids (two people joined).
SELECT 'nominals_with_conflicting_pnc' AS rule, count(*) AS n
FROM (
    SELECT nr.nominal_id
    FROM er.nominal_record AS nr
    JOIN er.person_std AS ps ON ps.person_ref = nr.person_ref
    WHERE ps.pnc_std IS NOT NULL
    GROUP BY nr.nominal_id
    HAVING count(DISTINCT ps.pnc_std) > 1
) AS conflicting
