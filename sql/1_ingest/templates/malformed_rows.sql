-- Start this file's rule breaches with the records the parser could not read (rule malformed_row).
CREATE OR REPLACE TEMP TABLE rule_breach (row_no BIGINT, rule VARCHAR, detail VARCHAR);

INSERT INTO rule_breach
SELECT
    row_no,
    'malformed_row',
    CASE error_type
        WHEN 'MISSING COLUMNS' THEN 'fewer columns than the header'
        WHEN 'TOO MANY COLUMNS' THEN 'more columns than the header'
        WHEN 'UNQUOTED VALUE' THEN 'bad quoting'
        WHEN 'INVALID ENCODING' THEN 'not UTF-8'
        WHEN 'INVALID UNICODE' THEN 'not UTF-8'
        WHEN 'LINE SIZE OVER MAXIMUM' THEN 'record longer than max_line_size'
        WHEN 'UNREAD' THEN 'record not readable (unbalanced quotes)'
        ELSE lower(error_type)
    END || COALESCE(' in column ' || column_name, '')
FROM unread_row;
