-- The delivery as the shareable picture sees it (csenet_dagster/network/shareable.py), run
-- inside its own catalog over the working database ${work}: without intelligence with
-- handling code C (sharing with conditions). The resolve stage's record rules then
-- rebuild er.person_record / er.person_std from these views (so neither a C log's
-- date nor a value it alone gives reaches a record), sql/3_network/15_shareable_identity.sql
-- keeps the force's identities, and the network and harm SQL run here unchanged:
-- exports and dossiers are written from the tables this picture gives.
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS er;
CREATE SCHEMA IF NOT EXISTS net;
CREATE SCHEMA IF NOT EXISTS harm;
CREATE SCHEMA IF NOT EXISTS prev;

CREATE OR REPLACE VIEW raw.delivery AS SELECT * FROM ${work}.raw.delivery;
CREATE OR REPLACE VIEW raw.crime AS SELECT * FROM ${work}.raw.crime;
CREATE OR REPLACE VIEW raw.crime_person AS SELECT * FROM ${work}.raw.crime_person;
CREATE OR REPLACE VIEW raw.custody AS SELECT * FROM ${work}.raw.custody;
CREATE OR REPLACE VIEW raw.missing_person AS SELECT * FROM ${work}.raw.missing_person;
CREATE OR REPLACE VIEW raw.vehicle AS SELECT * FROM ${work}.raw.vehicle;
CREATE OR REPLACE VIEW raw.ocg_member AS SELECT * FROM ${work}.raw.ocg_member;
CREATE OR REPLACE VIEW raw.intel_log AS
SELECT * FROM ${work}.raw.intel_log WHERE coalesce(handling, '') <> 'C';
CREATE OR REPLACE VIEW raw.intel_person AS
SELECT ip.* FROM ${work}.raw.intel_person AS ip
WHERE ip.intel_ref IN (SELECT intel_ref FROM ${work}.raw.intel_log WHERE coalesce(handling, '') <> 'C');
-- a quarantined intelligence row's log (and so its handling code) cannot be trusted: left out
CREATE OR REPLACE VIEW raw.quarantined_person AS
SELECT * FROM ${work}.raw.quarantined_person WHERE file_name <> 'intel_person.csv';

-- reference data, the same in both pictures (harm's: sql/4_harm/12_shareable_input.sql)
CREATE OR REPLACE VIEW net.cse_offence_code AS SELECT * FROM ${work}.net.cse_offence_code;
