-- Replace the raw table with the typed good rows, and this file's quarantine
-- with its rule breaches (one row per rejected row and rule). Run in one transaction.
CREATE OR REPLACE TABLE ${table} AS
SELECT ${typed_columns}, s.row_no
FROM staged s
WHERE NOT EXISTS (SELECT 1 FROM rule_breach b WHERE b.row_no = s.row_no)
ORDER BY s.row_no;

DELETE FROM raw.quarantine WHERE file_name = ${file_name};

INSERT INTO raw.quarantine (delivery_id, file_name, row_no, rule, detail)
SELECT ${delivery_id}, ${file_name}, row_no, rule, string_agg(detail, '; ' ORDER BY detail)
FROM rule_breach
GROUP BY row_no, rule
ORDER BY row_no, rule;
