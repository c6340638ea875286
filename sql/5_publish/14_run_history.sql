-- analyst.run_history: every run recorded in the working database, oldest first.
CREATE OR REPLACE TABLE pub.run_history AS
SELECT *
FROM audit.run_history
ORDER BY recorded_at, run_id;
