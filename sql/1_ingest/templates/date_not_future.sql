-- Expression: a parsed date kept only when it is not after the future-date cutoff
-- (extracted_at's date + future_date_tolerance_days): a future event is excluded
-- from recency and activity, and recorded in raw.field_issue (templates/field_future_date.sql).
CASE WHEN ${parsed} <= CAST(${cutoff} AS DATE) THEN ${parsed} END
