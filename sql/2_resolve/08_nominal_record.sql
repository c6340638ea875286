-- Crosswalk person_ref -> nominal_id from the clustering (registered as
-- nominal_record_assigned). match_probability: the strongest accepted link
-- holding the record in its nominal; 1.0 for a record alone in its nominal
-- or joined by an analyst's SAME decision.
CREATE OR REPLACE TABLE er.nominal_record AS
SELECT person_ref, nominal_id, match_probability
FROM nominal_record_assigned
ORDER BY person_ref;
