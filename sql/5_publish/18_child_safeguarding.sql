-- analyst.child_safeguarding: CSE victims and children at risk ranked for
-- safeguarding review (never targets: none of them has a priority_rank).
CREATE OR REPLACE TABLE pub.child_safeguarding AS
SELECT * FROM harm.child_safeguarding
ORDER BY safeguarding_rank;
