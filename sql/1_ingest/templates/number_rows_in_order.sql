-- Every record was read (no rejects, count as in the manifest): the staged
-- order is the file's order, so a record's data row is its position
-- (rowid: DuckDB's insertion position; offset by its minimum to be safe).
CREATE OR REPLACE TEMP VIEW staged AS
SELECT s.rowid - (SELECT min(rowid) FROM csv_stage) + 1 AS row_no, ${source_columns}
FROM csv_stage s;

CREATE OR REPLACE TEMP TABLE unread_row (row_no BIGINT, error_type VARCHAR, column_name VARCHAR);
