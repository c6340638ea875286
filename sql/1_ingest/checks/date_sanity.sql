-- Check raw/<table>:date_sanity (WARN): implausible dates, run once per date column.
-- after_extracted_at/<column>: dates after the delivery's extracted_at that were kept (within
-- ingest.future_date_tolerance_days); future_blanked/<column>: dates beyond the tolerance, blanked
-- by the ingest and listed in raw.field_issue (rule future_date), so counted from there;
-- before_earliest_event_date/<column>: event dates before ingest.earliest_event_date. Dates of birth
-- get no earliest date (${earliest} NULL: an old dob is plausible), so that rule is left out for them.
-- The rule names the setting, never its value: a date in metadata reads like a date of birth.
-- dated_rows/<column> is reported.
WITH dated AS (
    SELECT
        coalesce(sum(CASE WHEN t.${column} > CAST(d.extracted_at AS DATE) THEN 1 ELSE 0 END), 0) AS n_future,
        coalesce(sum(CASE WHEN t.${column} < CAST(${earliest} AS DATE) THEN 1 ELSE 0 END), 0) AS n_too_early,
        count(t.${column}) AS n_dates
    FROM ${table} AS t
    CROSS JOIN raw.delivery AS d
)
SELECT 'after_extracted_at/' || ${column_name} AS rule, n_future AS n FROM dated
UNION ALL
SELECT 'future_blanked/' || ${column_name}, count(*)
FROM raw.field_issue
WHERE file_name = ${file_name} AND column_name = ${column_name} AND rule = 'future_date'
UNION ALL
SELECT 'before_earliest_event_date/' || ${column_name}, n_too_early FROM dated WHERE ${earliest} IS NOT NULL
UNION ALL
SELECT 'dated_rows/' || ${column_name}, n_dates FROM dated
