-- harm.crime_party: each nominal's involvement in each crime, once. Several
-- person records of one nominal on a crime collapse to one row; a nominal both
-- answerable and harmed on the same crime counts as OFFENDER.
CREATE OR REPLACE TABLE harm.crime_party AS
SELECT
    cp.crime_ref,
    nr.nominal_id,
    CASE
        WHEN max(CASE WHEN cp.role IN ${offender_roles} THEN 1 ELSE 0 END) = 1 THEN 'OFFENDER'
        WHEN max(CASE WHEN cp.role = 'VICTIM' THEN 1 ELSE 0 END) = 1 THEN 'VICTIM'
        ELSE 'OTHER'
    END AS involvement
FROM raw.crime_person AS cp
JOIN er.nominal_record AS nr ON nr.person_ref = cp.person_ref
GROUP BY cp.crime_ref, nr.nominal_id
ORDER BY cp.crime_ref, nr.nominal_id;
