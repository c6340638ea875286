-- Number every record by its data row in the file (1-based, header not counted)
-- and seed rule_breach with the records the parser could not read.
--
-- The parser reports a rejected record by line number counting the header and
-- blank lines (blank_line, registered by the loader); the good records, in file
-- order, take the remaining numbers 1..${expected_rows} in turn. Numbers left
-- over belong to records the parser swallowed (an unterminated quote running to
-- the end of the file): they are quarantined too, never silently lost.
CREATE OR REPLACE TEMP TABLE rejected_row AS
SELECT
    e.line - 1 - (SELECT count(*) FROM blank_line b WHERE b.line < e.line) AS row_no,
    e.error_type,
    e.column_name
FROM csv_rejects e;

CREATE OR REPLACE TEMP TABLE free_row_no AS
SELECT p.row_no, row_number() OVER (ORDER BY p.row_no) AS seq
FROM (SELECT i + 1 AS row_no FROM range(${expected_rows}) AS t(i)) p
WHERE NOT EXISTS (SELECT 1 FROM rejected_row r WHERE r.row_no = p.row_no);

CREATE OR REPLACE TEMP TABLE staged AS
SELECT f.row_no, ${source_columns}
FROM (SELECT *, row_number() OVER (ORDER BY rowid) AS seq FROM csv_stage) s
JOIN free_row_no f ON f.seq = s.seq;

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
        ELSE lower(error_type)
    END || COALESCE(' in column ' || column_name, '')
FROM rejected_row;

INSERT INTO rule_breach
SELECT f.row_no, 'malformed_row', 'record not readable (unbalanced quotes)'
FROM free_row_no f
WHERE f.seq > (SELECT count(*) FROM csv_stage);
