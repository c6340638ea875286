-- analyst.quarantine: rows of the delivery rejected by ingest, one per row and rule.
CREATE OR REPLACE TABLE pub.quarantine AS
SELECT *
FROM raw.quarantine
ORDER BY file_name, row_no, rule;
