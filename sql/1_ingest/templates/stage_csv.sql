-- Stage one delivered CSV as text, exactly as delivered, with every header
-- column declared (extra columns are read, then ignored). This step is
-- DuckDB's read_csv (a Spark port would use spark.read.csv in PERMISSIVE mode).
-- Records the parser cannot split into the header's columns, or that are not
-- UTF-8, go to csv_rejects instead of failing the load. Single-threaded, so the
-- staged order (rowid) is the file's order.
DROP TABLE IF EXISTS csv_rejects;
DROP TABLE IF EXISTS csv_scans;
CREATE OR REPLACE TEMP TABLE csv_stage AS
SELECT *
FROM read_csv(
    ${path},
    header = true,
    auto_detect = false,
    columns = ${columns},
    delim = ',',
    quote = '"',
    escape = '"',
    strict_mode = true,
    null_padding = false,
    parallel = false,
    max_line_size = ${max_line_size},
    store_rejects = true,
    rejects_table = 'csv_rejects',
    rejects_scan = 'csv_scans'
);
