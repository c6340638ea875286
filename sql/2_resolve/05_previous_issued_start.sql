-- Collectors for the ids and declared high-water marks of the previous published run.
CREATE OR REPLACE TEMP TABLE previous_issued_id (kind VARCHAR, id VARCHAR);
CREATE OR REPLACE TEMP TABLE previous_issued_number (kind VARCHAR, max_issued BIGINT);
