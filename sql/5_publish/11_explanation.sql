-- analyst.explanation: the items every network and nominal priority score is
-- made of (and what changed since the last published run), in the order an
-- analyst reads them: subject by rank, biggest contribution first.
CREATE OR REPLACE TABLE pub.explanation AS
SELECT *
FROM harm.explanation
ORDER BY subject_kind, priority_rank, subject_id, section DESC, contribution DESC, component, item_kind, item_ref;
