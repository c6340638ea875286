-- Check raw/quarantine:quarantine_rate (WARN): per delivered file, the share of its rows that were
-- quarantined. Quarantined rows are among the delivered rows, so the file's row count is the
-- denominator. Rule quarantine_rate_above_max/<file>: the file's quarantined rows when their share
-- is above ingest.max_quarantine_rate (0 otherwise); quarantine_rate/<file> (the share) and
-- max_quarantine_rate (the setting) are reported.
WITH counts AS (
    SELECT
        f.file_name,
        f."rows" AS n_rows,
        count(DISTINCT q.row_no) AS n_quarantined
    FROM raw.delivery_file AS f
    LEFT JOIN raw.quarantine AS q ON q.file_name = f.file_name AND q.delivery_id = f.delivery_id
    WHERE f.file_name IN ${file_names}
    GROUP BY f.file_name, f."rows"
),
rate AS (
    SELECT *, CASE WHEN n_rows > 0 THEN CAST(n_quarantined AS DOUBLE) / n_rows ELSE 0.0 END AS quarantine_rate FROM counts
)
SELECT 'quarantine_rate_above_max/' || file_name AS rule,
       CASE WHEN quarantine_rate > ${max_quarantine_rate} THEN n_quarantined ELSE 0 END AS n
FROM rate
UNION ALL SELECT 'quarantine_rate/' || file_name, round(quarantine_rate, 4) FROM rate
UNION ALL SELECT 'max_quarantine_rate', ${max_quarantine_rate}
