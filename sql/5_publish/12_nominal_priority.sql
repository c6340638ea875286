-- analyst.nominal_priority: nominals ranked by harm for review.
CREATE OR REPLACE TABLE pub.nominal_priority AS
SELECT *
FROM harm.nominal_priority;
