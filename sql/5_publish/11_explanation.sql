-- analyst.explanation: the parts every harm and priority score is made of.
-- Kept in the harm stage's own (deterministic) row order.
CREATE OR REPLACE TABLE pub.explanation AS
SELECT *
FROM harm.explanation;
