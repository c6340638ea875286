-- Field rule unparseable_date: a date of birth that is given but not a valid
-- YYYY-MM-DD or DD/MM/YYYY date (31/02/1985 included). The dob is blanked.
INSERT INTO field_breach
SELECT row_no, ${column_name}, 'unparseable_date', ${column_name} || ' is not a valid YYYY-MM-DD or DD/MM/YYYY date'
FROM staged
WHERE trim(${column}) <> '' AND ${parsed} IS NULL;
