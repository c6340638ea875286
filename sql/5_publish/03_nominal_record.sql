-- analyst.nominal_record: every person record of the delivery, once, with its nominal.
CREATE OR REPLACE TABLE pub.nominal_record AS
SELECT
    nr.person_ref,
    nr.nominal_id,
    nr.match_probability,
    pr.system,
    pr.source_file
FROM er.nominal_record AS nr
LEFT JOIN er.person_record AS pr ON pr.person_ref = nr.person_ref
ORDER BY nr.nominal_id, nr.person_ref;
