-- Audit of pub.quarantine: every rejected row belongs to this delivery and names a known rule.
SELECT 'other_delivery' AS rule, count(*) AS n_failing
FROM pub.quarantine AS q
WHERE q.delivery_id IS NULL OR q.delivery_id <> (SELECT delivery_id FROM raw.delivery)
UNION ALL
SELECT 'unknown_rule', count(*)
FROM pub.quarantine
WHERE rule IS NULL OR rule NOT IN (
    'unparseable_date', 'missing_key', 'unknown_value', 'orphan_row', 'duplicate_ref', 'malformed_row');
