-- The ids one table of the previous published run holds (attached as previous_run),
-- for the high-water mark of issued ids (05_previous_id_watermark.sql).
INSERT INTO previous_issued_id (kind, id)
SELECT ${kind}, CAST(${column} AS VARCHAR)
FROM previous_run.main.${table}
WHERE ${column} IS NOT NULL;
