-- The quarantine describes the current delivery only: drop rows left from others.
DELETE FROM raw.quarantine
WHERE delivery_id <> (SELECT delivery_id FROM raw.delivery);

DELETE FROM raw.quarantined_person
WHERE delivery_id <> (SELECT delivery_id FROM raw.delivery);
