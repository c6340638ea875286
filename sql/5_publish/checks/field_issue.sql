-- Audit of pub.field_issue: every blanked field belongs to this delivery, names a
-- column and a known field rule.
SELECT 'other_delivery' AS rule, count(*) AS n_failing
FROM pub.field_issue AS f
WHERE f.delivery_id IS NULL OR f.delivery_id <> (SELECT delivery_id FROM raw.delivery)
UNION ALL
SELECT 'no_column', count(*)
FROM pub.field_issue
WHERE column_name IS NULL OR column_name = ''
UNION ALL
SELECT 'unknown_rule', count(*)
FROM pub.field_issue
WHERE rule IS NULL OR rule NOT IN ('unparseable_date', 'future_date', 'unknown_value', 'invalid_format');
