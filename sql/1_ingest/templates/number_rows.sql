-- Some records could not be read: number every record by its data row in the
-- file (1-based, header not counted) and list the unread ones.
--
-- The parser reports a rejected record by line number counting the header and
-- blank lines (blank_line, registered by the loader); the good records, in file
-- order, take the remaining numbers 1..${expected_rows} in turn. Numbers left
-- over belong to records the parser swallowed (an unterminated quote running to
-- the end of the file): they are unread too, never silently lost.
CREATE OR REPLACE TEMP TABLE unread_row AS
SELECT
    e.line - 1 - (SELECT count(*) FROM blank_line b WHERE b.line < e.line) AS row_no,
    CAST(e.error_type AS VARCHAR) AS error_type,
    CAST(e.column_name AS VARCHAR) AS column_name
FROM csv_rejects e;

CREATE OR REPLACE TEMP TABLE free_row_no AS
SELECT p.row_no, row_number() OVER (ORDER BY p.row_no) AS seq
FROM (SELECT i + 1 AS row_no FROM range(${expected_rows}) AS t(i)) p
WHERE NOT EXISTS (SELECT 1 FROM unread_row r WHERE r.row_no = p.row_no);

CREATE OR REPLACE TEMP TABLE csv_numbered AS
SELECT f.row_no, ${source_columns}
FROM (SELECT *, row_number() OVER (ORDER BY rowid) AS seq FROM csv_stage) s
JOIN free_row_no f ON f.seq = s.seq;

CREATE OR REPLACE TEMP VIEW staged AS
SELECT * FROM csv_numbered;

INSERT INTO unread_row
SELECT f.row_no, 'UNREAD', NULL
FROM free_row_no f
WHERE f.seq > (SELECT count(*) FROM csv_stage);
