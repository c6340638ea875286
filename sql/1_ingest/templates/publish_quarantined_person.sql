-- The person fields of this file's quarantined rows (person files only), so a
-- person_ref seen only in quarantined rows still becomes a person record
-- (er.person_record) although its rows make no links. Rows without a
-- person_ref cannot. Typed exactly like the raw tables (loader.typed_value:
-- unusable dob, sex, postcode or phone blanked). Run with templates/publish_file.sql.
DELETE FROM raw.quarantined_person WHERE file_name = ${file_name};

INSERT INTO raw.quarantined_person
SELECT ${delivery_id}, ${file_name}, s.row_no,
    ${person_columns}
FROM staged s
WHERE EXISTS (SELECT 1 FROM rule_breach b WHERE b.row_no = s.row_no)
  AND s.person_ref IS NOT NULL AND trim(s.person_ref) <> ''
ORDER BY s.row_no;
