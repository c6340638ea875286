-- The crosswalk of the previously published run (attached read-only as
-- previous_run by the caller), the basis for stable nominal ids.
CREATE OR REPLACE TABLE er.previous_nominal_record AS
SELECT CAST(person_ref AS VARCHAR) AS person_ref, CAST(nominal_id AS VARCHAR) AS nominal_id
FROM previous_run.main.nominal_record
ORDER BY person_ref;
