-- analyst.field_issue: fields of the delivery that ingest blanked because they
-- were unusable (the row loaded), one per row, column and rule; never the value.
CREATE OR REPLACE TABLE pub.field_issue AS
SELECT delivery_id, file_name, row_no, column_name, rule, detail
FROM raw.field_issue
ORDER BY file_name, row_no, column_name, rule;
