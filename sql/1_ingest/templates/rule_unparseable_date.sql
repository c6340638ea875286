-- Rule unparseable_date: a date that is given but is not a valid YYYY-MM-DD or DD/MM/YYYY.
INSERT INTO rule_breach
SELECT row_no, 'unparseable_date', ${column_name} || ' is not a valid YYYY-MM-DD or DD/MM/YYYY date'
FROM staged
WHERE trim(${column}) <> '' AND ${parsed} IS NULL;
