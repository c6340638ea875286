-- The field issues describe the current delivery only: drop rows left from others.
DELETE FROM raw.field_issue
WHERE delivery_id <> (SELECT delivery_id FROM raw.delivery);
