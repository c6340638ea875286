-- Replace this file's field issues (run with templates/publish_file.sql, in its transaction).
DELETE FROM raw.field_issue WHERE file_name = ${file_name};

INSERT INTO raw.field_issue (delivery_id, file_name, row_no, column_name, rule, detail)
SELECT ${delivery_id}, ${file_name}, row_no, column_name, rule, detail
FROM field_breach
ORDER BY row_no, column_name, rule;
