-- analyst.nominal_change: what happened to each nominal id since the last published run.
CREATE OR REPLACE TABLE pub.nominal_change AS
SELECT *
FROM er.nominal_change
ORDER BY nominal_id;
