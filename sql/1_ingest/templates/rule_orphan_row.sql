-- Rule orphan_row: the row refers to a parent record that is not among the parent file's good rows.
INSERT INTO rule_breach
SELECT s.row_no, 'orphan_row', ${column_name} || ' not found in ' || ${parent_file}
FROM staged s
WHERE trim(s.${column}) <> ''
  AND NOT EXISTS (SELECT 1 FROM ${parent_table} p WHERE p.${parent_column} = s.${column});
