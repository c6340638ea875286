-- Every person mention in every person file of the delivery, with the date of
-- the event it comes from (for first/last seen). file_order fixes tie-breaks.
CREATE OR REPLACE TABLE er.person_mention AS
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
FROM raw.ocg_member;
