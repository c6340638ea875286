-- First run (no published analyst file): no previous nominals.
CREATE OR REPLACE TABLE er.previous_nominal_record (person_ref VARCHAR, nominal_id VARCHAR);
