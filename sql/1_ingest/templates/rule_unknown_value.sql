-- Rule unknown_value: a coded column outside its allowed codes (or empty where a code is required).
INSERT INTO rule_breach
SELECT
    row_no,
    'unknown_value',
    ${column_name} || CASE WHEN ${code} IS NULL THEN ' is empty' ELSE ' is not one of ' || ${allowed_text} END
FROM staged
WHERE (${code} IS NULL AND NOT ${nullable}) OR ${code} NOT IN ${allowed};
