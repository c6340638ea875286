-- Every person mention in every person file of the delivery, with the date of
-- the event it comes from (for first/last seen). file_order fixes tie-breaks.
-- A person_ref whose every row was quarantined (raw.quarantined_person) is
-- still a record of the delivery: its quarantined rows are its mentions
-- (in_quarantine, no event date), so it is resolved like any other record.
CREATE OR REPLACE TABLE er.person_mention AS
WITH good AS (
SELECT 1 AS file_order, 'CRIME' AS system, 'crime_person.csv' AS source_file, p.row_no,
       p.person_ref, p.surname, p.forenames, p.dob, p.sex, p.address, p.postcode, p.phone, p.pnc_id,
       coalesce(c.committed_date, c.recorded_date) AS event_date
FROM raw.crime_person AS p
LEFT JOIN raw.crime AS c ON c.crime_ref = p.crime_ref
UNION ALL
SELECT 2, 'CUSTODY', 'custody.csv', row_no,
       person_ref, surname, forenames, dob, sex, address, postcode, phone, pnc_id,
       arrest_date
FROM raw.custody
UNION ALL
SELECT 3, 'INTEL', 'intel_person.csv', p.row_no,
       p.person_ref, p.surname, p.forenames, p.dob, p.sex, p.address, p.postcode, p.phone, p.pnc_id,
       i.created_date
FROM raw.intel_person AS p
LEFT JOIN raw.intel_log AS i ON i.intel_ref = p.intel_ref
UNION ALL
SELECT 4, 'MISSING', 'missing_person.csv', row_no,
       person_ref, surname, forenames, dob, sex, address, postcode, phone, pnc_id,
       reported_date
FROM raw.missing_person
UNION ALL
SELECT 5, 'VEHICLE', 'vehicle.csv', row_no,
       person_ref, surname, forenames, dob, sex, address, postcode, phone, pnc_id,
       seen_date
FROM raw.vehicle
UNION ALL
SELECT 6, 'OCG', 'ocg_member.csv', row_no,
       person_ref, surname, forenames, dob, sex, address, postcode, phone, pnc_id,
       mapped_date
FROM raw.ocg_member
),
system_of_file (file_order, system, source_file) AS (
    VALUES (1, 'CRIME', 'crime_person.csv'), (2, 'CUSTODY', 'custody.csv'),
           (3, 'INTEL', 'intel_person.csv'), (4, 'MISSING', 'missing_person.csv'),
           (5, 'VEHICLE', 'vehicle.csv'), (6, 'OCG', 'ocg_member.csv')
)
SELECT g.*, FALSE AS in_quarantine FROM good AS g
UNION ALL
SELECT f.file_order, f.system, f.source_file, q.row_no,
       q.person_ref, q.surname, q.forenames, q.dob, q.sex, q.address, q.postcode, q.phone, q.pnc_id,
       CAST(NULL AS DATE), TRUE
FROM raw.quarantined_person AS q
JOIN system_of_file AS f ON f.source_file = q.file_name
WHERE NOT EXISTS (SELECT 1 FROM good AS g WHERE g.person_ref = q.person_ref);
