-- The prev.* snapshot of the previous published run, empty (a first run), and the
-- collectors of every id that run held (for prev.id_watermark, 03_id_watermark.sql).
CREATE OR REPLACE TABLE prev.run (delivery_id VARCHAR);
CREATE OR REPLACE TABLE prev.nominal_record (person_ref VARCHAR, nominal_id VARCHAR);
CREATE OR REPLACE TABLE prev.network (network_id VARCHAR, priority_rank BIGINT);
CREATE OR REPLACE TABLE prev.network_member (network_id VARCHAR, nominal_id VARCHAR);
CREATE OR REPLACE TABLE prev.edge (nominal_id_a VARCHAR, nominal_id_b VARCHAR, link_type VARCHAR);
CREATE OR REPLACE TABLE prev.network_crime (network_id VARCHAR, crime_ref VARCHAR);
CREATE OR REPLACE TEMP TABLE previous_issued_id (kind VARCHAR, source VARCHAR, id VARCHAR);
CREATE OR REPLACE TEMP TABLE previous_declared_mark (kind VARCHAR, max_issued BIGINT);
-- The copies each stage used to take itself (before the prev stage), left in a working
-- database by an older version: every table in work.duckdb is an asset's.
DROP TABLE IF EXISTS er.previous_nominal_record;
DROP TABLE IF EXISTS er.previous_id_watermark;
DROP TABLE IF EXISTS harm.prev_run;
DROP TABLE IF EXISTS harm.prev_network;
DROP TABLE IF EXISTS harm.prev_network_member;
DROP TABLE IF EXISTS harm.prev_edge;
DROP TABLE IF EXISTS harm.prev_network_crime;
