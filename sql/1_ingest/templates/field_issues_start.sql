-- Start this file's field issues: fields that are given but unusable. The field
-- is blanked in the raw table and the row loads (rows are quarantined only for
-- an unusable key or event date). One row per data row, column and rule.
CREATE OR REPLACE TEMP TABLE field_breach (row_no BIGINT, column_name VARCHAR, rule VARCHAR, detail VARCHAR);
