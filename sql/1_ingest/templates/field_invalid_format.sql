-- Field rule invalid_format: a free-typed field whose text does not have its shape. The field is
-- blanked (kept only where the format says so: offence_code, which harm weighs by default).
INSERT INTO field_breach
SELECT row_no, ${column_name}, 'invalid_format', ${column_name} || ' is not ' || ${description}
FROM staged
WHERE trim(${column}) <> '' AND NOT COALESCE(${valid}, FALSE);
