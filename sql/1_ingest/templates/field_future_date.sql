-- Field rule future_date: a date after the delivery's extracted_at plus the
-- tolerance (${cutoff} is the last date accepted). The date is blanked, so the
-- event counts for no recency or activity; the row and its links load.
INSERT INTO field_breach
SELECT row_no, ${column_name}, 'future_date', ${column_name} || ' is after extracted_at + ' || ${tolerance_text}
FROM staged
WHERE ${parsed} > CAST(${cutoff} AS DATE);
