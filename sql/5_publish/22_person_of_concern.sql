-- analyst.person_of_concern: adults with whom missing children of different
-- households were found on separate episodes (rule in net.person_of_concern).
-- A flag for review, not a role: found-with adults are never OFFENDER or SUSPECT.
CREATE OR REPLACE TABLE pub.person_of_concern AS
SELECT * FROM net.person_of_concern
ORDER BY nominal_id;
