-- Field rule unknown_value: a person field's code outside its allowed codes. The field is blanked.
INSERT INTO field_breach
SELECT row_no, ${column_name}, 'unknown_value', ${column_name} || ' is not one of ' || ${allowed_text}
FROM staged
WHERE ${code} IS NOT NULL AND ${code} NOT IN ${allowed};
