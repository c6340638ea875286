-- The high-water marks the previous published run declared (analyst id_watermark):
-- they remember ids whose nominal or network has since vanished.
INSERT INTO previous_issued_number (kind, max_issued)
SELECT CAST(kind AS VARCHAR), CAST(max_issued AS BIGINT)
FROM previous_run.main.id_watermark
WHERE max_issued IS NOT NULL;
