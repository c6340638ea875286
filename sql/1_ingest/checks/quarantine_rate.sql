-- Check: per delivered file, the share of its rows that were quarantined.
SELECT
    f.file_name,
    f."rows" AS n_rows,
    count(DISTINCT q.row_no) AS n_quarantined
FROM raw.delivery_file f
LEFT JOIN raw.quarantine q ON q.file_name = f.file_name AND q.delivery_id = f.delivery_id
WHERE f.file_name IN ${file_names}
GROUP BY f.file_name, f."rows"
ORDER BY f.file_name
