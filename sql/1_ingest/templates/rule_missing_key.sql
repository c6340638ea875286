-- Rule missing_key: a key column is empty.
INSERT INTO rule_breach
SELECT row_no, 'missing_key', ${column_name} || ' is empty'
FROM staged
WHERE ${column} IS NULL OR trim(${column}) = '';
