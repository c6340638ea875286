-- analyst.nominal_priority: nominals with any priority points, ranked (1 = highest).
CREATE OR REPLACE TABLE pub.nominal_priority AS
SELECT *
FROM harm.nominal_priority
ORDER BY priority_rank, nominal_id;
